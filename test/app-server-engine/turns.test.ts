import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  customToolCall,
  failedTurn,
  functionCall,
  message,
  reasoning,
  textTurn,
  turn,
} from "../support/model-server.js";
import { type Fixture, fixture, type Peer, stdioServer, text, turnCompleted } from "./support.js";

/** Turns over the built server's stdio transport (spec app-server.md §7, §9, §13.3). */

const COMMAND = "echo hello > out.txt && cat out.txt";
const escalatedCall = (callId = "call_1") =>
  turn([
    reasoning("**Planning** run a command"),
    functionCall(
      "exec_command",
      { cmd: COMMAND, sandbox_permissions: "require_escalated", justification: "need to write a file" },
      callId,
    ),
  ]);

async function startThread(fx: Fixture, peer: Peer, params: Record<string, unknown> = {}) {
  await peer.initialize();
  const result = await peer.request("thread/start", { cwd: fx.workspace, ...params });
  await peer.notification("thread/started");
  return result.thread.id as string;
}

/** Methods received after the message at `from`, without the global rate-limit notices. */
const trailFrom = (peer: Peer, from: number) =>
  peer
    .trail()
    .slice(from)
    .filter((m) => m !== "account/rateLimits/updated");

describe("turns over stdio", () => {
  it("starts a thread and runs a text turn in Codex's notification order", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const start = await peer.request("thread/start", {
      cwd: fx.workspace,
      approvalPolicy: "on-request",
      sandbox: "read-only",
    });
    expect(start).toMatchObject({
      thread: {
        forkedFromId: null,
        preview: "",
        ephemeral: false,
        modelProvider: "mock_provider",
        status: { type: "idle" },
        cwd: fx.workspace,
        source: "vscode",
        name: null,
        turns: [],
        sessionId: start.thread.id,
      },
      model: "mock-model",
      modelProvider: "mock_provider",
      serviceTier: null,
      cwd: fx.workspace,
      approvalPolicy: "on-request",
      approvalsReviewer: "user",
      sandbox: { type: "readOnly", access: { type: "fullAccess" }, networkAccess: false },
      permissionProfile: {
        network: { enabled: false },
        fileSystem: { entries: [{ path: { type: "special", value: { kind: "root" } }, access: "read" }] },
      },
      reasoningEffort: null,
    });
    expect(start.thread.path).toMatch(/sessions\/\d{4}\/\d{2}\/\d{2}\/rollout-.*\.jsonl$/);
    const started = await peer.notification("thread/started");
    expect(started.params.thread).toEqual(start.thread);

    const threadId = start.thread.id;
    const mark = peer.received.length;
    fx.model.enqueue(turn([reasoning("**Thinking** briefly"), message("Hello there.")]));
    const response = await peer.request("turn/start", { threadId, input: text("say hi") });
    expect(response.turn).toEqual({
      id: response.turn.id,
      items: [],
      status: "inProgress",
      error: null,
      startedAt: null,
      completedAt: null,
      durationMs: null,
    });
    const completed = await turnCompleted(peer, response.turn.id);
    expect(trailFrom(peer, mark)).toEqual([
      "#3",
      "thread/status/changed",
      "turn/started",
      "item/started",
      "item/completed",
      "item/started",
      "item/reasoning/summaryPartAdded",
      "item/reasoning/summaryTextDelta",
      "item/reasoning/summaryTextDelta",
      "item/completed",
      "item/started",
      "item/agentMessage/delta",
      "item/agentMessage/delta",
      "item/completed",
      "thread/tokenUsage/updated",
      "thread/status/changed",
      "turn/completed",
    ]);
    const got = peer.received.slice(mark);
    const byMethod = (m: string) => got.filter((x) => x.method === m).map((x) => x.params);
    expect(byMethod("thread/status/changed").map((p) => p.status)).toEqual([
      { type: "active", activeFlags: [] },
      { type: "idle" },
    ]);
    expect(byMethod("turn/started")[0].turn).toMatchObject({ id: response.turn.id, status: "inProgress" });
    expect(byMethod("turn/started")[0].turn.startedAt).toBeGreaterThan(0);
    const items = byMethod("item/completed").map((p) => p.item);
    expect(items.map((i) => i.type)).toEqual(["userMessage", "reasoning", "agentMessage"]);
    expect(items[0].content).toEqual(text("say hi"));
    expect(items[1]).toMatchObject({ summary: ["**Thinking** briefly"], content: [] });
    expect(items[2]).toMatchObject({ text: "Hello there.", phase: null, memoryCitation: null });
    for (const p of byMethod("item/started")) expect(p.startedAtMs).toBeGreaterThan(0);
    expect(
      byMethod("item/agentMessage/delta")
        .map((p) => p.delta)
        .join(""),
    ).toBe("Hello there.");
    expect(completed.params.turn).toMatchObject({
      id: response.turn.id,
      status: "completed",
      error: null,
      items: [],
    });
    expect(completed.params.turn.durationMs).toBeGreaterThanOrEqual(0);
    const usage = byMethod("thread/tokenUsage/updated").at(-1);
    expect(usage.turnId).toBe(response.turn.id);
    expect(usage.tokenUsage.total).toEqual(usage.tokenUsage.last);
    // Every message so far is valid for keel's schemas and Codex 0.169's (checked again after the test).
    expect(fx.checker.check()).toEqual([]);
    expect(fx.checker.counts.codex).toBeGreaterThanOrEqual(peer.received.length);
    expect(fx.checker.counts.keel).toBeGreaterThanOrEqual(peer.received.length);
  });

  it("asks for approval of an escalated command and runs it once accepted", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    const threadId = await startThread(fx, peer);
    fx.model.enqueue(escalatedCall(), textTurn("The command finished."));
    const mark = peer.received.length;
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("create out.txt") });
    const request = await peer.serverRequest("item/commandExecution/requestApproval");
    expect(request.params).toMatchObject({
      threadId,
      turnId: t.id,
      itemId: "call_1",
      reason: "need to write a file",
      command: `/bin/bash -lc '${COMMAND}'`,
      cwd: fx.workspace,
      commandActions: [{ type: "unknown", command: COMMAND }],
    });
    const argv = ["/bin/bash", "-lc", COMMAND];
    expect(request.params.proposedExecpolicyAmendment).toEqual(argv);
    expect(request.params.availableDecisions).toEqual([
      "accept",
      { acceptWithExecpolicyAmendment: { execpolicy_amendment: argv } },
      "acceptForSession",
      "decline",
      "cancel",
    ]);
    peer.send({ id: request.id, result: { decision: "accept" } });
    await turnCompleted(peer, t.id);
    expect(trailFrom(peer, mark)).toEqual([
      "#3",
      "thread/status/changed",
      "turn/started",
      "item/started",
      "item/completed",
      "item/started",
      "item/reasoning/summaryPartAdded",
      "item/reasoning/summaryTextDelta",
      "item/reasoning/summaryTextDelta",
      "item/reasoning/summaryTextDelta",
      "item/reasoning/summaryTextDelta",
      "item/completed",
      // As in Codex (spec §13.3): usage when the response completes, before the tool runs.
      "thread/tokenUsage/updated",
      "thread/status/changed",
      "item/started",
      "item/commandExecution/requestApproval",
      "serverRequest/resolved",
      "thread/status/changed",
      "item/commandExecution/outputDelta",
      "item/completed",
      "item/started",
      "item/agentMessage/delta",
      "item/agentMessage/delta",
      "item/agentMessage/delta",
      "item/completed",
      "thread/tokenUsage/updated",
      "thread/status/changed",
      "turn/completed",
    ]);
    const got = peer.received.slice(mark);
    const commandItems = got
      .filter((m) => m.method?.startsWith("item/") && m.params?.item?.type === "commandExecution")
      .map((m) => [m.method, m.params.item.source]);
    expect(commandItems).toEqual([
      ["item/started", "agent"],
      ["item/completed", "unifiedExecStartup"],
    ]);
    expect(got.filter((m) => m.method === "thread/status/changed").map((m) => m.params.status)).toEqual([
      { type: "active", activeFlags: [] },
      { type: "active", activeFlags: ["waitingOnApproval"] },
      { type: "active", activeFlags: [] },
      { type: "idle" },
    ]);
    expect(got.find((m) => m.method === "serverRequest/resolved")!.params).toEqual({
      threadId,
      requestId: request.id,
    });
    const command = got.filter((m) => m.method === "item/completed").map((m) => m.params.item)[2];
    expect(command).toMatchObject({
      type: "commandExecution",
      id: "call_1",
      status: "completed",
      aggregatedOutput: "hello\n",
      exitCode: 0,
    });
    expect(command.durationMs).toBeGreaterThanOrEqual(0);
    expect(fs.readFileSync(path.join(fx.workspace, "out.txt"), "utf8")).toBe("hello\n");
    // The model got the command's output.
    const followUp = fx.model.modelRequests()[1]!.body.input as { type: string; output?: string }[];
    expect(followUp.find((i) => i.type === "function_call_output")?.output).toContain("hello");
  });

  // An answer that is not a valid decision counts as a decline, and its request is still resolved.
  it.each([
    ["declines", "decline"],
    ["an invalid decision declines", "approve-everything"],
  ])("%s: the command does not run and the turn goes on", async (_name, decision) => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    const threadId = await startThread(fx, peer);
    fx.model.enqueue(escalatedCall(), textTurn("Skipped it."));
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("create out.txt") });
    const request = await peer.serverRequest("item/commandExecution/requestApproval");
    peer.send({ id: request.id, result: { decision } });
    const resolved = await peer.notification("serverRequest/resolved");
    expect(resolved.params).toEqual({ threadId, requestId: request.id });
    const item = await peer.notification("item/completed", (p) => p.item.type === "commandExecution");
    expect(item.params.item).toMatchObject({
      status: "declined",
      processId: null,
      aggregatedOutput: null,
      exitCode: null,
      durationMs: null,
    });
    const done = await turnCompleted(peer, t.id);
    expect(done.params.turn.status).toBe("completed");
    expect(fs.existsSync(path.join(fx.workspace, "out.txt"))).toBe(false);
  });

  it("interrupting while an approval is pending withdraws it after turn/completed", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    const threadId = await startThread(fx, peer);
    fx.model.enqueue(escalatedCall());
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("create out.txt") });
    const request = await peer.serverRequest("item/commandExecution/requestApproval");
    const mark = peer.received.length;
    expect(await peer.request("turn/interrupt", { threadId, turnId: t.id })).toEqual({});
    await peer.notification("serverRequest/resolved");
    // Usage may be reported first (spec §7.4: "(thread/tokenUsage/updated)").
    const after = trailFrom(peer, mark).filter(
      (m) => m !== "item/completed" && m !== "thread/tokenUsage/updated",
    );
    expect(after).toEqual(["#4", "thread/status/changed", "turn/completed", "serverRequest/resolved"]);
    const got = peer.received.slice(mark);
    expect(got.find((m) => m.method === "thread/status/changed")!.params.status).toEqual({ type: "idle" });
    expect(got.find((m) => m.method === "turn/completed")!.params.turn).toMatchObject({
      status: "interrupted",
      error: null,
    });
    expect(got.find((m) => m.method === "serverRequest/resolved")!.params.requestId).toBe(request.id);
    // An answer to the withdrawn request is ignored.
    peer.send({ id: request.id, result: { decision: "accept" } });
    expect(
      await peer.request("turn/interrupt", { threadId, turnId: t.id }).catch((e: Error) => e.message),
    ).toBe("turn/interrupt: no active turn to interrupt");
    expect(fs.existsSync(path.join(fx.workspace, "out.txt"))).toBe(false);
  });

  it("cancel declines and interrupts the turn", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    const threadId = await startThread(fx, peer);
    fx.model.enqueue(escalatedCall());
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("create out.txt") });
    const request = await peer.serverRequest("item/commandExecution/requestApproval");
    peer.send({ id: request.id, result: { decision: "cancel" } });
    const done = await turnCompleted(peer, t.id);
    expect(done.params.turn.status).toBe("interrupted");
  });

  it("reports a failed turn: systemError, then error, then turn/completed failed", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    const threadId = await startThread(fx, peer);
    fx.model.enqueue(failedTurn("the model is on fire"));
    const mark = peer.received.length;
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("hi") });
    const done = await turnCompleted(peer, t.id);
    const tail = trailFrom(peer, mark).slice(-3);
    expect(tail).toEqual(["thread/status/changed", "error", "turn/completed"]);
    const got = peer.received.slice(mark);
    expect(got.filter((m) => m.method === "thread/status/changed").at(-1)!.params.status).toEqual({
      type: "systemError",
    });
    const error = got.find((m) => m.method === "error")!.params;
    expect(error).toMatchObject({ threadId, turnId: t.id, willRetry: false });
    expect(error.error.message).toContain("the model is on fire");
    expect(done.params.turn).toMatchObject({ status: "failed", error: { message: error.error.message } });
    // The next turn starts from `systemError` back to active.
    fx.model.enqueue(textTurn("better now"));
    const next = await peer.request("turn/start", { threadId, input: text("again") });
    expect((await turnCompleted(peer, next.turn.id)).params.turn.status).toBe("completed");
  });

  it("answers turn errors with Codex's messages", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    const threadId = await startThread(fx, peer);
    const error = async (method: string, params: unknown) => (await peer.call(method, params)).error;
    expect(await error("turn/start", { threadId: "nope", input: text("x") })).toEqual({
      code: -32600,
      message: "thread not found: nope",
    });
    expect((await error("turn/start", { threadId, input: [] })).message).toBe("input must not be empty");
    expect((await error("turn/steer", { threadId, input: text("x"), expectedTurnId: "t" })).message).toBe(
      "no active turn to steer",
    );
    expect((await error("turn/interrupt", { threadId, turnId: "t" })).message).toBe(
      "no active turn to interrupt",
    );

    // Steering the running turn (waiting for an approval) and a mismatched expected turn id.
    fx.model.enqueue(escalatedCall(), textTurn("Done after steering."));
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("create out.txt") });
    const request = await peer.serverRequest("item/commandExecution/requestApproval");
    expect((await error("turn/steer", { threadId, input: text("x"), expectedTurnId: "other" })).message).toBe(
      `expected active turn id \`other\` but found \`${t.id}\``,
    );
    expect(
      await peer.request("turn/steer", { threadId, input: text("also say bye"), expectedTurnId: t.id }),
    ).toEqual({
      turnId: t.id,
    });
    peer.send({ id: request.id, result: { decision: "decline" } });
    await turnCompleted(peer, t.id);
    const users = peer.received
      .filter((m) => m.method === "item/completed" && m.params.item.type === "userMessage")
      .map((m) => m.params.item.content[0].text);
    expect(users).toEqual(["create out.txt", "also say bye"]);
  });

  it("asks before applying a patch; accepted edits complete with the turn's diff, declined ones are marked", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    // A model offered apply_patch (an unknown model is not, and its calls are refused, as in Codex).
    const threadId = await startThread(fx, peer, { model: "gpt-5.5" });
    const patch = (file: string) => `*** Begin Patch\n*** Add File: ${file}\n+hello\n*** End Patch\n`;
    fx.model.enqueue(
      turn([customToolCall("apply_patch", patch("added.txt"), "call_patch")]),
      textTurn("Added."),
      turn([customToolCall("apply_patch", patch("refused.txt"), "call_refused")]),
      textTurn("Left it."),
    );
    const mark = peer.received.length;
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("add a file") });
    const request = await peer.serverRequest("item/fileChange/requestApproval");
    expect(request.params).toMatchObject({ threadId, turnId: t.id, itemId: "call_patch" });
    const started = peer.received
      .slice(mark)
      .find((m) => m.method === "item/started" && m.params.item.type === "fileChange");
    expect(started!.params.item).toEqual({
      type: "fileChange",
      id: "call_patch",
      changes: [{ path: path.join(fx.workspace, "added.txt"), kind: { type: "add" }, diff: "hello\n" }],
      status: "inProgress",
    });
    peer.send({ id: request.id, result: { decision: "accept" } });
    const completed = await peer.notification("item/completed", (p) => p.item.type === "fileChange");
    expect(completed.params.item).toMatchObject({ id: "call_patch", status: "completed" });
    const diff = await peer.notification("turn/diff/updated");
    expect(diff.params.diff).toContain("+hello");
    await turnCompleted(peer, t.id);
    expect(fs.readFileSync(path.join(fx.workspace, "added.txt"), "utf8")).toBe("hello\n");
    const trail = trailFrom(peer, mark);
    expect(trail.indexOf("item/fileChange/requestApproval")).toBeGreaterThan(trail.indexOf("item/started"));
    expect(trail.filter((m) => m === "item/started").length).toBe(
      trail.filter((m) => m === "item/completed").length,
    );

    const second = await peer.request("turn/start", { threadId, input: text("add another") });
    const refused = await peer.serverRequest("item/fileChange/requestApproval");
    peer.send({ id: refused.id, result: { decision: "decline" } });
    const declined = await peer.notification("item/completed", (p) => p.item.id === "call_refused");
    expect(declined.params.item.status).toBe("declined");
    await turnCompleted(peer, second.turn.id);
    expect(fs.existsSync(path.join(fx.workspace, "refused.txt"))).toBe(false);
  });
});
