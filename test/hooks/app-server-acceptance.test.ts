import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, type RecordedRequest, textTurn, turn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { fixture, type Peer, stdioServer, text, turnCompleted } from "../app-server-engine/support.js";
import { hookScript, hooksJson, inputOf, payloads, schemaErrors, textOf, trustAll } from "./support.js";

/**
 * Spec hooks.md §9 acceptance tests 5, 8 (Bash), 11 and the compaction, SessionEnd and async
 * hooks, through `keel app-server` over stdio with real hook scripts. Every message is also
 * checked against Codex 0.169's generated schema (fixture checker).
 */

const outputFor = (request: RecordedRequest, callId: string) =>
  inputOf(request).find((i) => i.type === "function_call_output" && i.call_id === callId)?.output;

async function hookedServer(
  groups: Parameters<typeof hooksJson>[0],
  topLevel: Record<string, number> = {},
  env: Record<string, string> = {},
) {
  const fx = await fixture({ topLevel });
  Object.assign(fx.env, env);
  fs.writeFileSync(path.join(fx.home, "hooks.json"), hooksJson(groups));
  trustAll(fx);
  const server = stdioServer(fx);
  await server.peer.initialize();
  const started = await server.peer.request("thread/start", {
    cwd: fx.workspace,
    approvalPolicy: "never",
    sandbox: "workspace-write",
  });
  return { fx, ...server, threadId: started.thread.id as string };
}

const hookRuns = (peer: Peer, method: "hook/started" | "hook/completed") =>
  peer.received.filter((m) => m.method === method).map((m) => m.params.run);

describe("app-server hooks: tool rewrites and blocks", () => {
  it("acceptance 5: PreToolUse allow + updatedInput runs the rewritten command instead", async () => {
    const dir = tempDir("keel-hook-scripts-");
    const out = JSON.stringify({
      hookSpecificOutput: {
        hookEventName: "PreToolUse",
        permissionDecision: "allow",
        updatedInput: { command: "touch rewritten" },
      },
    });
    const t = await hookedServer({
      PreToolUse: [{ matcher: "Bash", command: hookScript(dir, "pre", `echo '${out}'`) }],
    });
    t.fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: "touch original" }, "call_r")]),
      textTurn("ok"),
    );
    const { turn: started } = await t.peer.request("turn/start", { threadId: t.threadId, input: text("go") });
    await turnCompleted(t.peer, started.id);
    expect(fs.existsSync(path.join(t.fx.workspace, "rewritten"))).toBe(true);
    expect(fs.existsSync(path.join(t.fx.workspace, "original"))).toBe(false);
    expect(payloads(dir, "pre")).toMatchObject([{ tool_input: { command: "touch original" } }]);
    expect(hookRuns(t.peer, "hook/completed")).toMatchObject([
      { eventName: "preToolUse", status: "completed" },
    ]);
    expect(t.fx.checker.check()).toEqual([]);
  });

  it("acceptance 8: a PostToolUse block on Bash: the command ran, the model reads the reason instead of its output", async () => {
    const dir = tempDir("keel-hook-scripts-");
    const block = JSON.stringify({ decision: "block", reason: "output hidden by policy" });
    const t = await hookedServer({
      PostToolUse: [{ matcher: "Bash", command: hookScript(dir, "post", `echo '${block}'`) }],
    });
    t.fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: "echo visible-output; touch ran" }, "call_p")]),
      textTurn("ok"),
    );
    const { turn: started } = await t.peer.request("turn/start", { threadId: t.threadId, input: text("go") });
    await turnCompleted(t.peer, started.id);
    expect(fs.existsSync(path.join(t.fx.workspace, "ran"))).toBe(true);
    expect(outputFor(t.fx.model.modelRequests()[1]!, "call_p")).toBe("output hidden by policy");
    const [payload] = payloads(dir, "post");
    expect(schemaErrors("post-tool-use.command.input", payload)).toEqual([]);
    expect(payload).toMatchObject({ tool_name: "Bash", tool_use_id: "call_p" });
    expect(String(payload!.tool_response)).toContain("visible-output");
    expect(hookRuns(t.peer, "hook/completed")).toMatchObject([
      {
        eventName: "postToolUse",
        status: "blocked",
        entries: [{ kind: "feedback", text: "output hidden by policy" }],
      },
    ]);
    expect(t.fx.checker.check()).toEqual([]);
  });
});

