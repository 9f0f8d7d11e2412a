import { describe, expect, it } from "vitest";
import { allowedPrefixes, renderApprovedPrefixes } from "../../src/execpolicy/approved-prefixes.js";
import { Policy, parseRulesInto } from "../../src/execpolicy/index.js";
import { permissionsInstructions } from "../../src/session/developer-instructions.js";

const RULES = [
  'prefix_rule(pattern=["npm", "run", "test"], decision="allow")',
  'prefix_rule(pattern=["ls"], decision="allow")',
  'prefix_rule(pattern=["git", ["status", "log"]], decision="allow")',
  'prefix_rule(pattern=["cargo", "build", "--release", "x"], decision="allow")',
  'prefix_rule(pattern=["rm"], decision="forbidden")',
  'prefix_rule(pattern=["curl"], decision="prompt")',
  'prefix_rule(pattern=["ab"], decision="allow")',
  'prefix_rule(pattern=["zz", "y"], decision="allow")',
].join("\n");

function parsePolicy(text: string): Policy {
  const policy = new Policy();
  parseRulesInto(policy, "/rules/user.rules", text, "/home");
  return policy;
}

describe("approved command prefixes in the permissions instructions", () => {
  it("lists only allow rules, in Codex 0.169's order (captured with these rules)", () => {
    expect(renderApprovedPrefixes(allowedPrefixes(parsePolicy(RULES)))).toBe(
      [
        '- ["ab"]',
        '- ["ls"]',
        '- ["zz", "y"]',
        '- ["git", "[status|log]"]',
        '- ["npm", "run", "test"]',
        '- ["cargo", "build", "--release", "x"]',
      ].join("\n"),
    );
    expect(renderApprovedPrefixes([])).toBeNull();
  });

  it("sorts by token count, total length, then tokens; cuts at 100 rules or 5000 characters", () => {
    expect(renderApprovedPrefixes([["b", "zz"], ["aa"], ["b"], ["a", "b", "c"], ["a"], ["b", "a"]])).toBe(
      '- ["a"]\n- ["b"]\n- ["aa"]\n- ["b", "a"]\n- ["b", "zz"]\n- ["a", "b", "c"]',
    );
    const many = renderApprovedPrefixes(Array.from({ length: 105 }, (_, i) => [String(i).padStart(3, "0")]))!;
    expect(many.endsWith("...\n[Some commands were truncated]")).toBe(true);
    expect(many.split("\n")).toHaveLength(101);
    const long = renderApprovedPrefixes(Array.from({ length: 50 }, (_, i) => [`t${i}`, "x".repeat(500)]))!;
    expect(long.length).toBeLessThanOrEqual(5000 + "...\n[Some commands were truncated]".length);
  });

  it("appear under on-request and granular, never under never; request_permissions likewise", () => {
    const base = {
      sandboxPolicy: { type: "danger-full-access" as const },
      fileSystem: { kind: "unrestricted" as const, glob_scan_max_depth: null, entries: [] },
      networkEnabled: false,
      cwd: "/ws",
      approvedPrefixes: '- ["ls"]',
      requestPermissionsTool: true,
    };
    const text = (approvalPolicy: Parameters<typeof permissionsInstructions>[0]["approvalPolicy"]) =>
      permissionsInstructions({ ...base, approvalPolicy });
    expect(text("on-request")).toContain(
      '## Approved command prefixes\nCommands starting with these prefixes are already approved and run without asking:\n- ["ls"]',
    );
    expect(text("on-request")).toContain("## request_permissions");
    expect(text("never")).not.toContain("## Approved command prefixes");
    expect(text("never")).not.toContain("## request_permissions");
    expect(text("untrusted")).not.toContain("## Approved command prefixes");
    expect(text("untrusted")).toContain("## request_permissions");
    const granular = (request_permissions: boolean) =>
      text({
        granular: {
          sandbox_approval: true,
          rules: true,
          skill_approval: false,
          request_permissions,
          mcp_elicitations: true,
        },
      });
    expect(granular(false)).toContain("## Approved command prefixes");
    expect(granular(false)).not.toContain("## request_permissions");
    expect(granular(true)).toContain("## request_permissions");
  });
});
