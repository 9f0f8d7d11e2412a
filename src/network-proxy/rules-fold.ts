import type { NetworkPolicy } from "./decision.js";
import { normalizeHost } from "./patterns.js";

/** Hosts from exec-policy `network_rule`s (the execpolicy module's `compiledNetworkDomains`). */
export interface RuleDomains {
  allow: readonly string[];
  deny: readonly string[];
}

/**
 * Folds `network_rule` hosts into the proxy's lists (network-proxy.md §7): an allow rule adds the
 * host to the allowlist and takes it off the denylist, a deny rule the reverse, so a rules deny
 * beats a config `domains` allow for the same host. Protocol and `prompt` rules were already
 * dropped by the caller.
 */
export function foldNetworkRules(policy: NetworkPolicy, rules: RuleDomains): NetworkPolicy {
  const same = (host: string) => (pattern: string) => normalizeHost(pattern) !== normalizeHost(host);
  let allow = [...policy.allow];
  let deny = [...policy.deny];
  for (const host of rules.allow) {
    deny = deny.filter(same(host));
    if (allow.every(same(host))) allow.push(host);
  }
  for (const host of rules.deny) {
    allow = allow.filter(same(host));
    if (deny.every(same(host))) deny.push(host);
  }
  return { ...policy, allow, deny };
}
