import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SessionExecPolicy } from "../../src/execpolicy/session-policy.js";
import { tempDirOutsideProjects } from "../support/tmp.js";
import type { ToolContext } from "../../src/session/tool-router.js";
import { configFor, context, functionCall, router, workspace } from "./support.js";

/**
 * Exec-policy details of the tools orchestrator (spec execpolicy.md §6): every command tool
 * offers the model's `prefix_rule`, and the model hears of a saved prefix only once it is saved.
 */

function withRules(ws: { home: string }, body = ""): SessionExecPolicy {
  const folder = path.join(ws.home, "rules");
  fs.mkdirSync(folder, { recursive: true });
  if (body) fs.writeFileSync(path.join(folder, "user.rules"), body);
  return SessionExecPolicy.load({ keelHome: ws.home, folders: [folder], requirements: [], homeDir: ws.home });
}

const amendment = (prefix: string[]) => ({
  approved_execpolicy_amendment: { proposed_execpolicy_amendment: prefix },
});

describe("prefix_rule on every command tool", () => {
  for (const [name, args] of [
    ["shell", (file: string) => ({ command: ["touch", file] })],
    ["shell_command", (file: string) => ({ command: `touch ${file}` })],
  ] as const) {
    it(`${name}: the model's prefix_rule is the amendment offered`, async () => {
      const ws = workspace();
      const outside = tempDirOutsideProjects("keel-prefix-");
      const tools = router(ws, { execPolicy: withRules(ws) });
      const t = context(configFor(ws, "on-request", "workspace-write"), ["denied"]);
      await tools.dispatch(
        functionCall(name, {
          ...args(path.join(outside, "a")),
          sandbox_permissions: "require_escalated",
          justification: "touch a?",
          prefix_rule: ["touch"],
        }),
        t.ctx,
      );
      expect(t.asked).toHaveLength(1);
      expect(t.asked[0]).toMatchObject({ kind: "exec", proposedExecpolicyAmendment: ["touch"] });
    });
  }
});

/** Asks to run `touch` outside the sandbox, proposing `touch` as the prefix to remember. */
function touchEscalated(tools: ReturnType<typeof router>, ctx: ToolContext, outside: string) {
  return tools.dispatch(
    functionCall("exec_command", {
      cmd: `touch ${outside}/b`,
      sandbox_permissions: "require_escalated",
      prefix_rule: ["touch"],
    }),
    ctx,
  );
}

describe("the 'prefix saved' message", () => {
  it("is sent once the rule is written", async () => {
    const ws = workspace();
    const outside = tempDirOutsideProjects("keel-prefix-");
    const tools = router(ws, { execPolicy: withRules(ws) });
    const t = context(configFor(ws, "on-request", "workspace-write"), [amendment(["touch"])]);
    const saved: string[][] = [];
    t.ctx.prefixSaved = (prefix) => saved.push([...prefix]);
    await touchEscalated(tools, t.ctx, outside);
    expect(saved).toEqual([["touch"]]);
    expect(fs.readFileSync(path.join(ws.home, "rules", "default.rules"), "utf8")).toContain(
      'prefix_rule(pattern=["touch"], decision="allow")',
    );
  });

  it("is not sent when the rules file cannot be written; the command still runs", async () => {
    const ws = workspace();
    const outside = tempDirOutsideProjects("keel-prefix-");
    const policy = withRules(ws);
    // default.rules is a folder: appending to it fails.
    fs.mkdirSync(path.join(ws.home, "rules", "default.rules"));
    const tools = router(ws, { execPolicy: policy });
    const t = context(configFor(ws, "on-request", "workspace-write"), [amendment(["touch"])]);
    const saved: string[][] = [];
    t.ctx.prefixSaved = (prefix) => saved.push([...prefix]);
    await touchEscalated(tools, t.ctx, outside);
    expect(saved).toEqual([]);
    expect(fs.existsSync(path.join(outside, "b"))).toBe(true);
    expect(t.of("warning").map((w) => w.message)).toEqual([
      expect.stringContaining("The approved command prefix could not be saved"),
    ]);
  });
});

// `prefix_rule(["touch"])` must not take a `touch` the sandbox could have written outside it.
describe("an allowed bare program shadowed on PATH", () => {
  function setup(planted: boolean) {
    const ws = workspace();
    const outside = tempDirOutsideProjects("keel-shadow-");
    const bin = path.join(ws.root, "bin");
    fs.mkdirSync(bin);
    if (planted)
      fs.writeFileSync(path.join(bin, "touch"), '#!/bin/sh\necho escaped > "$1"\n', { mode: 0o755 });
    const tools = router(ws, {
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: ws.home },
      execPolicy: withRules(ws, 'prefix_rule(pattern=["touch"], decision="allow")\n'),
    });
    return { ws, outside, tools, t: context(configFor(ws, "never", "workspace-write")) };
  }

  it("a planted ./bin/touch earlier on PATH runs sandboxed, not outside", async () => {
    const { outside, tools, t } = setup(true);
    await tools.dispatch(functionCall("exec_command", { cmd: `touch ${outside}/y` }), t.ctx);
    expect(fs.existsSync(path.join(outside, "y"))).toBe(false);
  });

  it("the real touch (nothing planted) still runs outside the sandbox", async () => {
    const { outside, tools, t } = setup(false);
    await tools.dispatch(functionCall("exec_command", { cmd: `touch ${outside}/y` }), t.ctx);
    expect(fs.existsSync(path.join(outside, "y"))).toBe(true);
  });
});

// Codex 0.169 (captured) proposes a heredoc command's whole argv, even when the model suggests a
// prefix: the heredoc script is not split into commands, so a `cat` rule could never match it.
describe("amendments for heredoc commands", () => {
  for (const [cmd, prefixRule] of [
    ["cat <<'EOF'\nhi\nEOF", undefined],
    ["cat > out.txt <<'EOF'\nhi\nEOF", undefined],
    ["cat <<'EOF'\nhi\nEOF", ["cat"]],
  ] as const) {
    it(`${JSON.stringify(cmd)}${prefixRule ? " with prefix_rule [cat]" : ""}: the whole argv`, async () => {
      const ws = workspace();
      const tools = router(ws, { execPolicy: withRules(ws) });
      const t = context(configFor(ws, "on-request", "workspace-write"), ["denied"]);
      await tools.dispatch(
        functionCall("exec_command", {
          cmd,
          sandbox_permissions: "require_escalated",
          justification: "cat?",
          ...(prefixRule ? { prefix_rule: prefixRule } : {}),
        }),
        t.ctx,
      );
      expect(t.asked[0]).toMatchObject({ proposedExecpolicyAmendment: ["/bin/bash", "-lc", cmd] });
    });
  }
});
