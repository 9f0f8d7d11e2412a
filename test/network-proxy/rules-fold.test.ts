import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideHost, type NetworkPolicy } from "../../src/network-proxy/decision.js";
import { normalizeHost } from "../../src/network-proxy/patterns.js";
import { foldNetworkRules } from "../../src/network-proxy/rules-fold.js";

const base: NetworkPolicy = {
  mode: "full",
  allow: ["config.test", "*.wild.test"],
  deny: ["blocked.test"],
  allowLocalBinding: false,
};
const resolve = async () => ["93.184.216.34"];

describe("network_rule folding (network-proxy.md §7, §9 test 8)", () => {
  it("a rules allow opens a host (even a config-denied one); a rules deny beats a config allow", async () => {
    const folded = foldNetworkRules(base, { allow: ["rule.test", "blocked.test"], deny: ["config.test"] });
    expect(folded.allow).toEqual(["*.wild.test", "rule.test", "blocked.test"]);
    expect(folded.deny).toEqual(["config.test"]);
    expect(await decideHost(folded, "rule.test", { resolve })).toMatchObject({ allowed: true });
    expect(await decideHost(folded, "blocked.test", { resolve })).toMatchObject({ allowed: true });
    expect(await decideHost(folded, "config.test", { resolve })).toMatchObject({ reason: "denied" });
  });

  it("a host a rule names ends up on that rule's list only", () => {
    const host = fc.constantFrom("a.test", "b.test", "c.test", "A.test.");
    fc.assert(
      fc.property(fc.array(host), fc.array(host), fc.array(host), (allow, deny, ruled) => {
        // compiledNetworkDomains gives each host one decision: split the ruled hosts by parity.
        const ruleAllow = ruled.filter((_, i) => i % 2 === 0).map(normalizeHost);
        const ruleDeny = ruled
          .filter((_, i) => i % 2 === 1)
          .map(normalizeHost)
          .filter((h) => !ruleAllow.includes(h));
        const folded = foldNetworkRules({ ...base, allow, deny }, { allow: ruleAllow, deny: ruleDeny });
        const on = (list: readonly string[], h: string) => list.some((p) => normalizeHost(p) === h);
        for (const h of ruleAllow) expect([on(folded.allow, h), on(folded.deny, h)]).toEqual([true, false]);
        for (const h of ruleDeny) expect([on(folded.allow, h), on(folded.deny, h)]).toEqual([false, true]);
      }),
    );
  });
});
