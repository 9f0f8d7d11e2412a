import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { INDEX_DB_FILE } from "../../src/rollout/index-db.js";
import { stall, textTurn } from "../support/model-server.js";
import {
  type Fixture,
  fixture,
  type Message,
  runTextTurn,
  stdioServer,
  text,
  turnCompleted,
} from "./support.js";

/**
 * thread/delete, thread/revert, thread/items/list, thread/search, thread/metadata/update and
 * thread/fork with lastTurnId/beforeTurnId against the real `keel app-server` (every message is
 * checked against keel's and Codex 0.169's schemas by the fixture). Shapes and error texts were
 * observed on `codex app-server` 0.169.
 */

const runTurn = runTextTurn;

/** A server with a stored thread of three turns ("first apple", "second banana", "third cherry"). */
async function threeTurns(fx: Fixture) {
  const server = stdioServer(fx);
  await server.peer.initialize();
  const { thread } = await server.peer.request("thread/start", { cwd: fx.workspace });
  const threadId = thread.id as string;
  const turnIds = [
    await runTurn(fx, server.peer, threadId, "first apple", "Apple noted."),
    await runTurn(fx, server.peer, threadId, "second banana", "Banana noted."),
    await runTurn(fx, server.peer, threadId, "third cherry", "Cherry noted."),
  ];
  const { thread: read } = await server.peer.request("thread/read", { threadId });
  return { ...server, threadId, turnIds, rollout: read.path as string };
}

function indexRow(fx: Fixture, threadId: string): Record<string, unknown> | undefined {
  const db = new Database(path.join(fx.home, INDEX_DB_FILE), { readonly: true });
  try {
    return db.prepare("SELECT * FROM threads WHERE id = ?").get(threadId) as
      | Record<string, unknown>
      | undefined;
  } finally {
    db.close();
  }
}

const startedTurns = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.includes('"task_started"'))
    .map((l) => JSON.parse(l).payload.turn_id as string);

async function killed(server: { child: ChildProcess; exited: Promise<number | null> }) {
  server.child.kill("SIGKILL");
  await server.exited;
}

describe("thread/delete", () => {
  it("removes the rollout and the index row, notifies, and stays deleted after kill -9", async () => {
    const fx = await fixture();
    const first = await threeTurns(fx);
    expect(indexRow(fx, first.threadId)).toBeDefined();

    expect(await first.peer.request("thread/delete", { threadId: first.threadId })).toEqual({});
    await first.peer.notification("thread/deleted", (p) => p.threadId === first.threadId);
    expect(fs.existsSync(first.rollout)).toBe(false);
    expect(indexRow(fx, first.threadId)).toBeUndefined();
    expect((await first.peer.call("thread/delete", { threadId: first.threadId })).error).toEqual({
      code: -32600,
      message: `no rollout found for thread id ${first.threadId}`,
    });
    await killed(first);

    const second = stdioServer(fx, "second");
    await second.peer.initialize();
    const { data } = await second.peer.request("thread/list", {});
    expect(data.map((t: Message) => t.id)).not.toContain(first.threadId);
    expect((await second.peer.call("thread/read", { threadId: first.threadId })).error.message).toBe(
      `thread not loaded: ${first.threadId}`,
    );
    expect((await second.peer.call("thread/resume", { threadId: first.threadId })).error.message).toBe(
      `no rollout found for thread id ${first.threadId}`,
    );
  });

  it("interrupts a running turn first, so nothing writes into the deleted rollout (as Codex 0.169)", async () => {
    const fx = await fixture();
    const first = await threeTurns(fx);
    // The model answers the fourth turn only after the delete: a turn left running would
    // then append its reply to the rollout (or recreate it).
    fx.model.enqueue(stall(textTurn("Too late."), 1, 1500));
    const { turn } = await first.peer.request("turn/start", {
      threadId: first.threadId,
      input: text("fourth"),
    });
    await first.peer.notification("turn/started", (p) => p.turn.id === turn.id);
    const deleting = first.peer.call("thread/delete", { threadId: first.threadId });
    const done = await turnCompleted(first.peer, turn.id);
    expect(done.params.turn.status).toBe("interrupted");
    const deleted = await deleting;
    expect(deleted.result).toEqual({});
    await first.peer.notification("thread/deleted", (p) => p.threadId === first.threadId);
    // Codex's order: the turn ends, then the delete answers, then thread/deleted.
    const trail = first.peer.trail();
    const answered = trail.indexOf(`#${deleted.id}`);
    expect(trail.lastIndexOf("turn/completed")).toBeLessThan(answered);
    expect(trail.indexOf("thread/deleted")).toBeGreaterThan(answered);
    // Past the model's stall: the reply arrived nowhere.
    await new Promise((r) => setTimeout(r, 2500));
    expect(fs.existsSync(first.rollout)).toBe(false);
    expect(fs.readdirSync(path.dirname(first.rollout))).toEqual([]);
    expect(indexRow(fx, first.threadId)).toBeUndefined();
    const { data } = await first.peer.request("thread/list", {});
    expect(data.map((t: Message) => t.id)).not.toContain(first.threadId);
  });
});

