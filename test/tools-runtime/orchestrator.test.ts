import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DANGEROUS_COMMAND_REASON, globEntry } from "../../src/permissions/index.js";
import type { ReviewDecision } from "../../src/protocol/events.js";
import type { AskForApproval, SandboxMode } from "../../src/protocol/permissions.js";
import { REJECTED_BY_USER, RETRY_WITHOUT_SANDBOX_REASON } from "../../src/tools/runtime/index.js";
import { rejectedText } from "../../src/tools/runtime/command-orchestrator.js";
import { configFor, context, functionCall, outputText, router, workspace } from "./support.js";

const GRANULAR_NO_SANDBOX: AskForApproval = {
  granular: {
    sandbox_approval: false,
    rules: true,
    skill_approval: false,
    request_permissions: false,
    mcp_elicitations: true,
  },
};
const GRANULAR_ASK: AskForApproval = {
  granular: {
    sandbox_approval: true,
    rules: true,
    skill_approval: false,
    request_permissions: false,
    mcp_elicitations: true,
  },
};

type Kind = "safe" | "unsafe" | "denied" | "escalate";
/** Each kind of command, as `shell` arguments; `target` is the file it creates (if any). */
const COMMANDS: Record<Kind, { args: Record<string, unknown>; target: string | null }> = {
  safe: { args: { command: ["bash", "-lc", "ls"] }, target: null },
  unsafe: { args: { command: ["bash", "-lc", "echo hi > inside.txt"] }, target: "inside.txt" },
  // `.git` is read-only inside the sandbox: the sandbox denies this write.
  denied: { args: { command: ["bash", "-lc", "echo hi > .git/outside.txt"] }, target: ".git/outside.txt" },
  escalate: {
    args: {
      command: ["bash", "-lc", "echo hi > .git/escalated.txt"],
      sandbox_permissions: "require_escalated",
      justification: "Allow writing git metadata?",
    },
    target: ".git/escalated.txt",
  },
};

interface Row {
  policy: AskForApproval;
  kind: Kind;
  answers: ReviewDecision[];
  /** Reasons of the approval requests, in order (null = no reason). */
  asked: (string | null)[];
  created: boolean;
  output: RegExp;
  /** null: refused before it started (no item events). */
  status: "completed" | "failed" | "declined" | null;
}

const label = (p: AskForApproval) =>
  typeof p === "string" ? p : `granular(sandbox_approval=${p.granular.sandbox_approval})`;
const ran = /"exit_code":0/;
const denial = /Read-only file system/;

const RETRY = RETRY_WITHOUT_SANDBOX_REASON;
const ASK = "Allow writing git metadata?";
const declined = /^exec command rejected by user$/;
const row = (
  policy: AskForApproval,
  kind: Kind,
  answers: ReviewDecision[],
  asked: (string | null)[],
  created: boolean,
  output: RegExp,
  status: Row["status"],
): Row => ({ policy, kind, answers, asked, created, output, status });

