import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { functionCall, message, type RecordedRequest, turn } from "../support/model-server.js";
import { fixture, type Peer, stdioServer, text, turnCompleted } from "./support.js";

/** exec_command sessions and write_stdin end to end: keel app-server, scripted model, real bwrap. */

type InputItem = { type: string; output?: string; role?: string; content?: { text?: string }[] };
const inputOf = (request: RecordedRequest) => (request.body as { input: InputItem[] }).input;
const lastOutput = (request: RecordedRequest): string =>
  inputOf(request)
    .filter((i) => i.type === "function_call_output")
    .at(-1)?.output ?? "";
/** The session id in the last tool output the model got. */
const sessionIn = (request: RecordedRequest): number =>
  Number(/Process running with session ID (\d+)/.exec(lastOutput(request))?.[1]);
const writeTurn = (chars: string, callId: string) => (request: RecordedRequest) =>
  turn([functionCall("write_stdin", { session_id: sessionIn(request), chars, yield_time_ms: 500 }, callId)]);

const sleeping = (m: string) =>
  fs.readdirSync("/proc").some((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim() === `sleep ${m}`;
    } catch {
      return false;
    }
  });

async function startThread(peer: Peer, cwd: string): Promise<string> {
  await peer.initialize();
  const result = await peer.request("thread/start", {
    cwd,
    approvalPolicy: "never",
    sandbox: "workspace-write",
  });
  return result.thread.id as string;
}

