import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Policy, parseRulesInto, RulesFileError } from "../../src/execpolicy/index.js";
import { compiledNetworkDomains } from "../../src/execpolicy/network.js";
import { parseRules } from "../../src/execpolicy/parser.js";
import { checkCommandRules, commandSegments, proposeAmendment } from "../../src/execpolicy/evaluate.js";

/** The rules language, its load errors (spec execpolicy.md §2, Codex's messages) and matching (§3). */

function load(text: string, file = "t.rules"): Policy {
  const policy = new Policy();
  parseRulesInto(policy, file, text, "/home/u");
  return policy;
}

function loadError(text: string): RulesFileError {
  try {
    load(text);
  } catch (error) {
    if (error instanceof RulesFileError) return error;
    throw error;
  }
  throw new Error("expected a load error");
}

const resolve = { resolveHostExecutables: true };
const exact = { resolveHostExecutables: false };

describe("rules file parsing", () => {
  it("reads strings, nested lists, keywords, positional arguments, comments and line breaks", () => {
    const policy = load(`# a comment
prefix_rule(
    pattern = ["git", ['status', "log"]],  # alternatives
    decision = "prompt",
    justification = """review""",
)
prefix_rule(["ls"]); prefix_rule(pattern=[r"a\\b"], decision='forbidden')
`);
    expect(policy.prefixRules()).toEqual([
      { first: "git", rest: [["status", "log"]], decision: "prompt", justification: "review" },
      { first: "ls", rest: [], decision: "allow", justification: null },
      { first: "a\\b", rest: [], decision: "forbidden", justification: null },
    ]);
  });

  it.each([
    ['prefix_rule(pattern=["git"], decision="deny")', "invalid decision: deny"],
    ['prefix_rule(pattern=["git"], decision="Allow")', "invalid decision: Allow"],
    ['prefix_rule(pattern=["git"], decision="ask")', "invalid decision: ask"],
    ['prefix_rule(pattern=[], decision="allow")', "invalid pattern element: pattern cannot be empty"],
    ['prefix_rule(pattern=["git", []])', "invalid pattern element: pattern alternatives cannot be empty"],
    ['prefix_rule(pattern=["git"], justification="  ")', "invalid rule: justification cannot be empty"],
    [
      'prefix_rule(pattern=["git"], match=["git \\"x"])',
      "invalid example: example string has invalid shell syntax",
    ],
    [
      'prefix_rule(pattern=["git"], reviewer="x")',
      "Found `reviewer` extra named parameter(s) for call to prefix_rule",
    ],
    ["foo(1)", "Variable `foo` not found"],
    ['prefix_rule(pattern=["git"]', "Parse error: unexpected new line, expected symbol ')'"],
    [
      'network_rule(host="*.example.com", protocol="https", decision="allow")',
      "invalid rule: network_rule host must be a specific host; wildcards are not allowed",
    ],
    [
      'network_rule(host="https://x.com", protocol="https", decision="allow")',
      "invalid rule: network_rule host must be a hostname or IP literal (without scheme or path)",
    ],
    [
      'network_rule(host="x.com", protocol="ftp", decision="allow")',
      "invalid rule: network_rule protocol must be one of http, https, socks5_tcp, socks5_udp (got ftp)",
    ],
  ])("%s fails with %s", (source, message) => {
    expect(loadError(source).detail.message).toBe(message);
  });

  it("checks match / not_match examples against the call's own rules", () => {
    expect(loadError('prefix_rule(pattern=["git","status"], match=["git log"])').detail.message).toMatch(
      /^expected every example to match at least one rule\. rules: \[.*\]; unmatched examples: \["git log"\]$/,
    );
    expect(
      loadError('prefix_rule(pattern=["git","status"], not_match=["git status x"])').detail.message,
    ).toBe('expected example to not match rule `["git","status"]`: git status x');
    // Examples may be token lists, and an absolute path matches through its basename.
    expect(() =>
      load('prefix_rule(pattern=["git"], match=[["git", "a b"], "/usr/bin/git log"], not_match=["gitk"])'),
    ).not.toThrow();
  });

  it("reports the call's range, 1-based", () => {
    const error = loadError('\n  prefix_rule(pattern=["git"],\n decision="no")\n');
    expect(error.detail.range).toEqual({ start: { line: 2, column: 3 }, end: { line: 3, column: 16 } });
  });

  it("rejects what keel's subset does not evaluate, never running anything", () => {
    expect(loadError('load("x.star", "y")').detail.message).toMatch(/No imports are available/);
    expect(loadError('X = ["git"]').detail.message).toMatch(/variables are not supported/);
    expect(loadError("def f():\n  pass").detail.message).toMatch(/`def` is not supported/);
  });

  it("never throws anything but a RulesFileError on arbitrary input (property)", () => {
    const pieces = fc.constantFrom(
      "prefix_rule",
      "network_rule",
      "host_executable",
      "(",
      ")",
      "[",
      "]",
      ",",
      "=",
      '"git"',
      "'x'",
      '"""t"""',
      "pattern",
      "decision",
      '"allow"',
      "None",
      "#c\n",
      "\n",
      " ",
      "\\",
      "r'",
      "1",
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces).map((p) => p.join("")),
        ),
        (source) => {
          try {
            load(source);
          } catch (error) {
            expect(error).toBeInstanceOf(RulesFileError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("parses back any pattern it is given as JSON-quoted strings (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 5 }), (tokens) => {
        const source = `prefix_rule(pattern=[${tokens.map((t) => JSON.stringify(t)).join(", ")}])`;
        const [call] = parseRules(source);
        expect(call!.args[0]!.value).toEqual(tokens);
      }),
    );
  });
});