const TABLE: Row[] = [
  // untrusted: anything not known safe asks first; a denial asks again before re-running outside.
  row("untrusted", "safe", [], [], false, ran, "completed"),
  row("untrusted", "unsafe", ["approved"], [null], true, ran, "completed"),
  row("untrusted", "unsafe", ["denied"], [null], false, declined, "declined"),
  row("untrusted", "denied", ["approved", "approved"], [null, RETRY], true, ran, "completed"),
  // Only on-request may ask to leave the sandbox: elsewhere the call is refused (Codex 0.169).
  row("untrusted", "escalate", [], [], false, /if the approval policy is UnlessTrusted$/, null),
  // on-failure: runs sandboxed without asking; a denial escalates to the user.
  row("on-failure", "unsafe", [], [], true, ran, "completed"),
  row("on-failure", "denied", ["approved"], [RETRY], true, ran, "completed"),
  row("on-failure", "escalate", [], [], false, /if the approval policy is OnFailure$/, null),
  // on-request: the model asks for escalation; a denial asks to re-run outside the sandbox.
  row("on-request", "safe", [], [], false, ran, "completed"),
  row("on-request", "unsafe", [], [], true, ran, "completed"),
  row("on-request", "denied", ["approved"], [RETRY], true, ran, "completed"),
  row("on-request", "denied", ["denied"], [RETRY], false, declined, "declined"),
  row("on-request", "escalate", ["approved"], [ASK], true, ran, "completed"),
  row("on-request", "escalate", ["denied"], [ASK], false, declined, "declined"),
  // never: never asks; the denial goes back to the model, an escalation request is refused.
  row("never", "safe", [], [], false, ran, "completed"),
  row("never", "unsafe", [], [], true, ran, "completed"),
  row("never", "denied", [], [], false, denial, "failed"),
  row("never", "escalate", [], [], false, /^approval policy is Never; reject command/, null),
  // granular: like on-request, but a category whose flag is off is rejected instead of asked.
  row(GRANULAR_NO_SANDBOX, "denied", [], [], false, denial, "failed"),
  row(GRANULAR_NO_SANDBOX, "escalate", [], [], false, /^approval policy is Granular\(/, null),
  row(GRANULAR_ASK, "denied", ["approved"], [RETRY], true, ran, "completed"),
];

describe("command decision table under real bwrap (workspace-write)", () => {
  for (const row of TABLE) {
    it(`${label(row.policy)} × ${row.kind} → asked ${row.asked.length}×, answers [${row.answers.join(", ")}]`, async () => {
      const ws = workspace();
      const t = context(configFor(ws, row.policy, "workspace-write"), row.answers);
      const { args, target } = COMMANDS[row.kind];
      const out = outputText(await router(ws).dispatch(functionCall("shell", args), t.ctx));
      expect(out).toMatch(row.output);
      expect(t.asked.map((r) => r.reason ?? null)).toEqual(row.asked);
      if (target) expect(fs.existsSync(path.join(ws.root, target))).toBe(row.created);
      const [end] = t.of("exec_command_end");
      expect(end?.status ?? null).toBe(row.status);
      expect(t.of("exec_command_begin")).toHaveLength(row.status === null ? 0 : 1);
    });
  }

  it("the never-policy denial tells the model why it was not retried", async () => {
    const ws = workspace();
    const t = context(configFor(ws, "never", "workspace-write"));
    const out = JSON.parse(
      outputText(await router(ws).dispatch(functionCall("shell", COMMANDS.denied.args), t.ctx)),
    );
    expect(out.output).toContain("The sandbox denied this command; approval policy `never` does not allow");
    expect(out.metadata.exit_code).not.toBe(0);
  });

  it("a dangerous command is forbidden under never with the sandbox on, and asked under on-request", async () => {
    const ws = workspace({ "keep/file.txt": "x" });
    const argv = { command: ["bash", "-lc", "rm -rf keep"] };
    const never = context(configFor(ws, "never", "workspace-write"));
    expect(outputText(await router(ws).dispatch(functionCall("shell", argv), never.ctx))).toBe(
      rejectedText(`\`bash -lc 'rm -rf keep'\` rejected: ${DANGEROUS_COMMAND_REASON}`),
    );
    expect(never.of("exec_command_begin")).toHaveLength(0);
    expect(fs.existsSync(path.join(ws.root, "keep/file.txt"))).toBe(true);
    const onRequest = context(configFor(ws, "on-request", "workspace-write"), ["denied"]);
    expect(outputText(await router(ws).dispatch(functionCall("shell", argv), onRequest.ctx))).toBe(
      REJECTED_BY_USER,
    );
    expect(onRequest.asked).toHaveLength(1);
    expect(fs.existsSync(path.join(ws.root, "keep/file.txt"))).toBe(true);
  });

  it("danger-full-access runs without a sandbox and never asks", async () => {
    const ws = workspace();
    const t = context(configFor(ws, "never", "danger-full-access"));
    const out = outputText(await router(ws).dispatch(functionCall("shell", COMMANDS.denied.args), t.ctx));
    expect(out).toMatch(ran);
    expect(fs.existsSync(path.join(ws.root, ".git/outside.txt"))).toBe(true);
  });

  it("read-only: every write is denied by the sandbox", async () => {
    const ws = workspace();
    const t = context(configFor(ws, "never", "read-only" satisfies SandboxMode));
    const out = outputText(await router(ws).dispatch(functionCall("shell", COMMANDS.unsafe.args), t.ctx));
    expect(out).toMatch(denial);
    expect(fs.existsSync(path.join(ws.root, "inside.txt"))).toBe(false);
  });
});

describe("approvals remembered for the session", () => {
  it("approve for session: the identical second call is not asked; a different cwd is", async () => {
    const ws = workspace();
    fs.mkdirSync(path.join(ws.root, "sub"));
    const r = router(ws);
    const cache = new Set<string>();
    const args = { command: ["bash", "-lc", `echo more >> ${ws.root}/.git/log.txt`] };
    const first = context(configFor(ws, "on-request", "workspace-write"), ["approved_for_session"], {
      cache,
    });
    expect(outputText(await r.dispatch(functionCall("shell", args), first.ctx))).toMatch(ran);
    expect(first.asked).toHaveLength(1);

    const second = context(configFor(ws, "on-request", "workspace-write"), [], { cache });
    expect(outputText(await r.dispatch(functionCall("shell", args), second.ctx))).toMatch(ran);
    expect(second.asked).toHaveLength(0);
    expect(fs.readFileSync(path.join(ws.root, ".git/log.txt"), "utf8")).toBe("more\nmore\n");
    expect(r.sessionApprovals("thread-1")).toEqual([
      { kind: "command", argv: args.command, cwd: ws.root, unsandboxed: true },
    ]);

    const elsewhere = context(configFor(ws, "on-request", "workspace-write"), ["denied"], { cache });
    await r.dispatch(functionCall("shell", { ...args, workdir: "sub" }), elsewhere.ctx);
    expect(elsewhere.asked).toHaveLength(1);
  });

  it("approve once is not remembered", async () => {
    const ws = workspace();
    const r = router(ws);
    const cache = new Set<string>();
    const args = { command: ["bash", "-lc", "echo x >> .git/once.txt"] };
    const first = context(configFor(ws, "on-request", "workspace-write"), ["approved"], { cache });
    await r.dispatch(functionCall("shell", args), first.ctx);
    const second = context(configFor(ws, "on-request", "workspace-write"), ["denied"], { cache });
    expect(outputText(await r.dispatch(functionCall("shell", args), second.ctx))).toBe(REJECTED_BY_USER);
    expect(second.asked).toHaveLength(1);
    expect(r.sessionApprovals("thread-1")).toEqual([]);
  });

  it("a configured deny beats a remembered escalation: the escalated run still cannot read the file", async () => {
    const ws = workspace({ "secret.txt": "TOP-SECRET" });
    const r = router(ws);
    const cache = new Set<string>();
    const args = {
      command: ["bash", "-lc", "cat secret.txt"],
      sandbox_permissions: "require_escalated",
      justification: "read it",
    };
    const first = context(configFor(ws, "on-request", "workspace-write"), ["approved_for_session"], {
      cache,
    });
    expect(outputText(await r.dispatch(functionCall("shell", args), first.ctx))).toContain("TOP-SECRET");

    // The configuration now denies reading the file: the cached approval skips the prompt but
    // the deny entry is still enforced on the escalated run.
    const denied = configFor(ws, "on-request", "workspace-write", [globEntry(`${ws.root}/secret.*`, "none")]);
    const second = context(denied, [], { cache });
    const out = outputText(await r.dispatch(functionCall("shell", args), second.ctx));
    expect(second.asked).toHaveLength(0);
    expect(out).not.toContain("TOP-SECRET");
    expect(out).toMatch(/Permission denied/);
  });
});