describe("thread/revert", () => {
  it("cuts the stored history before a turn, durably (kill -9), and the model no longer sees it", async () => {
    const fx = await fixture();
    const first = await threeTurns(fx);
    const [t1, t2, t3] = first.turnIds;

    expect(
      (await first.peer.call("thread/revert", { threadId: first.threadId, beforeTurnId: "nope" })).error,
    ).toEqual({ code: -32600, message: "turn not found: nope" });
    const result = await first.peer.request("thread/revert", { threadId: first.threadId, beforeTurnId: t3 });
    expect(result.thread).toMatchObject({ id: first.threadId, turns: [], status: { type: "idle" } });
    expect(result.turnsBackwardsCursor).toEqual(expect.any(String));
    expect(result.itemsBackwardsCursor).toEqual(expect.any(String));
    await first.peer.notification("thread/reverted", (p) => p.threadId === first.threadId);
    expect(startedTurns(first.rollout)).toEqual([t1, t2]);

    // The cursors of the response page the kept history backwards, newest first.
    const turns = await first.peer.request("thread/turns/list", {
      threadId: first.threadId,
      cursor: result.turnsBackwardsCursor,
      sortDirection: "desc",
    });
    expect(turns.data.map((t: Message) => t.id)).toEqual([t2, t1]);
    const items = await first.peer.request("thread/items/list", {
      threadId: first.threadId,
      cursor: result.itemsBackwardsCursor,
      sortDirection: "desc",
      limit: 1,
    });
    expect(items.data).toEqual([
      expect.objectContaining({ turnId: t2, item: expect.objectContaining({ text: "Banana noted." }) }),
    ]);
    await killed(first);

    const second = stdioServer(fx, "second");
    await second.peer.initialize();
    const { thread } = await second.peer.request("thread/resume", { threadId: first.threadId });
    expect(thread.turns.map((t: Message) => t.id)).toEqual([t1, t2]);
    await runTurn(fx, second.peer, first.threadId, "fourth", "Done.");
    const input = JSON.stringify(fx.model.modelRequests().at(-1)!.body.input);
    expect(input).toContain("second banana");
    expect(input).not.toContain("third cherry");
    expect(startedTurns(first.rollout)).toHaveLength(3);
  });

  it("a turn started while a revert is reading the history is not silently aborted by it", async () => {
    const fx = await fixture();
    const first = await threeTurns(fx);
    const [t1, t2, t3] = first.turnIds;
    // The turn holds the model for a while, so it is still running when the revert goes on.
    fx.model.enqueue(stall(textTurn("Late."), 1, 1500));
    // Sent together: the revert checks "no turn running", then reads the history, while the
    // turn starts.
    const reverting = first.peer.call("thread/revert", { threadId: first.threadId, beforeTurnId: t3 });
    const starting = first.peer.call("turn/start", { threadId: first.threadId, input: text("fourth") });
    const [revert, start] = await Promise.all([reverting, starting]);
    if (start.result) {
      // The turn won the race: the revert must be refused and the turn must complete.
      expect(revert.error?.message).toBe(`cannot revert thread ${first.threadId} while a turn is running`);
      const done = await turnCompleted(first.peer, start.result.turn.id);
      expect(done.params.turn.status).toBe("completed");
      expect(startedTurns(first.rollout)).toEqual([t1, t2, t3, start.result.turn.id]);
    } else {
      expect(revert.result).toBeDefined();
      expect(startedTurns(first.rollout)).toEqual([t1, t2]);
    }
  });

  it("reverts a thread that is not loaded (down to no turns at all)", async () => {
    const fx = await fixture();
    const first = await threeTurns(fx);
    first.peer.close();
    await first.exited;
    const second = stdioServer(fx, "second");
    await second.peer.initialize();
    const result = await second.peer.request("thread/revert", {
      threadId: first.threadId,
      beforeTurnId: first.turnIds[0],
    });
    expect(result.thread).toMatchObject({ id: first.threadId, status: { type: "notLoaded" }, turns: [] });
    expect(result.turnsBackwardsCursor).toBeNull();
    expect(startedTurns(first.rollout)).toEqual([]);
    expect(indexRow(fx, first.threadId)).toBeDefined();
  });
});

