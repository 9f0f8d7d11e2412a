import net from "node:net";
import {
  type BlockReason,
  type BlockSource,
  decideHost,
  type HostDecision,
  type NetworkPolicy,
  type Resolver,
} from "./decision.js";

export type ProxyProtocol = "http" | "https" | "socks5Tcp";

/** One request the proxy judged: what `onRequest` and the request log see. */
export interface ProxyRequestRecord {
  protocol: ProxyProtocol;
  host: string;
  port: number;
  method: string | null;
  allowed: boolean;
  reason?: BlockReason;
  source?: BlockSource;
}

/** What the listeners share: the policy (replaceable in place), the resolver and the log. */
export class ProxyRuntime {
  readonly log: ProxyRequestRecord[] = [];
  constructor(
    public policy: NetworkPolicy,
    private readonly resolve: Resolver,
    private readonly onRequest?: (record: ProxyRequestRecord) => void,
    private readonly dnsTimeoutMs?: number,
  ) {}

  async decide(host: string): Promise<HostDecision> {
    return decideHost(this.policy, host, {
      resolve: this.resolve,
      ...(this.dnsTimeoutMs !== undefined ? { dnsTimeoutMs: this.dnsTimeoutMs } : {}),
    });
  }

  record(entry: ProxyRequestRecord): void {
    this.log.push(entry);
    this.onRequest?.(entry);
  }

  /** Connects to the first of the addresses the decision resolved (resolution happens again here). */
  connect(addresses: readonly string[], port: number): net.Socket {
    return net.connect({ host: addresses[0]!, port });
  }
}

/** `host:port` of a CONNECT target or SOCKS request; IPv6 literals in brackets. */
export function splitHostPort(target: string, defaultPort: number): { host: string; port: number } | null {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(target) ?? /^([^:]+)(?::(\d+))?$/.exec(target);
  if (!m) return null;
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: m[1]!, port };
}
