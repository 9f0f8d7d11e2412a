import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadLayerStack } from "../../src/config/layers.js";
import { discoverHooks } from "../../src/hooks/discovery.js";
import { compileMatcher } from "../../src/hooks/matcher.js";
import { parseHookRun } from "../../src/hooks/parse-output.js";
import { runHookCommand } from "../../src/hooks/run-command.js";
import { tempDir } from "../support/tmp.js";
import { schemaErrors } from "./support.js";

/** Runs `command` as a hook (real /bin/sh child) and reads it as a PreToolUse run. */
async function preToolUse(command: string, timeoutSec = 5) {
  const run = await runHookCommand({
    shell: "/bin/sh",
    command,
    cwd: tempDir("keel-hook-cwd-"),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    stdin: "{}",
    timeoutMs: timeoutSec * 1000,
  });
  return parseHookRun("PreToolUse", run, timeoutSec);
}

const json = (v: unknown) => `echo '${JSON.stringify(v)}'`;

describe("hook output contract (spec hooks.md §5, acceptance 4 and 6)", () => {
  it.each([
    ["exit 2 with stderr", 'echo "nope" >&2; exit 2', "nope"],
    [
      "deny JSON",
      json({
        hookSpecificOutput: {
          hookEventName: "PreToolUse",
          permissionDecision: "deny",
          permissionDecisionReason: "deny it",
        },
      }),
      "deny it",
    ],
    ["legacy block", json({ decision: "block", reason: "legacy no" }), "legacy no"],
  ])("%s blocks with a feedback entry", async (_name, command, reason) => {
    const outcome = await preToolUse(command);
    expect(outcome).toMatchObject({
      status: "blocked",
      blockReason: reason,
      entries: [{ kind: "feedback", text: reason }],
    });
  });

  it.each([
    [
      "permissionDecision ask",
      json({ hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "ask" } }),
      "PreToolUse hook returned unsupported permissionDecision:ask",
    ],
    ["exit 1", "exit 1", "hook exited with code 1"],
    ["bad JSON", "echo '{not json'", "hook returned invalid pre-tool-use JSON output"],
    [
      "unknown field",
      json({ decision: "block", reason: "x", extra: 1 }),
      "hook returned invalid pre-tool-use JSON output",
    ],
    [
      "exit 2 without stderr",
      "exit 2",
      "PreToolUse hook exited with code 2 but did not write a blocking reason to stderr",
    ],
  ])("%s fails without blocking", async (_name, command, message) => {
    const outcome = await preToolUse(command);
    expect(outcome).toMatchObject({
      status: "failed",
      blockReason: null,
      entries: [{ kind: "error", text: message }],
    });
  });

  it("a hook over its timeout is killed (with its children) and fails: `hook timed out after 1s`", async () => {
    const outcome = await preToolUse("sleep 30 & wait", 1);
    expect(outcome).toMatchObject({
      status: "failed",
      entries: [{ kind: "error", text: "hook timed out after 1s" }],
    });
  });

  it("allow + updatedInput rewrites; every output keel accepts validates against Codex's schema", async () => {
    const accepted = [
      {
        hookSpecificOutput: {
          hookEventName: "PreToolUse",
          permissionDecision: "allow",
          updatedInput: { command: "ls" },
        },
      },
      { hookSpecificOutput: { hookEventName: "PreToolUse", additionalContext: "ctx" }, systemMessage: "hi" },
      { decision: "block", reason: "r" },
    ];
    for (const value of accepted) {
      expect(schemaErrors("pre-tool-use.command.output", value)).toEqual([]);
      expect((await preToolUse(json(value))).status).not.toBe("failed");
    }
    expect((await preToolUse(json(accepted[0]))).updatedInput).toEqual({ command: "ls" });
  });
});

describe("hook matchers (spec hooks.md §2)", () => {
  it("a word-and-| matcher matches exactly its alternatives", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[A-Za-z0-9_]{1,8}$/), { minLength: 1, maxLength: 4 }),
        fc.stringMatching(/^[A-Za-z0-9_]{1,10}$/),
        (names, target) => {
          const m = compileMatcher(names.join("|"));
          if ("error" in m) return false;
          return m(target) === names.includes(target);
        },
      ),
    );
  });

  it("absent, empty and * match all; anything else is an unanchored regex; a bad one is an error", () => {
    for (const all of [null, "", "*"])
      expect((compileMatcher(all) as (t: string) => boolean)("anything")).toBe(true);
    const re = compileMatcher("mcp__.*__write") as (t: string) => boolean;
    expect(re("mcp__fs__write_file")).toBe(true);
    expect((compileMatcher("mcp__memory") as (t: string) => boolean)("mcp__memory__x")).toBe(false);
    expect(compileMatcher("[")).toHaveProperty("error");
  });
});

describe("hook discovery (spec hooks.md §1, acceptance 2)", () => {
  const group = (command: string) => [{ matcher: "Bash", hooks: [{ type: "command", command }] }];

  it("hooks.json and [hooks] in one layer: both load, with Codex's warning; bad regex and prompt hooks warn", () => {
    const home = tempDir("keel-hooks-home-");
    const cwd = tempDir("keel-hooks-cwd-");
    fs.writeFileSync(path.join(home, "hooks.json"), JSON.stringify({ hooks: { PreToolUse: group("a") } }));
    fs.writeFileSync(
      path.join(home, "config.toml"),
      '[[hooks.Stop]]\nhooks = [{ type = "command", command = "b" }]\n' +
        '[[hooks.PreToolUse]]\nmatcher = "["\nhooks = [{ type = "command", command = "c" }]\n' +
        '[[hooks.PostToolUse]]\nhooks = [{ type = "prompt", prompt = "p" }, { type = "command", command = "" }]\n',
    );
    const inv = discoverHooks(loadLayerStack({ keelHome: home, cwd }).layers, home);
    expect(inv.hooks.map((h) => [h.command, h.event, h.displayOrder])).toEqual([
      ["a", "PreToolUse", 0],
      ["b", "Stop", 1],
    ]);
    const toml = path.join(home, "config.toml");
    expect(inv.warnings).toEqual([
      `loading hooks from both ${path.join(home, "hooks.json")} and ${toml}; prefer a single representation for this layer`,
      expect.stringMatching(new RegExp(`^invalid matcher "\\[" in ${toml}: regex parse error: `)),
      `skipping prompt hook in ${toml}: prompt hooks are not supported yet`,
      `skipping empty hook command in ${toml}`,
    ]);
  });

  it("project hooks load only when the project is trusted", () => {
    const home = tempDir("keel-hooks-home-");
    const project = tempDir("keel-hooks-project-");
    fs.mkdirSync(path.join(project, ".git"));
    fs.mkdirSync(path.join(project, ".keel"));
    fs.writeFileSync(
      path.join(project, ".keel", "hooks.json"),
      JSON.stringify({ hooks: { PreToolUse: group("p") } }),
    );
    const untrusted = discoverHooks(loadLayerStack({ keelHome: home, cwd: project }).layers, home);
    expect(untrusted.hooks).toEqual([]);
    fs.writeFileSync(
      path.join(home, "config.toml"),
      `[projects.${JSON.stringify(project)}]\ntrust_level = "trusted"\n`,
    );
    const trusted = discoverHooks(loadLayerStack({ keelHome: home, cwd: project }).layers, home);
    expect(trusted.hooks.map((h) => [h.command, h.source, h.trustStatus])).toEqual([
      ["p", "project", "untrusted"],
    ]);
  });
});
