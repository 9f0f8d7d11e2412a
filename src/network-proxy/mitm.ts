import http from "node:http";
import net from "node:net";
import { Duplex, PassThrough } from "node:stream";
import tls from "node:tls";
import { blockedMessage, proxyErrorHeader, refuseText } from "./blocked.js";
import { deferredCaSecureContext } from "../lib/extra-ca-certs.js";
import type { CaSigner } from "./certs.js";
import { badGateway, endToEnd, relay } from "./forward.js";
import { refusedByMode } from "./http-listener.js";
import { applyHookActions, evaluateHooks, type MitmHooks } from "./mitm-hooks.js";
import { normalizeHost } from "./patterns.js";
import { type ProxyRuntime, splitHostPort, type Target } from "./runtime.js";

/**
 * HTTPS interception (network-proxy.md §3): in `limited` mode, and for hosts with `mitm` hooks, an
 * allowed tunnel is answered by keel with a certificate for the tunnel's host signed by the
 * KEEL_HOME CA, so every request inside is visible: its host must be the tunnel's, then the hooks
 * and the mode's method policy apply to it. Allowed requests go on to the real host over a new
 * TLS connection that keel verifies as any client would.
 */
export interface InterceptorOptions {
  signer: CaSigner;
  /** Extra roots keel trusts for upstream servers (tests: a loopback server's own CA). */
  upstreamCa?: readonly string[];
  hooks?: MitmHooks;
}

/**
 * The URL of a request inside a tunnel to `target`, or null when it names another host, in its
 * absolute-form target or its Host header: the policy judged the tunnel's host, so a request for
 * another one (domain fronting) must not go out. Paths come out normalized, so that the hooks
 * see what the server will get.
 */
function innerUrl(req: http.IncomingMessage, target: Target): URL | null {
  const raw = req.url ?? "/";
  const want = normalizeHost(target.host);
  let url: URL;
  try {
    // A fixed origin, not a base: `//other/x` stays a path here.
    url = raw.startsWith("/") ? new URL(`https://tunnel.invalid${raw}`) : new URL(raw);
  } catch {
    return null;
  }
  if (!raw.startsWith("/") && (url.protocol !== "https:" || normalizeHost(url.hostname) !== want))
    return null;
  const hostHeader = req.headers.host;
  if (hostHeader !== undefined) {
    const named = splitHostPort(hostHeader.trim(), target.port);
    if (!named || normalizeHost(named.host) !== want) return null;
  }
  return url;
}

/** Leaf certificates kept per host for the proxy's lifetime. */
const MAX_CACHED_HOSTS = 1024;

/**
 * What keel trusts for its own HTTPS: Node's roots plus `NODE_EXTRA_CA_CERTS`, which bin/keel
 * defers (a company CA in that file must work for intercepted requests as it does for the model).
 */
function trustedAsKeel(): { secureContext?: tls.SecureContext } {
  const secureContext = deferredCaSecureContext(() => {});
  return secureContext ? { secureContext } : {};
}

export class Interceptor {
  private readonly contexts = new Map<string, Promise<tls.SecureContext>>();
  private readonly targets = new WeakMap<net.Socket, Target>();
  private readonly open = new Set<tls.TLSSocket>();
  private readonly server: http.Server;

  constructor(
    private readonly rt: ProxyRuntime,
    private readonly options: InterceptorOptions,
  ) {
    this.server = http.createServer((req, res) => {
      const target = this.targets.get(req.socket);
      if (!target) return void res.destroy();
      void this.forward(target, req, res);
    });
    this.server.on("clientError", (_error, socket) => socket.destroy());
  }

  /** True when `host` has hooks: its tunnels are intercepted whatever the mode. */
  hooked(host: string): boolean {
    return this.options.hooks?.has(normalizeHost(host)) ?? false;
  }

  /** The TLS context presenting `host`'s leaf certificate, made once per host. */
  private context(host: string): Promise<tls.SecureContext> {
    let ctx = this.contexts.get(host);
    if (!ctx) {
      if (this.contexts.size >= MAX_CACHED_HOSTS) this.contexts.clear();
      ctx = this.options.signer
        .issue(host)
        .then(({ certPem, keyPem }) =>
          tls.createSecureContext({ cert: `${certPem}${this.options.signer.certPem}`, key: keyPem }),
        );
      // A failed issue is not cached: the next tunnel tries again.
      ctx.catch(() => this.contexts.delete(host));
      this.contexts.set(host, ctx);
    }
    return ctx;
  }