describe("thread/items/list", () => {
  it("limit 0 is a page of one, as Codex 0.169 answers it", async () => {
    const fx = await fixture();
    const { peer, threadId, turnIds } = await threeTurns(fx);
    const page = await peer.request("thread/items/list", { threadId, limit: 0 });
    expect(page.data.map((e: Message) => [e.turnId, e.item.type])).toEqual([[turnIds[0], "userMessage"]]);
    expect(page.nextCursor).not.toBeNull();
    const next = await peer.request("thread/items/list", { threadId, limit: 0, cursor: page.nextCursor });
    expect(next.data.map((e: Message) => [e.turnId, e.item.type])).toEqual([[turnIds[0], "agentMessage"]]);
  });

  it("pages items across turns, within one turn, backwards and from an item anchor", async () => {
    const fx = await fixture();
    const { peer, threadId, turnIds } = await threeTurns(fx);
    const all = await peer.request("thread/items/list", { threadId });
    expect(all.data.map((e: Message) => [e.turnId, e.item.type])).toEqual(
      turnIds.flatMap((id) => [
        [id, "userMessage"],
        [id, "agentMessage"],
      ]),
    );
    expect(all.nextCursor).toBeNull();

    const pages: Message[][] = [];
    let cursor: string | null = null;
    do {
      const page: Message = await peer.request("thread/items/list", { threadId, limit: 4, cursor });
      pages.push(page.data);
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([4, 2]);
    expect(pages.flat()).toEqual(all.data);

    const desc = await peer.request("thread/items/list", { threadId, sortDirection: "desc", limit: 3 });
    expect(desc.data).toEqual([...all.data].reverse().slice(0, 3));

    const inTurn = await peer.request("thread/items/list", { threadId, turnId: turnIds[1] });
    expect(inTurn.data).toEqual(all.data.slice(2, 4));
    const anchored = await peer.request("thread/items/list", {
      threadId,
      turnId: turnIds[1],
      cursor: { type: "item", itemId: all.data[2].item.id },
    });
    expect(anchored.data).toEqual(all.data.slice(3, 4));
    expect((await peer.request("thread/items/list", { threadId, turnId: "nope" })).data).toEqual([]);
    expect((await peer.call("thread/items/list", { threadId, cursor: "garbage" })).error.code).toBe(-32600);
  });
});

describe("thread/search", () => {
  it("finds threads by message text with a snippet", async () => {
    const fx = await fixture();
    const { peer, threadId } = await threeTurns(fx);
    const hit = await peer.request("thread/search", { searchTerm: "BANANA" });
    expect(hit.data).toEqual([
      { thread: expect.objectContaining({ id: threadId }), snippet: "second banana" },
    ]);
    expect((await peer.request("thread/search", { searchTerm: "zzz" })).data).toEqual([]);
    expect((await peer.call("thread/search", { searchTerm: " " })).error).toEqual({
      code: -32600,
      message: "thread/search requires a non-empty searchTerm",
    });
    // A cursor it never handed out is refused, not read as "from the start" or "from the end".
    for (const cursor of ["-1", "abc", "1.5"])
      expect((await peer.call("thread/search", { searchTerm: "banana", cursor })).error).toEqual({
        code: -32600,
        message: `invalid cursor: ${cursor}`,
      });
  });
});

describe("thread/metadata/update", () => {
  it("patches the stored git info and keeps it while the thread writes on", async () => {
    const fx = await fixture();
    const { peer, threadId } = await threeTurns(fx);
    const { thread } = await peer.request("thread/metadata/update", {
      threadId,
      gitInfo: { branch: "feat", sha: null },
    });
    expect(thread.gitInfo).toEqual({ sha: null, branch: "feat", originUrl: null });
    expect(indexRow(fx, threadId)).toMatchObject({ git_branch: "feat", git_sha: null });
    await runTurn(fx, peer, threadId, "more", "Ok.");
    expect(indexRow(fx, threadId)).toMatchObject({ git_branch: "feat" });
    const listed = (await peer.request("thread/list", {})).data.find((t: Message) => t.id === threadId);
    expect(listed.gitInfo).toMatchObject({ branch: "feat" });

    for (const [params, message] of [
      [{ threadId }, "thread metadata update must include at least one field"],
      [{ threadId, gitInfo: { branch: "" } }, "gitInfo.branch must not be empty"],
      [{ threadId, projectId: "p1" }, "project not found: p1"],
    ] as const) {
      expect((await peer.call("thread/metadata/update", params)).error).toEqual({ code: -32600, message });
    }
  });
});

describe("thread/fork with lastTurnId / beforeTurnId", () => {
  it("copies the history through or before a turn", async () => {
    const fx = await fixture();
    const { peer, threadId, turnIds } = await threeTurns(fx);
    const [t1, t2] = turnIds;

    const through = await peer.request("thread/fork", { threadId, lastTurnId: t1 });
    expect(through.thread.turns.map((t: Message) => t.id)).toEqual([t1]);
    expect(startedTurns(through.thread.path)).toEqual([t1]);

    const before = await peer.request("thread/fork", { threadId, beforeTurnId: t2 });
    expect(before.thread.turns.map((t: Message) => t.id)).toEqual([t1]);
    expect(before.thread.preview).toBe("first apple");

    const empty = await peer.request("thread/fork", { threadId, beforeTurnId: t1 });
    expect(empty.thread).toMatchObject({ turns: [], preview: "", forkedFromId: threadId });

    // The fork's model context ends where the cut is.
    await runTurn(fx, peer, before.thread.id, "after the cut", "Ok.");
    const input = JSON.stringify(fx.model.modelRequests().at(-1)!.body.input);
    expect(input).toContain("first apple");
    expect(input).not.toContain("second banana");

    expect((await peer.call("thread/fork", { threadId, beforeTurnId: "nope" })).error).toEqual({
      code: -32600,
      message: "turn not found: nope",
    });
    expect((await peer.call("thread/fork", { threadId, lastTurnId: t1, beforeTurnId: t2 })).error).toEqual({
      code: -32600,
      message: "`beforeTurnId` cannot be combined with `lastTurnId`",
    });
  });
});
