import { describe, expect, it } from "vitest";
import { checkCommandRules } from "../../src/execpolicy/evaluate.js";
import { Policy, parseRulesInto } from "../../src/execpolicy/index.js";

/**
 * Which allow-rule matches take a command outside the sandbox (spec execpolicy.md §4): a match
 * through the basename fallback (`/any/dir/touch` for a `touch` rule) names a file nobody vetted,
 * so it is allowed but stays sandboxed unless `host_executable` lists that exact path.
 */

function load(text: string): Policy {
  const policy = new Policy();
  parseRulesInto(policy, "t.rules", text, "/home/u");
  return policy;
}

const prompt = () => ({ decision: "prompt" as const });

describe("sandbox bypass of allow rules", () => {
  const plain = load('prefix_rule(pattern=["touch"], decision="allow")');
  const vouched = load(
    'prefix_rule(pattern=["touch"], decision="allow")\nhost_executable(name="touch", paths=["/usr/bin/touch"])',
  );

  it("the bare program named by the rule leaves the sandbox", () => {
    expect(checkCommandRules(plain, ["touch", "/x"], prompt)).toEqual({ kind: "allow", bypassSandbox: true });
    expect(checkCommandRules(plain, ["/bin/bash", "-lc", "touch /x"], prompt)).toEqual({
      kind: "allow",
      bypassSandbox: true,
    });
  });

  it("an absolute path matched only by its basename stays sandboxed", () => {
    for (const argv of [
      ["/work/ws/touch", "/x"],
      ["/bin/bash", "-lc", "/work/ws/touch /x"],
      ["/bin/bash", "-lc", "touch /y && /tmp/touch /x"],
    ])
      expect(checkCommandRules(plain, argv, prompt), argv.join(" ")).toEqual({
        kind: "allow",
        bypassSandbox: false,
      });
  });

  it("a path host_executable lists leaves the sandbox; another path does not match at all", () => {
    expect(checkCommandRules(vouched, ["/usr/bin/touch", "/x"], prompt)).toEqual({
      kind: "allow",
      bypassSandbox: true,
    });
    expect(checkCommandRules(vouched, ["/work/ws/touch", "/x"], prompt)).toEqual({ kind: "none" });
  });
});
