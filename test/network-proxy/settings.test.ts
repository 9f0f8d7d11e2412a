import { describe, expect, it } from "vitest";
import type { LoadedConfig } from "../../src/config/load.js";
import type { RequirementsToml } from "../../src/config/requirements-toml.js";
import type { ConfigToml } from "../../src/config/schema.js";
import { resolveNetworkProxySettings } from "../../src/network-proxy/settings.js";

type Input = Parameters<typeof resolveNetworkProxySettings>[0];

function input(opts: {
  toml?: ConfigToml;
  profile?: string;
  net?: "enabled" | "restricted";
  features?: Record<string, boolean>;
  requirements?: RequirementsToml;
}): Input {
  return {
    toml: opts.toml ?? {},
    activePermissionProfile: opts.profile ? { id: opts.profile, extends: null } : null,
    networkSandboxPolicy: opts.net ?? "enabled",
    features: opts.features ?? {},
    requirements: { toml: opts.requirements ?? null } as LoadedConfig["requirements"],
  } as Input;
}

const toml: ConfigToml = {
  permissions: {
    base: { network: { enabled: true, domains: { "base.test": "allow" } } },
    dev: {
      extends: "base",
      network: {
        allow_local_binding: true,
        mode: "limited",
        domains: { "dev.test": "allow", "bad.test": "deny" },
      },
    },
  },
} as ConfigToml;

describe("when the proxy is on (network-proxy.md §1)", () => {
  it("not without the feature or requirements", () => {
    expect(resolveNetworkProxySettings(input({ toml, profile: "dev" }))).toBeNull();
    // A legacy sandbox or a built-in profile has no proxy keys: the feature alone changes nothing.
    expect(resolveNetworkProxySettings(input({ toml, features: { network_proxy: true } }))).toBeNull();
    expect(
      resolveNetworkProxySettings(input({ toml, profile: ":workspace", features: { network_proxy: true } })),
    ).toBeNull();
  });

  it("feature on: the profile's keys, parents first", () => {
    expect(
      resolveNetworkProxySettings(input({ toml, profile: "dev", features: { network_proxy: true } })),
    ).toEqual({
      policy: {
        mode: "limited",
        allow: ["base.test", "dev.test"],
        deny: ["bad.test"],
        allowLocalBinding: true,
      },
      socks5: true,
      socks5Udp: true,
      allowUpstreamProxy: true,
      managed: false,
      managedAllowedDomainsOnly: false,
      requirementDomains: null,
      mitm: null,
    });
  });

  it("resolved even when the thread starts without network (a turn may turn it on later)", () => {
    const s = resolveNetworkProxySettings(
      input({ toml, profile: "dev", features: { network_proxy: true }, net: "restricted" }),
    );
    expect(s?.policy.allow).toEqual(["base.test", "dev.test"]);
  });

  it("requirements: managed allow entries first, user's appended unless managed-only, denies united, local binding pinned", () => {
    const requirements = {
      experimental_network: {
        domains: { "corp.test": "allow", "evil.test": "deny" },
        allow_local_binding: false,
      },
    } as RequirementsToml;
    const s = resolveNetworkProxySettings(input({ toml, profile: "dev", requirements }));
    expect(s?.policy).toEqual({
      mode: "limited",
      allow: ["corp.test", "base.test", "dev.test"],
      deny: ["evil.test", "bad.test"],
      allowLocalBinding: false,
    });
    expect(s?.managed).toBe(true);
    // The model is told the requirements' own lists only (§8).
    expect(s?.requirementDomains).toEqual({ allow: ["corp.test"], deny: ["evil.test"] });
    const only = resolveNetworkProxySettings(
      input({
        toml,
        profile: "dev",
        requirements: {
          experimental_network: { allowed_domains: ["corp.test"], managed_allowed_domains_only: true },
        },
      }),
    );
    expect(only?.policy.allow).toEqual(["corp.test"]);
    expect(only?.managedAllowedDomainsOnly).toBe(true);
  });

  it("allow_upstream_proxy and enable_socks5_udp: on by default, a requirement's false cannot be loosened", () => {
    const withKeys = (network: Record<string, unknown>) =>
      ({
        permissions: { dev: { network: { enabled: true, ...network } } },
      }) as ConfigToml;
    const feature = { network_proxy: true };
    const off = resolveNetworkProxySettings(
      input({
        toml: withKeys({ allow_upstream_proxy: false, enable_socks5_udp: false }),
        profile: "dev",
        features: feature,
      }),
    );
    expect(off).toMatchObject({ allowUpstreamProxy: false, socks5Udp: false, socks5: true });
    // No SOCKS5 listener: no UDP either.
    expect(
      resolveNetworkProxySettings(
        input({ toml: withKeys({ enable_socks5: false }), profile: "dev", features: feature }),
      ),
    ).toMatchObject({ socks5: false, socks5Udp: false });
    const pinned = (user: boolean | undefined, required: boolean) =>
      resolveNetworkProxySettings(
        input({
          toml: withKeys(user === undefined ? {} : { allow_upstream_proxy: user }),
          profile: "dev",
          requirements: { experimental_network: { allow_upstream_proxy: required } } as RequirementsToml,
        }),
      )?.allowUpstreamProxy;
    expect(pinned(true, false)).toBe(false);
    expect(pinned(undefined, false)).toBe(false);
    expect(pinned(false, true)).toBe(false);
    expect(pinned(undefined, true)).toBe(true);
  });
});
