import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkCommandRules } from "../../src/execpolicy/evaluate.js";
import { Policy, parseRulesInto } from "../../src/execpolicy/index.js";

/**
 * Commands a script hides from plain segment splitting — behind a redirection, inside `$(…)`,
 * backticks or a subshell, in a nested `sh -c` or `eval`, after a wrapper such as `env` or
 * `sudo` — still meet the forbidden and prompt rules.
 * They never count for an allow rule: such a script is not taken out of the sandbox.
 */

function load(text: string): Policy {
  const policy = new Policy();
  parseRulesInto(policy, "t.rules", text, "/home/u");
  return policy;
}

const allow = () => ({ decision: "allow" as const });
const bash = (script: string) => ["/bin/bash", "-lc", script];

describe("rules and the commands hidden in a script", () => {
  const rules = load(
    [
      'prefix_rule(pattern=["git", "push"], decision="forbidden")',
      'prefix_rule(pattern=["curl"], decision="prompt", justification="network")',
      'prefix_rule(pattern=["touch"], decision="allow")',
    ].join("\n"),
  );

  it("a forbidden command behind a redirection or in a substitution is forbidden", () => {
    expect(checkCommandRules(rules, bash("git push 2>&1"), allow)).toEqual({
      kind: "forbidden",
      reason: "`/bin/bash -lc 'git push 2>&1'` rejected: policy forbids commands starting with `git push`",
    });
    for (const script of ["echo $(git push)", "echo `git push`", "(git push)", 'x="$(git push origin)"'])
      expect(checkCommandRules(rules, bash(script), allow).kind, script).toBe("forbidden");
  });

  it("a nested sh -c script is looked into, also inside a plain script", () => {
    for (const script of [
      "ls && bash -c 'git push'",
      "sh -c \"zsh -lc 'git push -f'\"",
      "bash -c 'ls >x; git push'",
    ])
      expect(checkCommandRules(rules, bash(script), allow).kind, script).toBe("forbidden");
  });

  it("a command behind a wrapper program or in eval is looked into", () => {
    for (const argv of [
      bash("env GIT_TRACE=1 git push"),
      bash("sudo -n git push"),
      bash("timeout 5 nice -n 10 git push"),
      bash("git log | xargs -n1 git push"),
      bash("eval 'git push'"),
      bash("X=1 git push"),
      bash("time git push"),
      ["/usr/bin/env", "git", "push"],
      ["bash", "-ec", "git push"],
      ["sh", "-c", "git push", "name", "arg"],
      ["bash", "--norc", "-x", "-c", "ls; git push"],
      ["/bin/dash", "-c", "--", "git push"],
      bash("find . -name x -exec git push {} ;"),
      bash(`${"env ".repeat(100)}git push`),
      ["sudo", ...Array(100).fill("nice"), "git", "push"],
    ])
      expect(checkCommandRules(rules, argv, allow).kind, argv.join(" ")).toBe("forbidden");
  });

  it("`command -v` runs nothing, and a program that is not a wrapper is not looked into", () => {
    const strict = load('prefix_rule(pattern=["git"], decision="forbidden")');
    expect(checkCommandRules(strict, bash("command -v git"), allow)).toEqual({ kind: "none" });
    expect(checkCommandRules(strict, bash("echo git push"), allow)).toEqual({ kind: "none" });
    expect(checkCommandRules(strict, bash("find . -name git"), allow)).toEqual({ kind: "none" });
    // A script file is not a script text: `bash -e git` runs the file `git`, not the command.
    expect(checkCommandRules(strict, ["bash", "-e", "git"], allow)).toEqual({ kind: "none" });
  });

  it("a hidden prompt rule asks, with the rule's reason and no amendment", () => {
    expect(checkCommandRules(rules, bash("curl -s example.com > out"), allow)).toEqual({
      kind: "prompt",
      reason: "`/bin/bash -lc 'curl -s example.com > out'` requires approval: network",
      fromRule: true,
      amendment: null,
    });
  });

  it("a hidden command allowed by a rule neither allows the script nor takes it out of the sandbox", () => {
    expect(checkCommandRules(rules, bash("touch a > b"), allow)).toEqual({ kind: "none" });
    expect(checkCommandRules(rules, bash("bash -c 'touch a'"), allow)).toEqual({ kind: "none" });
    expect(checkCommandRules(rules, bash("touch a && bash -c 'touch b'"), allow)).toEqual({
      kind: "allow",
      bypassSandbox: false,
    });
  });

  it("data is not taken for commands: quoted words, heredoc bodies, comments", () => {
    for (const script of ["echo 'git push' > x", "cat <<EOF > x\ngit push\nEOF", "ls > x # git push"])
      expect(checkCommandRules(rules, bash(script), allow), script).toEqual({ kind: "none" });
  });

  it("however a forbidden command is wrapped, the script is forbidden (property)", () => {
    const wrap = fc.constantFrom(
      (s: string) => `${s} 2>&1`,
      (s: string) => `echo $(${s})`,
      (s: string) => `(${s})`,
      (s: string) => `ls | ${s} > /dev/null`,
      (s: string) => `bash -c '${s.replaceAll("'", `'"'"'`)}'`,
      (s: string) => `true && ${s}`,
      (s: string) => `if true; then ${s}; fi`,
      (s: string) => `sudo -n env A=1 sh -c '${s.replaceAll("'", `'"'"'`)}'`,
      (s: string) => `eval '${s.replaceAll("'", `'"'"'`)}'`,
    );
    fc.assert(
      fc.property(fc.array(wrap, { minLength: 1, maxLength: 4 }), (wrappers) => {
        const script = wrappers.reduce((inner, w) => w(inner), "git push origin main");
        expect(checkCommandRules(rules, bash(script), allow).kind, script).toBe("forbidden");
      }),
      { numRuns: 300 },
    );
  });
});