describe("app-server hooks: concurrency and context order", () => {
  it("acceptance 11: two matching hooks run concurrently; their context reaches the model in display order", async () => {
    const dir = tempDir("keel-hook-scripts-");
    // Each hook waits for the other's marker: run one after the other, the first would time out.
    const waitFor = (mine: string, other: string, say: string) =>
      `touch ${dir}/${mine}.ready; while [ ! -f ${dir}/${other}.ready ]; do sleep 0.05; done; echo ${say}`;
    const t = await hookedServer({
      UserPromptSubmit: [
        { command: hookScript(dir, "first", waitFor("first", "second", "context one")), timeout: 20 },
        { command: hookScript(dir, "second", waitFor("second", "first", "context two")), timeout: 20 },
      ],
    });
    t.fx.model.enqueue(textTurn("ok"));
    const { turn: started } = await t.peer.request("turn/start", {
      threadId: t.threadId,
      input: text("hello"),
    });
    await turnCompleted(t.peer, started.id);
    const runs = hookRuns(t.peer, "hook/completed");
    expect(runs.map((r) => r.status)).toEqual(["completed", "completed"]);
    const input = inputOf(t.fx.model.modelRequests()[0]!);
    const userAt = input.findIndex((i) => i.role === "user" && textOf(i) === "hello");
    expect(input.slice(userAt + 1, userAt + 3).map((i) => [i.role, textOf(i)])).toEqual([
      ["developer", "context one"],
      ["developer", "context two"],
    ]);
    expect(t.fx.checker.check()).toEqual([]);
  });
});

describe("app-server hooks: compaction, session end, async", () => {
  it("PreCompact / PostCompact fire around a manual compaction (trigger manual) and an automatic one (trigger auto)", async () => {
    const dir = tempDir("keel-hook-scripts-");
    const t = await hookedServer(
      {
        PreCompact: [{ command: hookScript(dir, "pre", "true") }],
        PostCompact: [{ command: hookScript(dir, "post", "true") }],
      },
      { model_auto_compact_token_limit: 100 },
    );
    const big = { usage: { total_tokens: 5000 } };
    const small = { usage: { total_tokens: 50 } };
    t.fx.model.enqueue(textTurn("first answer", small), textTurn("MANUAL SUMMARY", small));
    const { turn: first } = await t.peer.request("turn/start", { threadId: t.threadId, input: text("one") });
    await turnCompleted(t.peer, first.id);
    await t.peer.request("thread/compact/start", { threadId: t.threadId });
    await turnCompleted(t.peer);
    expect(payloads(dir, "pre").map((p) => p.trigger)).toEqual(["manual"]);

    t.fx.model.enqueue(
      textTurn("second answer", big),
      textTurn("AUTO SUMMARY", small),
      textTurn("third", small),
    );
    const { turn: second } = await t.peer.request("turn/start", { threadId: t.threadId, input: text("two") });
    await turnCompleted(t.peer, second.id);
    const { turn: third } = await t.peer.request("turn/start", {
      threadId: t.threadId,
      input: text("three"),
    });
    await turnCompleted(t.peer, third.id);

    const pre = payloads(dir, "pre");
    const post = payloads(dir, "post");
    expect(pre.map((p) => p.trigger)).toEqual(["manual", "auto"]);
    expect(post.map((p) => p.trigger)).toEqual(["manual", "auto"]);
    for (const p of pre) expect(schemaErrors("pre-compact.command.input", p)).toEqual([]);
    for (const p of post) expect(schemaErrors("post-compact.command.input", p)).toEqual([]);
    expect(pre[1]).toMatchObject({
      hook_event_name: "PreCompact",
      session_id: t.threadId,
      turn_id: third.id,
    });
    expect(hookRuns(t.peer, "hook/completed").map((r) => r.eventName)).toEqual([
      "preCompact",
      "postCompact",
      "preCompact",
      "postCompact",
    ]);
    expect(t.fx.checker.check()).toEqual([]);
  });

  it("SessionEnd runs when the app-server shuts down, with reason other and no notification", async () => {
    const dir = tempDir("keel-hook-scripts-");
    const t = await hookedServer({ SessionEnd: [{ command: hookScript(dir, "end", "true") }] });
    t.fx.model.enqueue(textTurn("ok"));
    const { turn: started } = await t.peer.request("turn/start", { threadId: t.threadId, input: text("go") });
    await turnCompleted(t.peer, started.id);
    expect(payloads(dir, "end")).toEqual([]);
    t.peer.close();
    await t.exited;
    const [payload, ...more] = payloads(dir, "end");
    expect(more).toEqual([]);
    expect(schemaErrors("session-end.command.input", payload)).toEqual([]);
    expect(payload).toMatchObject({ hook_event_name: "SessionEnd", reason: "other", session_id: t.threadId });
    expect(payload).not.toHaveProperty("turn_id");
    expect(payload).not.toHaveProperty("model");
    expect(t.peer.received.some((m) => m.method === "hook/started" || m.method === "hook/completed")).toBe(
      false,
    );
  });

  it("an async hook runs fire-and-forget: no hook/* notification, its output never reaches the model", async () => {
    const dir = tempDir("keel-hook-scripts-");
    const t = await hookedServer({
      UserPromptSubmit: [{ command: hookScript(dir, "bg", "echo async context"), async: true }],
    });
    t.fx.model.enqueue(textTurn("ok"));
    const { turn: started } = await t.peer.request("turn/start", { threadId: t.threadId, input: text("go") });
    await turnCompleted(t.peer, started.id);
    await expect.poll(() => payloads(dir, "bg").length).toBe(1);
    expect(payloads(dir, "bg")[0]).toMatchObject({ hook_event_name: "UserPromptSubmit", prompt: "go" });
    expect(JSON.stringify(t.fx.model.modelRequests()[0]!.body)).not.toContain("async context");
    expect(t.peer.received.some((m) => m.method === "hook/started" || m.method === "hook/completed")).toBe(
      false,
    );
    const listed = await t.peer.request("hooks/list", { cwds: [t.fx.workspace] });
    expect(listed.data[0].hooks[0]).toMatchObject({ async: true, eventName: "userPromptSubmit" });
  });
});

