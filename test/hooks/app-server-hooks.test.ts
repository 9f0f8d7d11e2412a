import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, message, textTurn, turn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { type Fixture, fixture, stdioServer, text, turnCompleted } from "../app-server-engine/support.js";
import { hookScript, hooksJson, inputOf, payloads, schemaErrors, textOf, trustAll } from "./support.js";

/**
 * Hooks through `keel app-server` over stdio: trust, hooks/list, config/batchWrite, the
 * hook/started / hook/completed notifications, the hookPrompt item, and what the model is sent.
 * Every message is also checked against Codex 0.169's generated schema (fixture checker).
 */

async function startThread(peer: Awaited<ReturnType<typeof stdioServer>>["peer"], fx: Fixture) {
  await peer.initialize();
  const started = await peer.request("thread/start", {
    cwd: fx.workspace,
    approvalPolicy: "never",
    sandbox: "workspace-write",
  });
  return started.thread.id as string;
}

describe("app-server: PreToolUse trust and blocking", () => {
  it("untrusted: not run, no hook/*; after config/batchWrite of trusted_hash it blocks `rm -rf`; an edit makes it modified", async () => {
    const fx = await fixture();
    const dir = tempDir("keel-hook-scripts-");
    const script = hookScript(dir, "pre", 'echo "rm -rf is not allowed" >&2; exit 2');
    const hooksFile = path.join(fx.home, "hooks.json");
    fs.writeFileSync(hooksFile, hooksJson({ PreToolUse: [{ matcher: "Bash", command: script }] }));
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx);

    const listed = await peer.request("hooks/list", { cwds: [fx.workspace] });
    const [entry] = listed.data;
    expect(entry.hooks).toHaveLength(1);
    const hook = entry.hooks[0];
    expect(hook).toMatchObject({
      key: `${hooksFile}:pre_tool_use:0:0`,
      eventName: "preToolUse",
      handlerType: "command",
      command: script,
      matcher: "Bash",
      timeoutSec: 600,
      sourcePath: hooksFile,
      source: "user",
      isManaged: false,
      enabled: true,
      trustStatus: "untrusted",
    });
    expect(hook.currentHash).toMatch(/^sha256:[0-9a-f]{64}$/);

    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: "touch untrusted-ran" }, "call_a")]),
      textTurn("ok"),
    );
    await peer.request("turn/start", { threadId, input: text("go") });
    await turnCompleted(peer);
    expect(fs.existsSync(path.join(fx.workspace, "untrusted-ran"))).toBe(true);
    expect(peer.received.some((m) => m.method === "hook/started" || m.method === "hook/completed")).toBe(
      false,
    );
    expect(payloads(dir, "pre")).toEqual([]);

    const written = await peer.request("config/batchWrite", {
      edits: [
        {
          keyPath: `hooks.state."${hook.key}".trusted_hash`,
          value: hook.currentHash,
          mergeStrategy: "replace",
        },
      ],
      reloadUserConfig: true,
    });
    expect(written).toMatchObject({ status: "ok", filePath: path.join(fx.home, "config.toml") });
    const relisted = await peer.request("hooks/list", { cwds: [fx.workspace] });
    expect(relisted.data[0].hooks[0].trustStatus).toBe("trusted");

    fs.mkdirSync(path.join(fx.workspace, "build"));
    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: "rm -rf build" }, "call_rm")]),
      textTurn("ok"),
    );
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("clean up") });
    const started = await peer.notification("hook/started");
    expect(started.params).toMatchObject({
      threadId,
      turnId: t.id,
      run: {
        eventName: "preToolUse",
        status: "running",
        scope: "turn",
        executionMode: "sync",
        sourcePath: hooksFile,
      },
    });
    expect(started.params.run.id).toBe(`pre-tool-use:0:${hooksFile}:call_rm`);
    const completed = await peer.notification("hook/completed");
    expect(completed.params.run).toMatchObject({
      id: started.params.run.id,
      status: "blocked",
      entries: [{ kind: "feedback", text: "rm -rf is not allowed" }],
    });
    const done = await turnCompleted(peer, t.id);
    expect(done.params.turn.status).toBe("completed");
    expect(fs.existsSync(path.join(fx.workspace, "build"))).toBe(true);
    expect(
      peer.received.some(
        (m) =>
          m.method === "item/started" &&
          m.params.item.type === "commandExecution" &&
          m.params.turnId === t.id,
      ),
    ).toBe(false);
    const request = fx.model.modelRequests().at(-1)!;
    const output = inputOf(request).find((i) => i.type === "function_call_output" && i.call_id === "call_rm");
    expect(output?.output).toBe(
      "Command blocked by PreToolUse hook: rm -rf is not allowed. Command: rm -rf build",
    );
    const [payload] = payloads(dir, "pre");
    expect(schemaErrors("pre-tool-use.command.input", payload)).toEqual([]);
    expect(payload).toMatchObject({
      session_id: threadId,
      turn_id: t.id,
      tool_input: { command: "rm -rf build" },
    });

    fs.writeFileSync(
      hooksFile,
      hooksJson({ PreToolUse: [{ matcher: "Bash", command: `${script} --changed` }] }),
    );
    const modified = await peer.request("hooks/list", { cwds: [fx.workspace] });
    expect(modified.data[0].hooks[0].trustStatus).toBe("modified");
    expect(fx.checker.check()).toEqual([]);
  });
});

