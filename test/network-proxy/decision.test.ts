import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideHost, type NetworkPolicy, type Resolver } from "../../src/network-proxy/decision.js";
import { hostMatches } from "../../src/network-proxy/patterns.js";

const policy = (p: Partial<NetworkPolicy>): NetworkPolicy => ({
  mode: "full",
  allow: [],
  deny: [],
  allowLocalBinding: false,
  ...p,
});

/** Names map to fixed addresses; anything else fails like NXDOMAIN. No real lookups. */
const table =
  (entries: Record<string, string[]>): Resolver =>
  async (host) => {
    const found = entries[host];
    if (!found) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return found;
  };

const PUBLIC = "93.184.216.34";

describe("domain patterns (network-proxy.md §4, §9 test 2)", () => {
  const p = policy({ allow: ["*.sub.test", "**.both.test", "Exact.Test"], deny: ["deny.sub.test"] });
  const resolve: Resolver = async () => [PUBLIC];

  it.each([
    ["sub.test", { allowed: false, reason: "not_allowed" }],
    ["a.sub.test", { allowed: true }],
    ["b.a.sub.test", { allowed: true }],
    ["both.test", { allowed: true }],
    ["x.both.test", { allowed: true }],
    ["EXACT.TEST.", { allowed: true }],
    ["deny.sub.test", { allowed: false, reason: "denied", source: "baseline_policy" }],
  ])("%s", async (host, expected) => {
    expect(await decideHost(p, host, { resolve })).toMatchObject(expected);
  });

  it("`*.d` never matches d, `**.d` always does, whatever the case and trailing dots", () => {
    const label = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    fc.assert(
      fc.property(
        fc.array(label, { minLength: 1, maxLength: 4 }),
        fc.array(label, { maxLength: 3 }),
        (base, sub) => {
          const d = base.join(".");
          const host = [...sub, d].join(".");
          expect(hostMatches(`*.${d}`, host)).toBe(sub.length > 0);
          expect(hostMatches(`**.${d}`, host.toUpperCase())).toBe(true);
          expect(hostMatches(d, `${d.toUpperCase()}.`)).toBe(true);
        },
      ),
    );
  });
});

describe("decision order", () => {
  it("deny beats allow, even for a wildcard allow", async () => {
    const p = policy({ allow: ["*"], deny: ["bad.test"] });
    expect(await decideHost(p, "bad.test", { resolve: table({ "bad.test": [PUBLIC] }) })).toMatchObject({
      reason: "denied",
    });
  });

  it("local literals are not_allowed_local unless local binding is on or the literal is allowlisted exactly", async () => {
    const resolve = table({});
    for (const host of ["127.0.0.1", "localhost", "10.1.2.3", "192.168.0.1", "::1", "169.254.1.1"]) {
      expect(await decideHost(policy({ allow: ["*"] }), host, { resolve })).toMatchObject({
        reason: "not_allowed_local",
      });
    }
    expect(await decideHost(policy({ allow: ["127.0.0.1"] }), "127.0.0.1", { resolve })).toMatchObject({
      allowed: true,
    });
    expect(
      await decideHost(policy({ allow: ["127.0.0.1"], allowLocalBinding: true }), "127.0.0.1", { resolve }),
    ).toMatchObject({ allowed: true });
    expect(await decideHost(policy({ allowLocalBinding: true }), "127.0.0.1", { resolve })).toMatchObject({
      reason: "not_allowed",
    });
  });

  it("no allow match is not_allowed, before any lookup", async () => {
    let lookups = 0;
    const resolve: Resolver = async () => {
      lookups++;
      return [PUBLIC];
    };
    expect(await decideHost(policy({ allow: ["a.test"] }), "b.test", { resolve })).toMatchObject({
      reason: "not_allowed",
    });
    expect(lookups).toBe(0);
  });

  it("an allowlisted name pointing at a private address, failing or timing out is not_allowed_local", async () => {
    const p = policy({ allow: ["**.test"] });
    const resolve = table({ "pub.test": [PUBLIC], "priv.test": [PUBLIC, "10.0.0.5"] });
    expect(await decideHost(p, "pub.test", { resolve })).toEqual({ allowed: true, addresses: [PUBLIC] });
    expect(await decideHost(p, "priv.test", { resolve })).toMatchObject({ reason: "not_allowed_local" });
    expect(await decideHost(p, "gone.test", { resolve })).toMatchObject({ reason: "not_allowed_local" });
    const never: Resolver = () => new Promise(() => {});
    expect(await decideHost(p, "slow.test", { resolve: never, dnsTimeoutMs: 50 })).toMatchObject({
      reason: "not_allowed_local",
    });
    // With local binding allowed the private answer is fine.
    expect(await decideHost({ ...p, allowLocalBinding: true }, "priv.test", { resolve })).toMatchObject({
      allowed: true,
    });
  });
});