describe("unified exec over the app-server", () => {
  it("a tty session takes three write_stdin calls, then an interrupted session is polled next turn", async () => {
    const fx = await fixture();
    const { peer, child } = stdioServer(fx);
    const threadId = await startThread(peer, fx.workspace);

    // Turn 1: `cat` on a terminal, two lines and an EOF.
    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: "cat", tty: true, yield_time_ms: 500 }, "call_cat")]),
      writeTurn("one\n", "call_w1"),
      writeTurn("two\n", "call_w2"),
      writeTurn("\u0004", "call_w3"),
      (request) => turn([message(`last: ${lastOutput(request).split("\n")[2]}`)]),
    );
    const first = await peer.request("turn/start", { threadId, input: text("talk to cat") });
    expect((await turnCompleted(peer, first.turn.id)).params.turn.status).toBe("completed");

    const requests = fx.model.modelRequests();
    expect(lastOutput(requests[2]!)).toMatch(/Output:\none\r\none\r\n$/);
    expect(lastOutput(requests[3]!)).toMatch(/Output:\ntwo\r\ntwo\r\n$/);
    expect(lastOutput(requests[4]!)).toContain("Process exited with code 0");
    const started = await peer.notification(
      "item/started",
      (p) => p.item.type === "commandExecution" && p.item.id === "call_cat",
    );
    const processId = started.params.item.processId as string;
    expect(started.params.item).toMatchObject({ source: "unifiedExecStartup", status: "inProgress" });
    expect(processId).toMatch(/^\d{4,5}$/);
    const interactions: string[] = [];
    for (let i = 0; i < 3; i++) {
      const n = await peer.notification("item/commandExecution/terminalInteraction");
      expect(n.params).toMatchObject({ threadId, turnId: first.turn.id, itemId: "call_cat", processId });
      interactions.push(n.params.stdin);
    }
    expect(interactions).toEqual(["one\n", "two\n", "\u0004"]);
    const completed = await peer.notification(
      "item/completed",
      (p) => p.item.type === "commandExecution" && p.item.id === "call_cat",
    );
    expect(completed.params.item).toMatchObject({
      status: "completed",
      exitCode: 0,
      processId,
      source: "unifiedExecStartup",
    });
    expect(completed.params.item.aggregatedOutput).toContain("two\r\ntwo\r\n");
    const delta = await peer.notification("item/commandExecution/outputDelta");
    expect(delta.params.itemId).toBe("call_cat");

    // Turn 2: a long yield, interrupted; turn 3 polls the same process.
    const m = `${400 + Math.floor(Math.random() * 500)}.${Math.floor(Math.random() * 1000)}`;
    fx.model.enqueue(
      turn([
        functionCall("exec_command", { cmd: `echo ready; sleep ${m}`, yield_time_ms: 30_000 }, "call_bg"),
      ]),
    );
    const second = await peer.request("turn/start", { threadId, input: text("start it") });
    const bg = await peer.notification("item/started", (p) => p.item.id === "call_bg");
    for (let i = 0; i < 100 && !sleeping(m); i++) await sleep(20);
    await peer.request("turn/interrupt", { threadId, turnId: second.turn.id });
    expect((await turnCompleted(peer, second.turn.id)).params.turn.status).toBe("interrupted");
    expect(sleeping(m)).toBe(true);

    fx.model.enqueue(
      () =>
        turn([
          functionCall(
            "write_stdin",
            { session_id: Number(bg.params.item.processId), yield_time_ms: 1000 },
            "call_poll",
          ),
        ]),
      turn([message("still running")]),
    );
    const third = await peer.request("turn/start", { threadId, input: text("check it") });
    expect((await turnCompleted(peer, third.turn.id)).params.turn.status).toBe("completed");
    const [pollRequest, answerRequest] = fx.model.modelRequests().slice(-2);
    const history = inputOf(pollRequest!);
    expect(
      history.find((i) => i.type === "function_call_output" && i.output?.includes("aborted"))?.output,
    ).toMatch(/^Wall time: \d+\.\d seconds\naborted by user$/);
    expect(JSON.stringify(history)).toContain(
      "<turn_aborted>\\nThe user interrupted the previous turn on purpose. Any running unified exec processes may still be running in the background.",
    );
    const poll = lastOutput(answerRequest!);
    expect(poll).toContain(`Process running with session ID ${bg.params.item.processId}`);
    expect(poll).toMatch(/Output:\nready\n$/);

    const listed = await peer.request("thread/backgroundTerminals/list", { threadId });
    expect(listed).toEqual({
      data: [
        {
          itemId: "call_bg",
          processId: bg.params.item.processId,
          command: `echo ready; sleep ${m}`,
          cwd: fx.workspace,
          osPid: null,
          cpuPercent: null,
          rssKb: null,
        },
      ],
      nextCursor: null,
    });
    expect(
      await peer.request("thread/backgroundTerminals/terminate", { threadId, processId: "999999" }),
    ).toEqual({ terminated: false });

    // clean kills the process group; the item ends as failed with -1 under the turn that started it.
    expect(await peer.request("thread/backgroundTerminals/clean", { threadId })).toEqual({});
    const cleaned = await peer.notification("item/completed", (p) => p.item.id === "call_bg");
    expect(cleaned.params).toMatchObject({
      turnId: second.turn.id,
      item: { status: "failed", exitCode: -1, processId: bg.params.item.processId },
    });
    for (let i = 0; i < 100 && sleeping(m); i++) await sleep(20);
    expect(sleeping(m)).toBe(false);
    expect((await peer.request("thread/backgroundTerminals/list", { threadId })).data).toEqual([]);

    // A process still running when the server shuts down dies with its thread — also one outside
    // bwrap, which has no parent-death signal to rely on.
    const m2 = `${m}1`;
    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: `sleep ${m2}`, yield_time_ms: 250 }, "call_last")]),
      turn([message("left running")]),
    );
    const fourth = await peer.request("turn/start", {
      threadId,
      input: text("one more"),
      sandboxPolicy: { type: "dangerFullAccess" },
    });
    await turnCompleted(peer, fourth.turn.id);
    expect(sleeping(m2)).toBe(true);
    peer.close();
    await new Promise((resolve) => child.once("exit", resolve));
    for (let i = 0; i < 100 && sleeping(m2); i++) await sleep(20);
    expect(sleeping(m2)).toBe(false);
  });

  it("an escalated terminal asks before each write (kind writeStdin); a decline reaches the model", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const thread = await peer.request("thread/start", {
      cwd: fx.workspace,
      approvalPolicy: "on-request",
      sandbox: "workspace-write",
    });
    const threadId = thread.thread.id as string;
    fx.model.enqueue(
      turn([
        functionCall(
          "exec_command",
          {
            cmd: "cat",
            tty: true,
            yield_time_ms: 500,
            sandbox_permissions: "require_escalated",
            justification: "run cat outside the sandbox",
          },
          "call_cat",
        ),
      ]),
      writeTurn("echo one\n", "call_w1"),
      writeTurn("two\n", "call_w2"),
      // The last output is the refusal: take the session id from the first answer.
      () =>
        turn([
          functionCall(
            "write_stdin",
            { session_id: sessionIn(fx.model.modelRequests()[1]!), chars: "\u0004", yield_time_ms: 500 },
            "call_w3",
          ),
        ]),
      turn([message("done")]),
    );
    const started = await peer.request("turn/start", { threadId, input: text("talk to an escalated cat") });
    const answer = async (decision: string) => {
      const request = await peer.serverRequest("item/commandExecution/requestApproval");
      peer.send({ id: request.id, result: { decision } });
      return request.params;
    };
    // The command itself: an ordinary approval.
    expect((await answer("accept")).kind).toBeUndefined();
    const first = await answer("accept");
    // The session id the model was given (the item's processId is null while it waited).
    const processId = sessionIn(fx.model.modelRequests()[1]!);
    expect(first).toMatchObject({
      threadId,
      turnId: started.turn.id,
      itemId: "call_cat",
      approvalId: "call_w1",
      kind: "writeStdin",
      command: `write_stdin --session-id ${processId} 'echo one\n'`,
      commandActions: [{ type: "unknown", command: `write_stdin --session-id ${processId} 'echo one\n'` }],
      reason:
        "Send input to an existing terminal. This terminal was launched outside the sandbox, bypassing any managed network proxy. The cwd is its launch directory; the terminal's current directory and state may have changed.",
      availableDecisions: ["accept", "cancel"],
    });
    expect(await answer("decline")).toMatchObject({ approvalId: "call_w2", kind: "writeStdin" });
    expect(await answer("accept")).toMatchObject({ approvalId: "call_w3", kind: "writeStdin" });
    expect((await turnCompleted(peer, started.turn.id)).params.turn.status).toBe("completed");

    const requests = fx.model.modelRequests();
    expect(lastOutput(requests[2]!)).toMatch(/Output:\necho one\r\necho one\r\n$/);
    expect(lastOutput(requests[3]!)).toBe("write_stdin rejected: rejected by user");
    expect(lastOutput(requests[4]!)).toContain("Process exited with code 0");
  });
});
