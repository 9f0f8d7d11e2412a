import type http from "node:http";
import type net from "node:net";
import type { NetworkPolicy, Resolver } from "./decision.js";
import { systemResolver } from "./decision.js";
import { createHttpListener } from "./http-listener.js";
import { type NetworkDecider, type ProxyRequestRecord, ProxyRuntime } from "./runtime.js";
import type { CaSigner } from "./certs.js";
import { Interceptor } from "./mitm.js";
import type { MitmHooks } from "./mitm-hooks.js";
import { createSocks5Listener } from "./socks5-listener.js";
import type { UpstreamProxies } from "./upstream.js";

export interface StartProxyOptions {
  policy: NetworkPolicy;
  /** Also listen for SOCKS5 (`enable_socks5`, default true). */
  socks5?: boolean;
  /** SOCKS5 UDP ASSOCIATE (`enable_socks5_udp`, default true). */
  socks5Udp?: boolean;
  /** Proxies to forward through (`allow_upstream_proxy`); absent: connect directly. */
  upstream?: UpstreamProxies | null;
  /** The interception CA: limited mode then inspects HTTPS instead of refusing tunnels. */
  ca?: CaSigner;
  /** Extra roots for verifying upstream HTTPS servers; tests only (a loopback server's CA). */
  upstreamCa?: readonly string[];
  /** `mitm` hooks (they need `ca`): their hosts are intercepted in every mode. */
  hooks?: MitmHooks;
  /** Name resolution for the policy's DNS check and for connections (tests map names here). */
  resolve?: Resolver;
  dnsTimeoutMs?: number;
  onRequest?: (record: ProxyRequestRecord) => void;
  /** Asked about allowlist misses (network approvals); absent: misses are hard-denied. */
  decider?: NetworkDecider;
}

/** A running per-session proxy: ephemeral loopback ports, a policy that can change in place. */
export interface NetworkProxy {
  httpPort: number;
  socksPort: number | null;
  readonly log: readonly ProxyRequestRecord[];
  /** The policy in force now (amendments replace it in place). */
  readonly policy: NetworkPolicy;
  setPolicy(policy: NetworkPolicy): void;
  close(): Promise<void>;
}

function listen(server: net.Server | http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function close(server: net.Server | http.Server): Promise<void> {
  return new Promise((resolve) => {
    (server as http.Server).closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Starts the proxy's listeners on 127.0.0.1 (Codex-managed proxies always bind ephemeral ports). */
export async function startNetworkProxy(options: StartProxyOptions): Promise<NetworkProxy> {
  const rt = new ProxyRuntime(
    options.policy,
    options.resolve ?? systemResolver,
    options.onRequest,
    options.dnsTimeoutMs,
    options.upstream ?? null,
  );
  rt.decider = options.decider ?? null;
  if (options.ca)
    rt.interceptor = new Interceptor(rt, {
      signer: options.ca,
      ...(options.upstreamCa ? { upstreamCa: options.upstreamCa } : {}),
      ...(options.hooks ? { hooks: options.hooks } : {}),
    });
  const httpServer = createHttpListener(rt);
  const sockets = new Set<net.Socket>();
  const socksServer =
    options.socks5 === false ? null : createSocks5Listener(rt, { udp: options.socks5Udp !== false });
  socksServer?.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  httpServer.on("connect", (_req: http.IncomingMessage, s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const httpPort = await listen(httpServer);
  const socksPort = socksServer ? await listen(socksServer) : null;
  return {
    httpPort,
    socksPort,
    log: rt.log,
    get policy() {
      return rt.policy;
    },
    setPolicy(policy) {
      rt.policy = policy;
    },
    async close() {
      rt.interceptor?.close();
      for (const s of sockets) s.destroy();
      await Promise.all([close(httpServer), ...(socksServer ? [close(socksServer)] : [])]);
    },
  };
}