describe("app-server: session, prompt, tool context and Stop hooks", () => {
  it("SessionStart at the first turn, PreToolUse context, Stop block → hookPrompt and a second Stop with stop_hook_active", async () => {
    const fx = await fixture();
    const dir = tempDir("keel-hook-scripts-");
    const ctx = JSON.stringify({
      hookSpecificOutput: { hookEventName: "PreToolUse", additionalContext: "tool ctx" },
    });
    const stopOnce = `grep -q '"stop_hook_active":true' ${dir}/stop.payload.$n.json || echo '{"decision":"block","reason":"run the tests"}'`;
    fs.writeFileSync(
      path.join(fx.home, "hooks.json"),
      hooksJson({
        SessionStart: [
          { matcher: "startup", command: hookScript(dir, "start", "echo session ctx") },
          { matcher: "resume", command: hookScript(dir, "resume", "echo never") },
        ],
        PreToolUse: [{ matcher: "Bash", command: hookScript(dir, "pre", `echo '${ctx}'`) }],
        Stop: [{ command: hookScript(dir, "stop", stopOnce) }],
      }),
    );
    trustAll(fx);
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx);
    expect(payloads(dir, "start")).toEqual([]); // not at thread/start

    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: "echo hi" }, "call_1")]),
      turn([message("first answer")]),
      turn([message("tests pass")]),
    );
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("do it") });
    const done = await turnCompleted(peer, t.id);
    expect(done.params.turn.status).toBe("completed");

    const [start] = payloads(dir, "start");
    expect(schemaErrors("session-start.command.input", start)).toEqual([]);
    expect(start).toMatchObject({ hook_event_name: "SessionStart", source: "startup", session_id: threadId });
    expect(payloads(dir, "resume")).toEqual([]);
    const requests = fx.model.modelRequests();
    expect(requests).toHaveLength(3);
    const first = inputOf(requests[0]!);
    const ctxAt = first.findIndex((i) => i.role === "developer" && textOf(i) === "session ctx");
    const userAt = first.findIndex((i) => i.role === "user" && textOf(i) === "do it");
    expect(ctxAt).toBeGreaterThan(-1);
    expect(ctxAt).toBeLessThan(userAt);
    const second = inputOf(requests[1]!);
    const call = second.findIndex((i) => i.type === "function_call");
    expect(textOf(second[call + 1])).toBe("tool ctx");
    expect(second[call + 2]?.type).toBe("function_call_output");

    const stops = payloads(dir, "stop");
    expect(stops.map((p) => p.stop_hook_active)).toEqual([false, true]);
    for (const p of stops) expect(schemaErrors("stop.command.input", p)).toEqual([]);
    expect(stops[0]).toMatchObject({ last_assistant_message: "first answer", turn_id: t.id });
    const hookPrompt = await peer.notification("item/completed", (p) => p.item.type === "hookPrompt");
    const runId = hookPrompt.params.item.fragments[0].hookRunId as string;
    expect(hookPrompt.params.item.fragments).toEqual([{ text: "run the tests", hookRunId: runId }]);
    expect(runId).toMatch(/^stop:\d+:/);
    const third = inputOf(requests[2]!);
    expect(textOf(third.at(-1))).toBe(`<hook_prompt hook_run_id="${runId}">run the tests</hook_prompt>`);
    const sessionRun = await peer.notification("hook/completed", (p) => p.run.eventName === "sessionStart");
    expect(sessionRun.params).toMatchObject({
      turnId: t.id,
      run: { scope: "thread", status: "completed", entries: [{ kind: "context", text: "session ctx" }] },
    });
    expect(fx.checker.check()).toEqual([]);
  });

  it("a Stop hook that always blocks is cut off after stop_hook_max_blocks, with a warning saying why", async () => {
    const fx = await fixture({ topLevel: { stop_hook_max_blocks: 2 } });
    const dir = tempDir("keel-hook-scripts-");
    fs.writeFileSync(
      path.join(fx.home, "hooks.json"),
      hooksJson({
        Stop: [{ command: hookScript(dir, "stop", `echo '{"decision":"block","reason":"again"}'`) }],
      }),
    );
    trustAll(fx);
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx);
    fx.model.enqueue(textTurn("one"), textTurn("two"), textTurn("three"), textTurn("four"));
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("go") });
    const done = await turnCompleted(peer, t.id);
    expect(done.params.turn.status).toBe("completed");
    expect(fx.model.modelRequests()).toHaveLength(3);
    expect(payloads(dir, "stop")).toHaveLength(3);
    const warning = await peer.notification("warning");
    expect(warning.params.message).toContain("Stop hooks blocked the end of this turn 2 times in a row");
  });

  it("a UserPromptSubmit block: no model request, no userMessage item, the turn completes empty", async () => {
    const fx = await fixture();
    const dir = tempDir("keel-hook-scripts-");
    fs.writeFileSync(
      path.join(fx.home, "hooks.json"),
      hooksJson({
        UserPromptSubmit: [
          { command: hookScript(dir, "prompt", 'echo "no secrets in prompts" >&2; exit 2') },
        ],
      }),
    );
    trustAll(fx);
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx);
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("my password is hunter2") });
    const done = await turnCompleted(peer, t.id);
    expect(done.params.turn.status).toBe("completed");
    expect(fx.model.modelRequests()).toHaveLength(0);
    expect(
      peer.received.some((m) => m.method === "item/started" && m.params.item.type === "userMessage"),
    ).toBe(false);
    const [payload] = payloads(dir, "prompt");
    expect(schemaErrors("user-prompt-submit.command.input", payload)).toEqual([]);
    expect(payload).toMatchObject({ prompt: "my password is hunter2", permission_mode: "bypassPermissions" });
    const run = await peer.notification("hook/completed");
    expect(run.params.run).toMatchObject({ eventName: "userPromptSubmit", status: "blocked" });
  });
});

