import dns from "node:dns";
import net from "node:net";
import { isLocalHostLiteral, isNonPublicAddress } from "./addresses.js";
import { matchesAny, normalizeHost } from "./patterns.js";

/** The domain policy one proxy enforces (network-proxy.md §2, §4). */
export interface NetworkPolicy {
  /** `limited`: only GET, HEAD and OPTIONS. */
  mode: "full" | "limited";
  allow: readonly string[];
  deny: readonly string[];
  allowLocalBinding: boolean;
}

export type BlockReason =
  | "not_allowed"
  | "denied"
  | "not_allowed_local"
  | "method_not_allowed"
  // A host with `mitm` hooks reached without interception (plain HTTP, SOCKS5 other than 443).
  | "mitm_required"
  // An intercepted request to a hooked host that no hook matches.
  | "mitm_hook_denied";
export type BlockSource = "baseline_policy" | "decider" | "mode_guard";

export type HostDecision =
  | { allowed: true; addresses: string[] }
  | { allowed: false; reason: BlockReason; source: BlockSource };

/** Name resolution used for the local-address check and for the connection itself. */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) =>
  (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export const DNS_CHECK_TIMEOUT_MS = 2000;

export interface DecideOptions {
  resolve: Resolver;
  dnsTimeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  return new Promise((done) => {
    const timer = setTimeout(() => done(null), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        done(value);
      },
      () => {
        clearTimeout(timer);
        done(null);
      },
    );
  });
}

const block = (reason: BlockReason): HostDecision => ({ allowed: false, reason, source: "baseline_policy" });

/**
 * Codex's order: deny patterns, then local/private literals, then the allowlist, then (for an
 * allowlisted name while local binding is off) a DNS check that refuses names pointing at private
 * addresses — so a public-looking name cannot smuggle a request to the host's loopback. Unlike
 * Codex, the addresses a name resolves to also meet the deny list's IP literals.
 */
export async function decideHost(
  policy: NetworkPolicy,
  rawHost: string,
  options: DecideOptions,
): Promise<HostDecision> {
  const host = normalizeHost(rawHost);
  if (host === "" || matchesAny(policy.deny, host)) return block(host === "" ? "not_allowed" : "denied");
  const literal = net.isIP(host) !== 0;
  if (isLocalHostLiteral(host) && !policy.allowLocalBinding) {
    // Only an exact (non-wildcard) allow entry opens a local literal.
    const explicit = policy.allow.some((p) => normalizeHost(p) === host);
    if (!explicit) return block("not_allowed_local");
  }
  if (!matchesAny(policy.allow, host)) return block("not_allowed");
  if (literal) return { allowed: true, addresses: [host] };
  const addresses = await withTimeout(options.resolve(host), options.dnsTimeoutMs ?? DNS_CHECK_TIMEOUT_MS);
  if (addresses === null || addresses.length === 0) return block("not_allowed_local");
  // A denied IP literal is denied however the name reaching it is spelled (`2130706433`, `127.1`).
  if (addresses.some((address) => matchesAny(policy.deny, address))) return block("denied");
  if (!policy.allowLocalBinding && addresses.some(isNonPublicAddress)) return block("not_allowed_local");
  return { allowed: true, addresses };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function methodAllowed(policy: NetworkPolicy, method: string): boolean {
  return policy.mode === "full" || SAFE_METHODS.has(method.toUpperCase());
}
