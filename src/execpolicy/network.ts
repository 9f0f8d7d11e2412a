import type { Policy } from "./policy.js";

/**
 * `network_rule` hosts, normalised as Codex does (lowercase, no trailing dot or `:port`), and the
 * domain lists the managed network proxy folds in (its own module owns that merge).
 */

export function normalizeNetworkHost(raw: string): string | { error: string } {
  let host = raw.trim();
  if (host === "") return { error: "network_rule host cannot be empty" };
  if (host.includes("://") || /[/?#]/.test(host))
    return { error: "network_rule host must be a hostname or IP literal (without scheme or path)" };
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close < 0) return { error: "network_rule host has an invalid bracketed IPv6 literal" };
    const rest = host.slice(close + 1);
    if (rest !== "" && !/^:[0-9]+$/.test(rest))
      return { error: `network_rule host contains an unsupported suffix: ${raw}` };
    host = host.slice(1, close);
  } else {
    const parts = host.split(":");
    if (parts.length === 2 && parts[0] !== "" && /^[0-9]+$/.test(parts[1]!)) host = parts[0]!;
  }
  const normalized = host.replace(/\.+$/, "").trim().toLowerCase();
  if (normalized === "") return { error: "network_rule host cannot be empty" };
  if (normalized.includes("*"))
    return { error: "network_rule host must be a specific host; wildcards are not allowed" };
  if (/\s/.test(normalized)) return { error: "network_rule host cannot contain whitespace" };
  return normalized;
}

export interface NetworkDomains {
  allow: string[];
  deny: string[];
}

/**
 * The proxy's allow and deny host lists from a policy's `network_rule`s: the protocol is ignored,
 * a later rule for a host replaces an earlier one, and `prompt` rules add nothing (the proxy
 * ignores them, spec §2).
 */
export function compiledNetworkDomains(policy: Policy): NetworkDomains {
  const last = new Map<string, "allow" | "deny">();
  for (const rule of policy.networkRules) {
    if (rule.decision === "prompt") continue;
    last.delete(rule.host);
    last.set(rule.host, rule.decision);
  }
  const allow: string[] = [];
  const deny: string[] = [];
  for (const [host, decision] of last) (decision === "allow" ? allow : deny).push(host);
  return { allow, deny };
}
