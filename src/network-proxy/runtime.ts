import type net from "node:net";
import {
  type BlockReason,
  type BlockSource,
  decideHost,
  type HostDecision,
  type NetworkPolicy,
  type Resolver,
} from "./decision.js";
import { normalizeHost } from "./patterns.js";
import { openStream, type UpstreamProxies } from "./upstream.js";

export type ProxyProtocol = "http" | "https" | "socks5Tcp" | "socks5Udp";

/** A request the policy did not allow (an allowlist miss) and the session may let through. */
export interface NetworkAskRequest {
  protocol: ProxyProtocol;
  host: string;
  port: number;
}

/**
 * Decides an allowlist miss (network-proxy.md §6): true lets the request through, false refuses it
 * with source `decider`. Only `not_allowed` misses are asked; deny-listed and local hosts never.
 */
export type NetworkDecider = (request: NetworkAskRequest) => Promise<boolean>;

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

/** An allowed destination: the name the policy judged and the addresses it resolved to. */
export interface Target {
  host: string;
  port: number;
  addresses: readonly string[];
}

/** Takes over an allowed tunnel to inspect the HTTPS inside (mitm.ts). */
export interface TunnelInterceptor {
  accept(client: net.Socket, head: Buffer, target: Target, established: Buffer): Promise<void>;
  /** `host` has `mitm` hooks: its HTTPS is intercepted in every mode, and nothing else may reach it. */
  hooked(host: string): boolean;
  close(): void;
}

/**
 * What the listeners share: the policy (replaceable in place), the resolver, the log and the
 * upstream proxies (null: connect directly).
 */
export class ProxyRuntime {
  readonly log: ProxyRequestRecord[] = [];
  /** Set by the session that owns the proxy; absent: every miss is a hard deny. */
  decider: NetworkDecider | null = null;
  /** HTTPS interception; null: limited mode refuses tunnels, as it cannot see their methods. */
  interceptor: TunnelInterceptor | null = null;
  constructor(
    public policy: NetworkPolicy,
    private readonly resolve: Resolver,
    private readonly onRequest?: (record: ProxyRequestRecord) => void,
    private readonly dnsTimeoutMs?: number,
    readonly upstream: UpstreamProxies | null = null,
  ) {}

  async decide(host: string, protocol: ProxyProtocol, port: number): Promise<HostDecision> {
    const options = {
      resolve: this.resolve,
      ...(this.dnsTimeoutMs !== undefined ? { dnsTimeoutMs: this.dnsTimeoutMs } : {}),
    };
    const decision = await decideHost(this.policy, host, options);
    if (decision.allowed || decision.reason !== "not_allowed" || !this.decider) return decision;
    const name = normalizeHost(host);
    if (!(await this.decider({ protocol, host: name, port })))
      return { allowed: false, reason: "not_allowed", source: "decider" };
    // Approved: judged again as if allowlisted, so the deny list and the DNS check still apply.
    return decideHost({ ...this.policy, allow: [name] }, name, options);
  }

  record(entry: ProxyRequestRecord): void {
    this.log.push(entry);
    this.onRequest?.(entry);
  }

  /**
   * A stream to an allowed target. `tunnel`: a CONNECT or intercepted HTTPS destination, which
   * goes through the HTTPS upstream proxy when there is one; SOCKS5 connects directly, as Codex's.
   */
  open(target: Target, tunnel: boolean): Promise<net.Socket> {
    return openStream(target, tunnel ? (this.upstream?.https ?? null) : null);
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
