import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, stall, textTurn, turn } from "../support/model-server.js";
import { testDatabase } from "../support/postgres.js";
import {
  fixture,
  type Message,
  type Peer,
  runTextTurn,
  text,
  turnCompleted,
  wsServer,
} from "../app-server-engine/support.js";

const db = await testDatabase();

/** `turn/start` until it is accepted (the dead holder's lease lapses first); the response. */
async function startWhenFree(
  peer: Peer,
  params: unknown,
  errors: string[],
  timeoutMs = 20_000,
): Promise<Message> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await peer.call("turn/start", params);
    if (!response.error) return response.result;
    errors.push(response.error.message);
    if (Date.now() > deadline) throw new Error(`turn/start never accepted: ${response.error.message}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A command that needs the user's approval (it asks to leave the sandbox). */
const escalated = (callId: string) =>
  turn([
    functionCall(
      "exec_command",
      {
        cmd: "echo hello > out.txt",
        sandbox_permissions: "require_escalated",
        justification: "write a file",
      },
      callId,
    ),
  ]);

const agentTexts = (turn: Message) =>
  (turn.items as Message[]).filter((i) => i.type === "agentMessage").map((i) => i.text);

describe.skipIf(!db.available)("two app-servers on one PostgreSQL database", () => {
  it("watches across servers, refuses a held thread, fails over after kill -9, and keeps every completed item", async () => {
    const fx = await fixture();
    const store = ["--store", db.url];
    const serverA = await wsServer(fx, { args: store });
    const serverB = await wsServer(fx, { args: store });
    const a = await serverA.connect("A");
    const b = await serverB.connect("B");
    await a.initialize();
    await b.initialize();

    // A runs a thread.
    const { thread } = await a.request("thread/start", { cwd: fx.workspace });
    const threadId = thread.id as string;
    await runTextTurn(fx, a, threadId, "first question", "first answer");

    // A client of B watches it: the stored thread now, A's notifications from then on.
    const resumed = await b.request("thread/resume", { threadId });
    expect(agentTexts(resumed.thread.turns[0])).toEqual(["first answer"]);
    fx.model.enqueue(textTurn("second answer"));
    const second = await a.request("turn/start", { threadId, input: text("second question") });
    await turnCompleted(a, second.turn.id);
    const started = await b.notification("turn/started", (p) => p.turn.id === second.turn.id);
    expect(started.params.threadId).toBe(threadId);
    const seenOnB: Message[] = [];
    for (;;) {
      const item = await b.notification("item/completed", (p) => p.turnId === second.turn.id);
      seenOnB.push(item.params.item);
      if (item.params.item.type === "agentMessage") break;
    }
    expect(seenOnB.map((i) => i.type)).toEqual(["userMessage", "agentMessage"]);
    expect(seenOnB[1]!.text).toBe("second answer");
    const completedOnB = await b.notification("turn/completed", (p) => p.turn.id === second.turn.id);
    expect(completedOnB.params.turn.status).toBe("completed");

    // B may not run a turn while A holds the thread: the error names A…
    const refused = await b.call("turn/start", { threadId, input: text("from B too early") });
    expect(refused.error?.message).toContain("is running on another keel server");
    expect(refused.error?.message).toContain(`pid ${serverA.child.pid}`);
    expect(refused.error?.data?.heldBy?.pid).toBe(serverA.child.pid);
    // …and where its clients reach it, so a client can go there.
    expect(refused.error?.message).toContain(`at ${serverA.url}`);
    expect(refused.error?.data?.heldBy?.address).toBe(serverA.url);

    // An approval asked on A is answered by the client on B; A applies it.
    fx.model.enqueue(escalated("call_across"), textTurn("written"));
    const approvalTurn = await a.request("turn/start", { threadId, input: text("write it") });
    const [askedOnA, askedOnB] = await Promise.all([
      a.serverRequest("item/commandExecution/requestApproval"),
      b.serverRequest("item/commandExecution/requestApproval"),
    ]);
    expect(askedOnB.params).toEqual(askedOnA.params);
    b.send({ id: askedOnB.id, result: { decision: "accept" } });
    expect((await a.notification("serverRequest/resolved")).params.requestId).toBe(askedOnA.id);
    expect((await b.notification("serverRequest/resolved")).params.requestId).toBe(askedOnB.id);
    await turnCompleted(a, approvalTurn.turn.id);
    expect(fs.readFileSync(path.join(fx.workspace, "out.txt"), "utf8")).toBe("hello\n");

    // A dies mid-turn (its model stream stalls; the turn's start is already stored).
    fx.model.enqueue(stall(textTurn("never finished"), 1, 60_000));
    const modelRequestsBefore = fx.model.modelRequests().length;
    const third = await a.request("turn/start", { threadId, input: text("third question") });
    await b.notification("turn/started", (p) => p.turn.id === third.turn.id);
    // A's client saw the user message completed: from then on it must survive the kill.
    await a.notification(
      "item/completed",
      (p) => p.turnId === third.turn.id && p.item.type === "userMessage",
    );
    // turn/started is stored before A calls the model: kill A only once its request took the
    // stalled response, or (on a loaded machine) B's turn after failover would be served it.
    await fx.model.waitForModelRequests(modelRequestsBefore + 1);
    expect(fx.model.pending()).toBe(0);
    serverA.child.kill("SIGKILL");

    // B takes over once A's lease lapses, and runs a turn.
    fx.model.enqueue(textTurn("answer after failover"));
    const errors: string[] = [];
    const fourth = await startWhenFree(b, { threadId, input: text("fourth question") }, errors);
    await turnCompleted(b, fourth.turn.id);
    expect(errors.every((m) => m.includes("is running on another keel server"))).toBe(true);

    // A restarted reads the whole thread: every completed item, the dead turn interrupted.
    const serverA2 = await wsServer(fx, { args: store });
    const a2 = await serverA2.connect("A'");
    await a2.initialize();
    const read = await a2.request("thread/read", { threadId, includeTurns: true });
    const turns = read.thread.turns as Message[];
    expect(turns.map((t) => t.id)).toEqual([
      expect.any(String),
      second.turn.id,
      approvalTurn.turn.id,
      third.turn.id,
      fourth.turn.id,
    ]);
    expect(turns.map((t) => agentTexts(t))).toEqual([
      ["first answer"],
      ["second answer"],
      ["written"],
      [],
      ["answer after failover"],
    ]);
    // The dead turn keeps what was stored before the kill (thread/read, like a crashed single
    // server's rollout, shows it as it was left): at least everything a client saw completed.
    expect(turns[3]!.items.map((i: Message) => i.type)).toEqual(["userMessage"]);
    expect(turns[4]!.status).toBe("completed");
    expect(fx.checker.check()).toEqual([]);
  }, 90_000);
});
