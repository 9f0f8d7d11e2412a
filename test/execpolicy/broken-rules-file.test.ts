import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkCommandRules } from "../../src/execpolicy/evaluate.js";
import { loadRulesFolders } from "../../src/execpolicy/index.js";
import { compiledNetworkDomains } from "../../src/execpolicy/network.js";
import { tempDir } from "../support/tmp.js";

/**
 * A rules file with an error (spec execpolicy.md §1). Codex then drops every file rule, so a typo
 * in a user's file switches off an administrator's `forbidden` rules in /etc. keel fails closed:
 * the allow rules go (and `host_executable`), the forbidden and prompt rules and network denials
 * of every call that is valid on its own stay, in every file.
 */

function folders(files: Record<string, string>): string[] {
  const root = tempDir("keel-broken-rules-");
  const used = new Set<string>();
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    used.add(path.dirname(file));
  }
  return [...used].sort();
}

const allow = () => ({ decision: "allow" as const });

describe("a broken rules file", () => {
  const system = [
    'prefix_rule(pattern=["git", "push"], decision="forbidden", justification="admins say no")',
    'prefix_rule(pattern=["curl"], decision="prompt")',
    'prefix_rule(pattern=["touch"], decision="allow")',
    'prefix_rule(pattern=["rm"], decision="forbidden")',
    'host_executable(name="rm", paths=["/bin/rm"])',
    'network_rule(host="evil.example", protocol="https", decision="deny")',
    'network_rule(host="ok.example", protocol="https", decision="allow")',
  ].join("\n");

  it("keeps the refusals of every file and drops every allow rule", () => {
    const loaded = loadRulesFolders(
      folders({
        "etc/policy.rules": system,
        "home/rules/default.rules": '# a typo\nprefix_rule(pattern=["dd"], decision="deny")\n',
      }),
      "/home/u",
    );
    expect(loaded.error?.message).toBe("invalid decision: deny");
    const policy = loaded.policy;
    expect(checkCommandRules(policy, ["bash", "-lc", "git push -f"], allow)).toEqual({
      kind: "forbidden",
      reason: "`bash -lc 'git push -f'` rejected: admins say no",
    });
    expect(checkCommandRules(policy, ["curl", "x"], allow)).toMatchObject({ kind: "prompt", fromRule: true });
    // The allow rule would take `touch` out of the sandbox: it is gone.
    expect(checkCommandRules(policy, ["touch", "/x"], allow)).toEqual({ kind: "none" });
    // Without host_executable, the rm rule covers rm wherever it lives.
    expect(checkCommandRules(policy, ["/tmp/x/rm", "y"], allow).kind).toBe("forbidden");
    expect(compiledNetworkDomains(policy)).toEqual({ allow: [], deny: ["evil.example"] });
  });

  it("keeps the valid refusals of the broken file itself, around the bad call", () => {
    const loaded = loadRulesFolders(
      folders({
        "home/rules/default.rules": [
          'prefix_rule(pattern=["shutdown"], decision="forbidden")',
          'prefix_rule(pattern=["dd"], decision="deny")',
          'prefix_rule(pattern=["mkfs"], decision="forbidden")',
          'prefix_rule(pattern=["ls"], decision="allow")',
        ].join("\n"),
      }),
      "/home/u",
    );
    expect(loaded.error).not.toBeNull();
    for (const program of ["shutdown", "mkfs"])
      expect(checkCommandRules(loaded.policy, [program], allow).kind, program).toBe("forbidden");
    expect(checkCommandRules(loaded.policy, ["dd"], allow)).toEqual({ kind: "none" });
    expect(checkCommandRules(loaded.policy, ["ls"], allow)).toEqual({ kind: "none" });
  });

  it("a file that does not even tokenize adds nothing; the other files' refusals stay", () => {
    const loaded = loadRulesFolders(
      folders({
        "etc/policy.rules": system,
        "home/rules/default.rules": 'prefix_rule(pattern=["mkfs"], decision="forbidden", justification="x',
      }),
      "/home/u",
    );
    expect(loaded.error?.message).toBe("unterminated string literal");
    expect(checkCommandRules(loaded.policy, ["mkfs"], allow)).toEqual({ kind: "none" });
    expect(checkCommandRules(loaded.policy, ["git", "push"], allow).kind).toBe("forbidden");
  });

  it("without an error nothing changes: allow rules and host_executable apply", () => {
    const loaded = loadRulesFolders(folders({ "etc/policy.rules": system }), "/home/u");
    expect(loaded.error).toBeNull();
    expect(checkCommandRules(loaded.policy, ["touch", "/x"], allow)).toEqual({
      kind: "allow",
      bypassSandbox: true,
    });
    expect(checkCommandRules(loaded.policy, ["/tmp/x/rm", "y"], allow)).toEqual({ kind: "none" });
    expect(compiledNetworkDomains(loaded.policy)).toEqual({ allow: ["ok.example"], deny: ["evil.example"] });
  });
});