describe("app-server hooks: additionalContextLimit", () => {
  it("context over the limit is saved to $TMPDIR/hook_outputs/<thread>/<uuid>.txt and the model reads a preview; 0 never spills", async () => {
    const dir = tempDir("keel-hook-scripts-");
    const tmp = tempDir("keel-hook-tmp-");
    // 400 lines of 30 bytes: 12 000 bytes, 3000 tokens — over the default 2500.
    const big = `for i in $(seq 1 400); do echo "line $i of the hook context ....."; done`;
    const t = await hookedServer(
      {
        UserPromptSubmit: [
          { command: hookScript(dir, "default", big) },
          { command: hookScript(dir, "small", big), additionalContextLimit: 100 },
          { command: hookScript(dir, "never", big), additionalContextLimit: 0 },
        ],
      },
      {},
      { TMPDIR: tmp },
    );
    t.fx.model.enqueue(textTurn("ok"));
    const { turn: started } = await t.peer.request("turn/start", { threadId: t.threadId, input: text("go") });
    await turnCompleted(t.peer, started.id);
    const input = inputOf(t.fx.model.modelRequests()[0]!);
    const userAt = input.findIndex((i) => i.role === "user" && textOf(i) === "go");
    const [byDefault, small, never] = input.slice(userAt + 1, userAt + 4).map(textOf);
    const full = never!;
    expect(full.split("\n")).toHaveLength(400);
    const spillDir = path.join(tmp, "hook_outputs", t.threadId);
    for (const [preview, limit] of [
      [byDefault!, 2500],
      [small!, 100],
    ] as const) {
      const saved = /\n\nFull hook output saved to: (.+)$/.exec(preview)?.[1];
      expect(path.dirname(saved!)).toBe(spillDir);
      expect(path.basename(saved!)).toMatch(/^[0-9a-f-]{36}\.txt$/);
      expect(fs.readFileSync(saved!, "utf8")).toBe(full);
      expect(
        preview.startsWith(
          `Warning: truncated output (original token count: ${Math.ceil(full.length / 4)})\nTotal output lines: 400\n\nline 1 of`,
        ),
      ).toBe(true);
      expect(preview).toContain("tokens truncated");
      expect(Math.ceil(Buffer.byteLength(preview) / 4)).toBeLessThanOrEqual(limit + 40);
    }
    expect(fs.readdirSync(spillDir)).toHaveLength(2);
    expect(t.fx.checker.check()).toEqual([]);
  });
});

describe("app-server hooks: Interrupt", () => {
  it("turn/interrupt runs Interrupt hooks with the turn's payload, before the turn completes interrupted", async () => {
    const dir = tempDir("keel-hook-scripts-");
    const t = await hookedServer({ Interrupt: [{ command: hookScript(dir, "interrupt", "true") }] });
    t.fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: "sleep 30", yield_time_ms: 60_000 }, "call_s")]),
      textTurn("never"),
    );
    const { turn: started } = await t.peer.request("turn/start", { threadId: t.threadId, input: text("go") });
    await t.peer.notification("item/started", (p) => p.item.type === "commandExecution");
    await t.peer.request("turn/interrupt", { threadId: t.threadId, turnId: started.id });
    const done = await turnCompleted(t.peer, started.id);
    expect(done.params.turn.status).toBe("interrupted");
    const [payload, ...more] = payloads(dir, "interrupt");
    expect(more).toEqual([]);
    expect(schemaErrors("interrupt.command.input", payload)).toEqual([]);
    expect(payload).toMatchObject({
      hook_event_name: "Interrupt",
      session_id: t.threadId,
      turn_id: started.id,
      permission_mode: "bypassPermissions",
    });
    const completedAt = t.peer.received.findIndex((m) => m.method === "hook/completed");
    expect(t.peer.received[completedAt]!.params).toMatchObject({
      turnId: started.id,
      run: { eventName: "interrupt", scope: "turn", status: "completed" },
    });
    expect(completedAt).toBeLessThan(t.peer.received.findIndex((m) => m.method === "turn/completed"));
    expect(t.fx.checker.check()).toEqual([]);
  });
});
