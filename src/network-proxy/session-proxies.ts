import { errorMessage } from "../lib/errors.js";
import { proxyEnvironment } from "./env.js";
import type { NetworkPolicy } from "./decision.js";
import { loadOrCreateManagedCa, type ManagedCa } from "./managed-ca.js";
import { compileMitmHooks } from "./mitm-hooks.js";
import { type NetworkProxy, startNetworkProxy } from "./proxy.js";
import type { NetworkDecider, ProxyRequestRecord } from "./runtime.js";
import type { NetworkProxySettings } from "./settings.js";
import { upstreamProxiesFromEnv } from "./upstream.js";

/** How a thread's sandboxed commands reach its proxy: variables to add and ports to bridge. */
export interface ProxyRoute {
  env: Record<string, string>;
  ports: number[];
  /** Files the command must be able to read (the CA bundle). */
  readable: string[];
  /** Files the command must not read (the CA's private key). */
  hidden: string[];
}

/** Where a session's proxy gets what lies outside its settings. */
export interface ProxyContext {
  keelHome: string;
  /** keel's own environment: the upstream proxies come from it. */
  env: Readonly<Record<string, string | undefined>>;
  /** Asked about allowlist misses (network approvals); absent: every miss is refused. */
  decider?: NetworkDecider;
  onRequest?: (record: ProxyRequestRecord) => void;
}

async function launch(settings: NetworkProxySettings, context: ProxyContext) {
  // Secrets are read first: a hook whose secret is missing stops the proxy, and so every command.
  const hooks = settings.mitm ? compileMitmHooks(settings.mitm, { env: context.env }) : null;
  // Limited mode and `mitm` hooks need to see inside HTTPS: the KEEL_HOME CA is made ready first.
  const ca: ManagedCa | null =
    settings.policy.mode === "limited" || settings.mitm
      ? await loadOrCreateManagedCa(context.keelHome)
      : null;
  const proxy = await startNetworkProxy({
    policy: settings.policy,
    socks5: settings.socks5,
    socks5Udp: settings.socks5Udp,
    upstream: settings.allowUpstreamProxy ? upstreamProxiesFromEnv(context.env) : null,
    ...(context.decider ? { decider: context.decider } : {}),
    ...(context.onRequest ? { onRequest: context.onRequest } : {}),
    ...(ca ? { ca: ca.signer } : {}),
    ...(hooks ? { hooks } : {}),
  });
  const env = proxyEnvironment({
    httpPort: proxy.httpPort,
    socksPort: proxy.socksPort,
    allowLocalBinding: settings.policy.allowLocalBinding,
    caBundlePath: ca?.bundlePath ?? null,
  });
  const route: ProxyRoute = {
    env,
    ports: [proxy.httpPort, ...(proxy.socksPort === null ? [] : [proxy.socksPort])],
    readable: ca ? [ca.bundlePath] : [],
    hidden: ca ? [ca.keyPath] : [],
  };
  return { proxy, route };
}

type Entry = Promise<{ proxy: NetworkProxy; route: ProxyRoute } | { error: string }>;

/** One managed proxy per session (network-proxy.md §1), started with the thread, closed with it. */
export class SessionProxies {
  private readonly entries = new Map<string, Entry>();

  start(threadId: string, settings: NetworkProxySettings, context: ProxyContext): void {
    if (this.entries.has(threadId)) return;
    const entry: Entry = launch(settings, context).catch((error: unknown) => ({
      error: errorMessage(error),
    }));
    this.entries.set(threadId, entry);
  }

  /**
   * The thread's route; null when it has no proxy. Throws when the proxy should run but could not
   * start: the caller must then refuse to run sandboxed commands (they would get direct network).
   */
  async route(threadId: string): Promise<ProxyRoute | null> {
    const entry = this.entries.get(threadId);
    if (!entry) return null;
    const started = await entry;
    if ("error" in started) throw new Error(`the managed network proxy could not start: ${started.error}`);
    return started.route;
  }

  /** Replaces the running proxy's policy at once (a network amendment); no-op without a proxy. */
  async updatePolicy(threadId: string, change: (policy: NetworkPolicy) => NetworkPolicy): Promise<void> {
    const started = await this.entries.get(threadId);
    if (started && "proxy" in started) started.proxy.setPolicy(change(started.proxy.policy));
  }

  async end(threadId: string): Promise<void> {
    const entry = this.entries.get(threadId);
    this.entries.delete(threadId);
    const started = await entry;
    if (started && "proxy" in started) await started.proxy.close();
  }
}