describe("matching", () => {
  const policy = load(`
prefix_rule(pattern=["git", ["status", "log"]], decision="allow")
prefix_rule(pattern=["git"], decision="prompt", justification="git needs review")
prefix_rule(pattern=["rm"], decision="forbidden")
host_executable(name="rm", paths=["/bin/rm"])
`);

  it("matches by prefix, lists every match, and the strictest decision wins", () => {
    expect(policy.matches(["git", "status", "--short"], exact)).toEqual([
      { matchedPrefix: ["git", "status"], decision: "allow" },
      { matchedPrefix: ["git"], decision: "prompt", justification: "git needs review" },
    ]);
    expect(policy.matches(["gitk"], exact)).toEqual([]);
  });

  it("falls back to the basename of an absolute program, restricted by host_executable", () => {
    expect(policy.matches(["/usr/bin/git", "log"], exact)).toEqual([]);
    expect(policy.matches(["/usr/bin/git", "log"], resolve)[0]).toEqual({
      matchedPrefix: ["git", "log"],
      decision: "allow",
      resolvedProgram: "/usr/bin/git",
    });
    expect(policy.matches(["/bin/rm", "x"], resolve)).toHaveLength(1);
    expect(policy.matches(["/tmp/rm", "x"], resolve)).toEqual([]);
  });

  it("splits plain bash -lc scripts into segments; anything else stays one command", () => {
    expect(commandSegments(["/bin/bash", "-lc", "git status && ls | wc -l"])).toEqual([
      ["git", "status"],
      ["ls"],
      ["wc", "-l"],
    ]);
    expect(commandSegments(["bash", "-lc", "echo $HOME"])).toEqual([["bash", "-lc", "echo $HOME"]]);
  });

  it("combines segments: forbidden anywhere wins; allow by rules everywhere bypasses the sandbox", () => {
    const allow = () => ({ decision: "allow" as const });
    const prompt = () => ({ decision: "prompt" as const });
    expect(checkCommandRules(policy, ["bash", "-lc", "git log && rm -rf /"], allow)).toEqual({
      kind: "forbidden",
      reason: "`bash -lc 'git log && rm -rf /'` rejected: policy forbids commands starting with `rm`",
    });
    expect(checkCommandRules(policy, ["bash", "-lc", "ls"], allow)).toEqual({ kind: "none" });
    const mixed = load('prefix_rule(pattern=["touch"])');
    expect(checkCommandRules(mixed, ["bash", "-lc", "touch a"], allow)).toEqual({
      kind: "allow",
      bypassSandbox: true,
    });
    expect(checkCommandRules(mixed, ["bash", "-lc", "touch a && echo ok | cat"], allow)).toEqual({
      kind: "allow",
      bypassSandbox: false,
    });
    expect(checkCommandRules(mixed, ["bash", "-lc", "touch a && echo ok"], prompt)).toEqual({
      kind: "prompt",
      reason: null,
      fromRule: false,
      amendment: ["echo", "ok"],
    });
  });

  it("proposes the model's prefix unless it is banned or would not cover the command", () => {
    const empty = new Policy();
    const prompt = () => ({ decision: "prompt" as const });
    expect(proposeAmendment(empty, ["bash", "-lc", "touch a"], ["touch"], prompt)).toEqual(["touch"]);
    expect(proposeAmendment(empty, ["bash", "-lc", "python3 x.py"], ["python3"], prompt)).toEqual([
      "python3",
      "x.py",
    ]);
    expect(proposeAmendment(empty, ["bash", "-lc", "touch a && rm b"], ["touch"], prompt)).toEqual([
      "touch",
      "a",
    ]);
  });
});

describe("compiledNetworkDomains", () => {
  it("normalises hosts, ignores the protocol and prompt rules, and the later rule for a host wins", () => {
    const policy = load(`
network_rule(host="API.Example.com.", protocol="https", decision="allow")
network_rule(host="evil.com:443", protocol="http", decision="deny")
network_rule(host="api.example.com", protocol="socks5_tcp", decision="deny")
network_rule(host="ok.com", protocol="https_connect", decision="allow")
network_rule(host="ask.com", protocol="http", decision="prompt")
`);
    expect(compiledNetworkDomains(policy)).toEqual({
      allow: ["ok.com"],
      deny: ["evil.com", "api.example.com"],
    });
  });
});
