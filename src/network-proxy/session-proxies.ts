import { errorMessage } from "../lib/errors.js";
import { PROXY_URL_VARIABLES, proxyEnvironment } from "./env.js";
import type { NetworkPolicy } from "./decision.js";
import { type NetworkProxy, startNetworkProxy } from "./proxy.js";
import type { NetworkDecider, ProxyRequestRecord } from "./runtime.js";
import type { NetworkProxySettings } from "./settings.js";

/** How a thread's sandboxed commands reach its proxy: variables to add and ports to bridge. */
export interface ProxyRoute {
  env: Record<string, string>;
  ports: number[];
}

type Entry = Promise<{ proxy: NetworkProxy; route: ProxyRoute } | { error: string }>;

/** One managed proxy per session (network-proxy.md §1), started with the thread, closed with it. */
export class SessionProxies {
  private readonly entries = new Map<string, Entry>();

  start(
    threadId: string,
    settings: NetworkProxySettings,
    hooks: { decider?: NetworkDecider; onRequest?: (record: ProxyRequestRecord) => void } = {},
  ): void {
    if (this.entries.has(threadId)) return;
    const entry: Entry = startNetworkProxy({
      policy: settings.policy,
      socks5: settings.socks5,
      ...(hooks.decider ? { decider: hooks.decider } : {}),
      ...(hooks.onRequest ? { onRequest: hooks.onRequest } : {}),
    }).then(
      (proxy) => {
        const env = proxyEnvironment({
          httpPort: proxy.httpPort,
          socksPort: proxy.socksPort,
          allowLocalBinding: settings.policy.allowLocalBinding,
        });
        return {
          proxy,
          route: { env, ports: [proxy.httpPort, ...(proxy.socksPort === null ? [] : [proxy.socksPort])] },
        };
      },
      (error: unknown) => ({ error: errorMessage(error) }),
    );
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

/** The variables a shell snapshot must not override while a proxy is on (unified-exec.md §7). */
export const PROXY_RESTORED_VARIABLES: readonly string[] = [...PROXY_URL_VARIABLES];