  /**
   * Takes over an accepted tunnel whose client has not yet started TLS: `established` is written
   * once the certificate is ready (the CONNECT 200 or the SOCKS5 success reply).
   */
  async accept(client: net.Socket, head: Buffer, target: Target, established: Buffer): Promise<void> {
    let secureContext: tls.SecureContext;
    try {
      secureContext = await this.context(target.host);
    } catch {
      client.destroy();
      return;
    }
    client.write(established);
    // TLS over a JS stream fed by the socket: bytes the client sent early (`head`) come first.
    const inbound = new PassThrough();
    if (head.length > 0) inbound.write(head);
    client.pipe(inbound);
    const duplex = Duplex.from({ readable: inbound, writable: client });
    const secure = new tls.TLSSocket(duplex as unknown as net.Socket, {
      isServer: true,
      secureContext,
      ALPNProtocols: ["http/1.1"],
    });
    secure.on("error", () => client.destroy());
    secure.on("close", () => client.destroy());
    client.on("close", () => secure.destroy());
    this.open.add(secure);
    secure.on("close", () => this.open.delete(secure));
    this.targets.set(secure, target);
    this.server.emit("connection", secure);
  }

  private async forward(target: Target, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const { host, port } = target;
    const method = req.method ?? "GET";
    const url = innerUrl(req, target);
    if (!url) {
      req.resume();
      return refuseText(res, 400, "host mismatch");
    }
    const hooks = this.options.hooks ? evaluateHooks(this.options.hooks, host, req, url) : null;
    if (hooks?.kind === "no-match") {
      const [reason, source] = ["mitm_hook_denied", "baseline_policy"] as const;
      this.rt.record({ protocol: "https", host, port, method, allowed: false, reason, source });
      req.resume();
      return refuseText(res, 403, blockedMessage(reason), proxyErrorHeader(reason, source));
    }
    if (refusedByMode(this.rt, "https", target, req, res)) return;
    this.rt.record({ protocol: "https", host, port, method, allowed: true });
    let upstream: tls.TLSSocket;
    try {
      const raw = await this.rt.open(target, true);
      upstream = await this.secureUpstream(raw, host);
    } catch (error) {
      badGateway(res, host, port, (error as Error).message);
      return;
    }
    const headers = endToEnd(req.headers);
    if (hooks?.kind === "matched") applyHookActions(headers, hooks.actions);
    // The tunnel's host was judged, so that is the host the server sees (as for plain HTTP).
    headers.host = port === 443 ? host : `${net.isIP(host) === 6 ? `[${host}]` : host}:${port}`;
    const out = http.request({
      method,
      path: `${url.pathname}${url.search}`,
      headers,
      createConnection: () => upstream,
    });
    res.on("close", () => upstream.destroy());
    relay(req, out, res, target);
  }

  /** Made once: parsing every root for each connection would cost tens of milliseconds. */
  private upstreamContext: tls.SecureContext | undefined;

  private upstreamTrust(): { secureContext?: tls.SecureContext } {
    const extra = this.options.upstreamCa;
    if (!extra || extra.length === 0) return trustedAsKeel();
    this.upstreamContext ??= tls.createSecureContext({ ca: [...tls.rootCertificates, ...extra] });
    return { secureContext: this.upstreamContext };
  }

  /** TLS to the real server, verified against the roots keel trusts (and any test roots). */
  private secureUpstream(raw: net.Socket, host: string): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        socket: raw,
        host,
        ...(net.isIP(host) === 0 ? { servername: host } : {}),
        ALPNProtocols: ["http/1.1"],
        ...this.upstreamTrust(),
      });
      socket.once("secureConnect", () => {
        socket.off("error", reject);
        resolve(socket);
      });
      socket.once("error", (error) => {
        raw.destroy();
        reject(error);
      });
    });
  }

  close(): void {
    for (const s of this.open) s.destroy();
  }
}
