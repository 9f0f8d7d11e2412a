import type { LoadedConfig } from "../config/load.js";
import type { NetworkMitmToml } from "../config/mitm-toml.js";
import type { PermissionProfileToml } from "../config/schema.js";
import type { NetworkPolicy } from "./decision.js";

type NetworkTable = NonNullable<PermissionProfileToml["network"]>;

/** What a session's proxy is started with; null from `resolveNetworkProxySettings` = no proxy. */
export interface NetworkProxySettings {
  policy: NetworkPolicy;
  socks5: boolean;
  /** SOCKS5 UDP ASSOCIATE (`enable_socks5_udp`, default true; needs SOCKS5). */
  socks5Udp: boolean;
  /** Forward through keel's own `HTTP(S)_PROXY`/`ALL_PROXY` (`allow_upstream_proxy`, default true). */
  allowUpstreamProxy: boolean;
  /**
   * Requirements `[experimental_network]` are present: allowlist misses may become approval
   * prompts (network-proxy.md §6) unless `managed_allowed_domains_only` is set.
   */
  managed: boolean;
  managedAllowedDomainsOnly: boolean;
  /**
   * The requirements' own domain lists (user entries left out), for the model's
   * `<environment_context>` (network-proxy.md §8); null without requirements.
   */
  requirementDomains: { allow: string[]; deny: string[] } | null;
  /** The profile's `[network.mitm]` table: interception on, and its hooks (validated, not compiled). */
  mitm: NetworkMitmToml | null;
}

/** The active named profile's `[permissions.<p>.network]`, parents first (`extends`). */
function profileNetworkTable(loaded: Pick<LoadedConfig, "toml" | "activePermissionProfile">): NetworkTable {
  const profiles = loaded.toml.permissions ?? {};
  const chain: NetworkTable[] = [];
  const seen = new Set<string>();
  let id: string | null | undefined = loaded.activePermissionProfile?.id;
  while (id && !id.startsWith(":") && !seen.has(id)) {
    seen.add(id);
    const profile: PermissionProfileToml | undefined = profiles[id];
    if (!profile) break;
    if (profile.network) chain.unshift(profile.network);
    id = profile.extends;
  }
  const merged: NetworkTable = {};
  for (const table of chain) {
    Object.assign(merged, table, { domains: { ...merged.domains, ...table.domains } });
  }
  return merged;
}

function split(domains: Readonly<Record<string, "allow" | "deny">> | undefined): {
  allow: string[];
  deny: string[];
} {
  const allow: string[] = [];
  const deny: string[] = [];
  for (const [pattern, action] of Object.entries(domains ?? {}))
    (action === "allow" ? allow : deny).push(pattern);
  return { allow, deny };
}

/**
 * Network-proxy.md §1–§2: a proxy only when requirements carry `[experimental_network]` or the
 * `network_proxy` feature is on for a named profile (otherwise the network is direct). Resolved
 * whether or not the thread starts with network: a turn that turns network on later must still go
 * through the proxy, never directly (commands without network never use it). Requirements' allow entries come first and the user's are
 * appended (unless `managed_allowed_domains_only`); deny lists are united; a requirement's
 * `allow_local_binding = false` cannot be loosened by the user.
 */
export function resolveNetworkProxySettings(
  loaded: Pick<LoadedConfig, "toml" | "activePermissionProfile" | "features" | "requirements">,
): NetworkProxySettings | null {
  const req = loaded.requirements.toml?.experimental_network;
  const managed = req !== undefined && req.enabled !== false;
  // The user's proxy keys live only in a named profile; a built-in profile or a legacy sandbox
  // (`--sandbox`, `sandbox_mode`) keeps direct network unless requirements impose the proxy.
  const id = loaded.activePermissionProfile?.id;
  const named = id !== undefined && !id.startsWith(":");
  if (!managed && (loaded.features.network_proxy !== true || !named)) return null;
  const user = profileNetworkTable(loaded);
  const own = split(user.domains);
  const reqDomains = req?.domains
    ? split(req.domains)
    : { allow: [...(req?.allowed_domains ?? [])], deny: [...(req?.denied_domains ?? [])] };
  const managedOnly = managed && req?.managed_allowed_domains_only === true;
  const allow = managed ? [...reqDomains.allow, ...(managedOnly ? [] : own.allow)] : own.allow;
  const deny = [...new Set([...reqDomains.deny, ...own.deny])];
  const userLocal = user.allow_local_binding ?? false;
  const allowLocalBinding =
    req?.allow_local_binding === false ? false : (req?.allow_local_binding ?? userLocal);
  return {
    policy: { mode: user.mode ?? "full", allow: [...new Set(allow)], deny, allowLocalBinding },
    socks5: user.enable_socks5 ?? true,
    socks5Udp: (user.enable_socks5 ?? true) && (user.enable_socks5_udp ?? true),
    // A requirement of `false` cannot be loosened by the user; the user may tighten a `true`.
    allowUpstreamProxy:
      req?.allow_upstream_proxy !== false && (user.allow_upstream_proxy ?? req?.allow_upstream_proxy ?? true),
    managed,
    managedAllowedDomainsOnly: managedOnly,
    requirementDomains: managed ? { allow: [...reqDomains.allow], deny: [...reqDomains.deny] } : null,
    mitm: user.mitm ?? null,
  };
}