describe("app-server: PermissionRequest hooks (acceptance 10)", () => {
  it.each([
    ["allow", { behavior: "allow" }, true],
    ["deny", { behavior: "deny", message: "not today" }, false],
  ])(
    "%s answers the approval: no item/commandExecution/requestApproval reaches the client",
    async (_n, decision, ran) => {
      const fx = await fixture();
      const dir = tempDir("keel-hook-scripts-");
      const out = JSON.stringify({ hookSpecificOutput: { hookEventName: "PermissionRequest", decision } });
      fs.writeFileSync(
        path.join(fx.home, "hooks.json"),
        hooksJson({
          PermissionRequest: [{ matcher: "Bash", command: hookScript(dir, "perm", `echo '${out}'`) }],
        }),
      );
      trustAll(fx);
      const { peer } = stdioServer(fx);
      await peer.initialize();
      const started = await peer.request("thread/start", {
        cwd: fx.workspace,
        approvalPolicy: "on-request",
        sandbox: "read-only",
      });
      const threadId = started.thread.id as string;
      const marker = path.join(fx.workspace, "escalated");
      fx.model.enqueue(
        turn([
          functionCall(
            "exec_command",
            { cmd: `touch ${marker}`, sandbox_permissions: "require_escalated", justification: "need it" },
            "call_p",
          ),
        ]),
        textTurn("ok"),
      );
      const { turn: t } = await peer.request("turn/start", { threadId, input: text("go") });
      await turnCompleted(peer, t.id);
      expect(peer.received.some((m) => m.method === "item/commandExecution/requestApproval")).toBe(false);
      expect(fs.existsSync(marker)).toBe(ran);
      const [payload] = payloads(dir, "perm");
      expect(schemaErrors("permission-request.command.input", payload)).toEqual([]);
      expect(payload).toMatchObject({
        tool_name: "Bash",
        tool_input: { command: `touch ${marker}`, description: "need it" },
      });
    },
  );
});
