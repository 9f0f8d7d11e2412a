import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, message, type RecordedRequest, turn } from "../support/model-server.js";
import { fixture, stdioServer, text, turnCompleted } from "./support.js";

/**
 * thread/shellCommand (the TUI's `!cmd`) end to end over stdio, against what Codex 0.169 does
 * (/work/capture/uexec2/c169): a turn of its own with one `userShell` command item, run outside
 * the sandbox without review, and a `<user_shell_command>` record the model reads next turn.
 */

type InputItem = { type: string; role?: string; content?: { text?: string }[] };
const inputOf = (request: RecordedRequest) => (request.body as { input: InputItem[] }).input;

describe("thread/shellCommand", () => {
  it("runs the user's command unsandboxed in its own turn, then the model sees it", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const started = await peer.request("thread/start", {
      cwd: fx.workspace,
      approvalPolicy: "on-request",
      sandbox: "read-only",
    });
    const threadId = started.thread.id as string;
    const script = "echo hi; touch made-by-shell; echo err >&2; exit 3";

    expect(await peer.request("thread/shellCommand", { threadId, command: script })).toEqual({});
    const turnStarted = await peer.notification("turn/started");
    const turnId = turnStarted.params.turn.id as string;
    const done = await turnCompleted(peer, turnId);
    expect(done.params.turn.status).toBe("completed");

    const itemStarted = await peer.notification("item/started", (p) => p.item.type === "commandExecution");
    expect(itemStarted.params.turnId).toBe(turnId);
    expect(itemStarted.params.item).toMatchObject({
      command: `/bin/bash -lc '${script}'`,
      cwd: fx.workspace,
      processId: null,
      source: "userShell",
      status: "inProgress",
      commandActions: [{ type: "unknown", command: script }],
    });
    const itemDone = await peer.notification("item/completed", (p) => p.item.type === "commandExecution");
    expect(itemDone.params.item).toMatchObject({
      id: itemStarted.params.item.id,
      source: "userShell",
      status: "failed",
      exitCode: 3,
      aggregatedOutput: "hi\nerr\n",
    });
    const delta = await peer.notification("item/commandExecution/outputDelta");
    expect(delta.params).toMatchObject({ threadId, turnId, itemId: itemStarted.params.item.id });
    // A read-only sandbox does not apply: the user typed the command.
    expect(fs.existsSync(path.join(fx.workspace, "made-by-shell"))).toBe(true);
    // The user's command never asks for approval and never calls the model.
    expect(peer.received.some((m) => m.method === "item/commandExecution/requestApproval")).toBe(false);
    expect(fx.model.modelRequests()).toHaveLength(0);

    const empty = await peer.call("thread/shellCommand", { threadId, command: "  " });
    expect(empty.error).toMatchObject({ code: -32600, message: "command must not be empty" });

    fx.model.enqueue(turn([message("ok")]));
    const next = await peer.request("turn/start", { threadId, input: text("next") });
    await turnCompleted(peer, next.turn.id);
    const input = inputOf(fx.model.modelRequests()[0]!);
    const record = input.find((i) => i.content?.[0]?.text?.startsWith("<user_shell_command>"));
    expect(record?.role).toBe("user");
    expect(record?.content?.[0]?.text).toMatch(
      new RegExp(
        `^<user_shell_command>\\n<command>\\n${script.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n</command>\\n<result>\\nExit code: 3\\nDuration: \\d+\\.\\d{4} seconds\\nOutput:\\nhi\\nerr\\n\\n</result>\\n</user_shell_command>$`,
      ),
    );
    // Like Codex, the record precedes the turn context the next regular turn writes.
    expect(input.findIndex((i) => i === record)).toBeLessThan(
      input.findIndex((i) => i.content?.[0]?.text?.startsWith("<environment_context>")),
    );
  });

  it("runs inside a running turn and joins that turn's history", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const started = await peer.request("thread/start", { cwd: fx.workspace, approvalPolicy: "never" });
    const threadId = started.thread.id as string;
    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: "sleep 2", yield_time_ms: 10_000 }, "call_sleep")]),
      turn([message("done")]),
    );
    const running = await peer.request("turn/start", { threadId, input: text("wait") });
    await peer.notification("item/started", (p) => p.item.id === "call_sleep");
    await peer.request("thread/shellCommand", { threadId, command: "echo aux" });
    const aux = await peer.notification("item/completed", (p) => p.item.source === "userShell");
    expect(aux.params.turnId).toBe(running.turn.id);
    expect(aux.params.item).toMatchObject({ status: "completed", exitCode: 0, aggregatedOutput: "aux\n" });
    expect((await turnCompleted(peer, running.turn.id)).params.turn.status).toBe("completed");
    expect(peer.received.filter((m) => m.method === "turn/started")).toHaveLength(1);
    const after = inputOf(fx.model.modelRequests()[1]!);
    expect(after.some((i) => i.content?.[0]?.text?.includes("<command>\necho aux\n</command>"))).toBe(true);
  });
});
