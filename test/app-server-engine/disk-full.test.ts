import fs from "node:fs";
import path from "node:path";
import { describe, expect, it, type TestContext } from "vitest";
import { fillUp, useTmpfs } from "../support/tmpfs.js";
import { textTurn } from "../support/model-server.js";
import {
  type Fixture,
  fixture,
  type Message,
  type Peer,
  stdioServer,
  text,
  turnCompleted,
} from "./support.js";

/**
 * A full disk in the middle of a session, on a real (small) tmpfs holding KEEL_HOME: the turn
 * whose items cannot be written fails with the cause, no turn starts until writing works again,
 * and once space returns the unsaved items are written in order — nothing a client saw as
 * completed is missing when the thread is resumed in a fresh process.
 */

const tmpfs = useTmpfs("2m");

/** The fixture with KEEL_HOME moved onto the tmpfs. */
async function fixtureOnTmpfs(mountPoint: string): Promise<Fixture> {
  const home = fs.mkdtempSync(path.join(mountPoint, "home-"));
  const fx = await fixture();
  fs.copyFileSync(path.join(fx.home, "config.toml"), path.join(home, "config.toml"));
  return { ...fx, home, env: { ...fx.env, HOME: home, KEEL_HOME: home } };
}

// Long answers: a turn's lines are larger than a page, so they cannot all fit in the space a
// file's last page still has.
const answer = (n: number) => `answer ${n} ${"lorem ipsum ".repeat(800)}`;

async function startTurn(peer: Peer, threadId: string, prompt: string): Promise<Message> {
  return peer.call("turn/start", { threadId, input: text(prompt) });
}

/**
 * A thread on the tmpfs with one completed turn, then the disk filled and a second turn that
 * fails for it. Null (the test skipped) when no tmpfs can be mounted.
 */
async function failTurnOnFullDisk(ctx: TestContext) {
  const mountPoint = tmpfs.mountPoint;
  if (!mountPoint) {
    ctx.skip(`cannot mount a tmpfs here: ${tmpfs.refused}`);
    return null;
  }
  const fx = await fixtureOnTmpfs(mountPoint);
  const first = stdioServer(fx, "first");
  await first.peer.initialize();
  const { thread } = await first.peer.request("thread/start", { cwd: fx.workspace });
  const threadId = thread.id as string;

  fx.model.enqueue(textTurn(answer(1)));
  const one: string = (await startTurn(first.peer, threadId, "question one")).result.turn.id;
  expect((await turnCompleted(first.peer, one)).params.turn.status).toBe("completed");

  const filler = fillUp(mountPoint);
  fx.model.enqueue(textTurn(answer(2)));
  const two: string = (await startTurn(first.peer, threadId, "question two")).result.turn.id;
  const failed = (await turnCompleted(first.peer, two)).params.turn;
  expect(failed.status).toBe("failed");
  return { fx, first, threadId, one, two, filler, failed };
}

describe("a full disk during a session", () => {
  it("fails the turn that cannot be saved, refuses turns until space returns, then catches up", async (ctx) => {
    const run = await failTurnOnFullDisk(ctx);
    if (!run) return;
    const { fx, first, threadId, one, two, filler, failed } = run;
    expect(failed.error.message).toMatch(
      /^This turn could not be saved: could not write .*rollout-.*\.jsonl: ENOSPC: no space left on device/,
    );

    // While the disk is full no turn starts (the model is never asked); the thread stays usable.
    const refused = await startTurn(first.peer, threadId, "question three");
    expect(refused.error).toEqual({
      code: -32600,
      message: expect.stringMatching(
        new RegExp(
          `^cannot start a turn: thread ${threadId} could not be saved \\(could not write .*ENOSPC: no space left on device`,
        ),
      ),
    });
    expect(fx.model.modelRequests()).toHaveLength(2);
    const { thread: during } = await first.peer.request("thread/read", { threadId, includeTurns: false });
    expect(during.id).toBe(threadId);

    // Space returns: the next turn first writes what was kept, then runs.
    fs.rmSync(filler);
    fx.model.enqueue(textTurn(answer(4)));
    const four = (await startTurn(first.peer, threadId, "question four")).result.turn.id;
    expect((await turnCompleted(first.peer, four)).params.turn.status).toBe("completed");
    first.peer.close();
    expect(await first.exited).toBe(0);

    const file = during.path as string;
    for (const line of fs.readFileSync(file, "utf8").trimEnd().split("\n"))
      expect(() => JSON.parse(line)).not.toThrow();

    const second = stdioServer(fx, "second");
    await second.peer.initialize();
    const resumed = (await second.peer.request("thread/resume", { threadId })).thread;
    expect(resumed.turns.map((t: Message) => [t.id, t.status])).toEqual([
      [one, "completed"],
      [two, "failed"],
      [four, "completed"],
    ]);
    expect(resumed.turns[1].error.message).toBe(failed.error.message);
    const said = resumed.turns.map(
      (t: Message) => t.items.find((i: Message) => i.type === "agentMessage")?.text,
    );
    expect(said).toEqual([answer(1), answer(2), answer(4)]);
    // The model saw the whole conversation again, in order.
    fx.model.enqueue(textTurn("five"));
    const five = (await startTurn(second.peer, threadId, "question five")).result.turn.id;
    expect((await turnCompleted(second.peer, five)).params.turn.status).toBe("completed");
    const input = JSON.stringify(fx.model.modelRequests().at(-1)!.body.input);
    const at = [
      "question one",
      answer(1),
      "question two",
      answer(2),
      "question four",
      answer(4),
      "question five",
    ].map((t) => input.indexOf(t));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  }, 60_000);

  it("shows a turn cut short by an exit on a full disk as interrupted, not in progress, on resume", async (ctx) => {
    const run = await failTurnOnFullDisk(ctx);
    if (!run) return;
    const { fx, first, threadId, one, two, filler } = run;
    const { thread: during } = await first.peer.request("thread/read", { threadId, includeTurns: true });
    expect(during.turns.map((t: Message) => t.status)).toEqual(["completed", "interrupted"]);
    // keel exits while the disk is still full: what it held back is lost.
    first.peer.close();
    await first.exited;
    fs.rmSync(filler);

    const second = stdioServer(fx, "second");
    await second.peer.initialize();
    const resumed = (await second.peer.request("thread/resume", { threadId })).thread;
    expect(resumed.turns.map((t: Message) => [t.id, t.status])).toEqual([
      [one, "completed"],
      [two, "interrupted"],
    ]);
    fx.model.enqueue(textTurn(answer(3)));
    const three = (await startTurn(second.peer, threadId, "question three")).result.turn.id;
    expect((await turnCompleted(second.peer, three)).params.turn.status).toBe("completed");
    const { thread: after } = await second.peer.request("thread/read", { threadId, includeTurns: true });
    expect(after.turns.map((t: Message) => [t.id, t.status])).toEqual([
      [one, "completed"],
      [two, "interrupted"],
      [three, "completed"],
    ]);
  }, 60_000);
});
