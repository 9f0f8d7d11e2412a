import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { INDEX_DB_FILE } from "../../src/rollout/index-db.js";
import { textTurn } from "../support/model-server.js";
import {
  type Fixture,
  fixture,
  type Message,
  inProcessServer,
  type Peer,
  runTextTurn,
  stdioServer,
  text,
  turnCompleted,
} from "./support.js";

/** Thread methods (spec app-server.md §6): resume, fork, list, read, names, archive, turn pages. */

const runTurn = runTextTurn;

async function newThread(fx: Fixture, peer: Peer, params: Record<string, unknown> = {}) {
  const { thread } = await peer.request("thread/start", { cwd: fx.workspace, ...params });
  return thread.id as string;
}

describe("resume and fork", () => {
  it("resumes a stored thread in a new process with rebuilt turns and restored usage", async () => {
    const fx = await fixture();
    const first = stdioServer(fx, "first");
    await first.peer.initialize();
    const threadId = await newThread(fx, first.peer);
    const turnId = await runTurn(fx, first.peer, threadId, "create out.txt", "The command finished.");
    const usage = (await first.peer.notification("thread/tokenUsage/updated")).params.tokenUsage;
    await first.peer.request("thread/name/set", { threadId, name: "Probe thread" });
    const { thread: before } = await first.peer.request("thread/read", { threadId, includeTurns: false });
    first.peer.close();
    expect(await first.exited).toBe(0);

    const second = stdioServer(fx, "second");
    await second.peer.initialize();
    const response = await second.peer.call("thread/resume", { threadId });
    // notLoaded → idle comes before the response, restored usage after it.
    const trail = second.peer.trail();
    const at = trail.indexOf(`#${response.id}`);
    expect(trail[at - 1]).toBe("thread/status/changed");
    const restored = await second.peer.notification("thread/tokenUsage/updated");
    expect(second.peer.trail().indexOf("thread/tokenUsage/updated")).toBeGreaterThan(at);
    expect(restored.params).toEqual({ threadId, turnId, tokenUsage: usage });

    const { thread } = response.result;
    expect(thread).toMatchObject({
      id: threadId,
      preview: "create out.txt",
      name: "Probe thread",
      status: { type: "idle" },
      path: before.path,
      createdAt: before.createdAt,
    });
    expect(thread.turns).toHaveLength(1);
    expect(thread.turns[0]).toMatchObject({ id: turnId, status: "completed", error: null });
    expect(thread.turns[0].items).toEqual([
      { type: "userMessage", id: "item-1", content: text("create out.txt") },
      {
        type: "agentMessage",
        id: "item-2",
        text: "The command finished.",
        phase: null,
        memoryCitation: null,
      },
    ]);
    expect(response.result.model).toBe("mock-model");

    // A new turn appends to the same rollout, and the model sees the earlier conversation.
    await runTurn(fx, second.peer, threadId, "and now?", "Still fine.");
    const input = JSON.stringify(fx.model.modelRequests().at(-1)!.body.input);
    expect(input).toContain("create out.txt");
    expect(input).toContain("The command finished.");
    const lines = fs.readFileSync(before.path, "utf8").trim().split("\n");
    expect(lines.filter((l) => l.includes('"task_started"'))).toHaveLength(2);

    expect((await second.peer.call("thread/resume", { threadId: "0000-nope" })).error).toEqual({
      code: -32600,
      message: "no rollout found for thread id 0000-nope",
    });
  });

  it("warns on thread/resume about a torn last rollout line and keeps every complete turn", async () => {
    const fx = await fixture();
    const first = stdioServer(fx, "first");
    await first.peer.initialize();
    const threadId = await newThread(fx, first.peer);
    const turnId = await runTurn(fx, first.peer, threadId, "one", "First.");
    const { thread: before } = await first.peer.request("thread/read", { threadId, includeTurns: false });
    first.peer.close();
    expect(await first.exited).toBe(0);
    // The writer stopped in the middle of a line (kill -9, power loss).
    fs.appendFileSync(before.path, '{"timestamp":"2026-12-03T07:00:00.000Z","type":"event_msg","payl');

    const second = stdioServer(fx, "second");
    await second.peer.initialize();
    const { thread } = await second.peer.request("thread/resume", { threadId });
    const warning = await second.peer.notification("warning");
    expect(warning.params).toEqual({
      threadId,
      message: expect.stringMatching(
        new RegExp(`^The last line of ${before.path} \\(line \\d+\\) was incomplete .* and was skipped;`),
      ),
    });
    expect(thread.turns.map((t: Message) => [t.id, t.status])).toEqual([[turnId, "completed"]]);
    await runTurn(fx, second.peer, threadId, "two", "Second.");
    const { thread: after } = await second.peer.request("thread/read", { threadId, includeTurns: true });
    expect(after.turns.map((t: Message) => t.status)).toEqual(["completed", "completed"]);
  });

  it("rebuilds a thread index with a damaged page, with a warning; list, read and resume keep working", async () => {
    const fx = await fixture();
    const first = stdioServer(fx, "first");
    await first.peer.initialize();
    const ids: string[] = [];
    for (const word of ["alpha", "beta"]) {
      const id = await newThread(fx, first.peer);
      await runTurn(fx, first.peer, id, word, `${word}!`);
      ids.push(id);
    }
    first.peer.close();
    expect(await first.exited).toBe(0);
    // Garbage over the page of the index thread/list walks (not the header page, not the table).
    const file = path.join(fx.home, INDEX_DB_FILE);
    const db = new Database(file, { readonly: true });
    const { pageno } = db.prepare("SELECT pageno FROM dbstat WHERE name = 'threads_created'").get() as {
      pageno: number;
    };
    const pageSize = db.pragma("page_size", { simple: true }) as number;
    db.close();
    const fd = fs.openSync(file, "r+");
    fs.writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (pageno - 1) * pageSize);
    fs.closeSync(fd);

    const second = stdioServer(fx, "second");
    await second.peer.initialize();
    const listed = await second.peer.request("thread/list", {});
    expect(listed.data.map((t: Message) => t.id).sort()).toEqual([...ids].sort());
    const warning = await second.peer.notification("warning");
    expect(warning.params.message).toMatch(
      new RegExp(
        `^The thread index ${file} was damaged \\(database disk image is malformed; integrity check: .+\\); it was rebuilt from the rollout files`,
      ),
    );
    expect((await second.peer.request("thread/list", {})).data).toHaveLength(2);
    const { thread } = await second.peer.request("thread/read", { threadId: ids[0], includeTurns: true });
    expect(thread.turns.map((t: Message) => t.status)).toEqual(["completed"]);
    await second.peer.request("thread/resume", { threadId: ids[1] });
    await runTurn(fx, second.peer, ids[1]!, "gamma", "gamma!");
  });

  it("opens the thread index while a new thread waits for its first prompt; not for an ephemeral one", async () => {
    const fx = await fixture();
    const { connect } = inProcessServer(fx);
    const peer = connect();
    await peer.initialize();
    const db = path.join(fx.home, INDEX_DB_FILE);
    await peer.request("thread/start", { cwd: fx.workspace, ephemeral: true });
    await sleep(100);
    expect(fs.existsSync(db)).toBe(false);
    await peer.request("thread/start", { cwd: fx.workspace });
    for (let i = 0; i < 100 && !fs.existsSync(db); i++) await sleep(20);
    expect(fs.existsSync(db)).toBe(true);
  });

  it("forks a thread (stored and loaded, ephemeral too) keeping its history and name", async () => {
    const fx = await fixture();
    const { connect } = inProcessServer(fx);
    const peer = connect();
    await peer.initialize();
    const source = await newThread(fx, peer);
    const turnId = await runTurn(fx, peer, source, "first question", "first answer");
    await peer.request("thread/name/set", { threadId: source, name: "Original" });

    const mark = peer.received.length;
    const fork = await peer.call("thread/fork", { threadId: source });
    const { thread } = fork.result;
    expect(thread).toMatchObject({
      forkedFromId: source,
      preview: "first question",
      name: "Original",
      ephemeral: false,
      status: { type: "idle" },
    });
    expect(thread.id).not.toBe(source);
    expect(thread.path).not.toBeNull();
    expect(fs.existsSync(thread.path)).toBe(true);
    expect(thread.turns.map((t: { id: string }) => t.id)).toEqual([turnId]);
    await peer.notification("thread/started", (p) => p.thread.id === thread.id);
    const after = peer.trail().slice(mark);
    expect(after.filter((m) => m !== "thread/name/updated")).toEqual([
      `#${fork.id}`,
      "thread/tokenUsage/updated",
      "thread/started",
    ]);

    // The fork runs on its own; the source is untouched.
    await runTurn(fx, peer, thread.id, "second question", "second answer");
    const source2 = await peer.request("thread/read", { threadId: source, includeTurns: true });
    expect(source2.thread.turns).toHaveLength(1);

    const ephemeral = await peer.request("thread/fork", { threadId: source, ephemeral: true });
    expect(ephemeral.thread).toMatchObject({ ephemeral: true, path: null, forkedFromId: source });
    expect(ephemeral.thread.turns).toHaveLength(1);
    await runTurn(fx, peer, ephemeral.thread.id, "in memory", "only here");
    const read = await peer.request("thread/read", { threadId: ephemeral.thread.id, includeTurns: true });
    expect(read.thread.turns).toHaveLength(2);
    const listed = await peer.request("thread/list", {});
    expect(listed.data.map((t: { id: string }) => t.id)).not.toContain(ephemeral.thread.id);
  });

  it("returns a loaded thread's state on resume, ignoring overrides; history and a wrong path are errors", async () => {
    const fx = await fixture();
    const { connect } = inProcessServer(fx);
    const a = connect("a");
    const b = connect("b");
    await a.initialize();
    await b.initialize();
    const threadId = await newThread(fx, a);
    await runTurn(fx, a, threadId, "hello", "hi");
    const resumed = await b.request("thread/resume", {
      threadId,
      model: "other-model",
      approvalPolicy: "never",
    });
    expect(resumed).toMatchObject({ model: "mock-model", approvalPolicy: "on-request" });
    expect(resumed.thread.turns).toHaveLength(1);
    expect((await b.call("thread/resume", { threadId, path: "/elsewhere.jsonl" })).error.message).toBe(
      `cannot resume running thread ${threadId} with mismatched path: requested \`/elsewhere.jsonl\`, active \`${resumed.thread.path}\``,
    );
    const history = [{ type: "message", role: "user", content: [{ type: "input_text", text: "x" }] }];
    expect((await b.call("thread/resume", { threadId, history })).error.message).toBe(
      `cannot resume thread ${threadId} with history while it is already running`,
    );
    // b now receives the thread's notifications too.
    await runTurn(fx, a, threadId, "again", "sure");
    await turnCompleted(b);
  });
});

describe("listing, reading, naming and archiving", () => {
  it("lists, reads, names, archives and pages turns", async () => {
    const fx = await fixture();
    const { connect } = inProcessServer(fx);
    const peer = connect();
    await peer.initialize();
    expect(await peer.request("thread/list", {})).toEqual({
      data: [],
      nextCursor: null,
      backwardsCursor: null,
    });
    const one = await newThread(fx, peer);
    await runTurn(fx, peer, one, "first thread", "ok 1");
    await runTurn(fx, peer, one, "first thread again", "ok 2");
    const two = await newThread(fx, peer);
    await runTurn(fx, peer, two, "second thread", "ok 3");
    const fresh = await newThread(fx, peer);

    // Only materialized threads are listed, newest first, with live status.
    const all = await peer.request("thread/list", {});
    expect(all.data.map((t: { id: string }) => t.id)).toEqual([two, one]);
    expect(all.data[0]).toMatchObject({ preview: "second thread", status: { type: "idle" }, turns: [] });
    const page1 = await peer.request("thread/list", { limit: 1 });
    expect(page1.data.map((t: { id: string }) => t.id)).toEqual([two]);
    const page2 = await peer.request("thread/list", { limit: 1, cursor: page1.nextCursor });
    expect(page2.data.map((t: { id: string }) => t.id)).toEqual([one]);
    expect(page2.nextCursor).toBeNull();
    const asc = await peer.request("thread/list", { sortDirection: "asc" });
    expect(asc.data.map((t: { id: string }) => t.id)).toEqual([one, two]);
    expect((await peer.request("thread/list", { cwd: "/nowhere" })).data).toEqual([]);
    expect((await peer.request("thread/list", { sourceKinds: ["exec"] })).data).toEqual([]);

    expect((await peer.request("thread/loaded/list", {})).data.sort()).toEqual([one, two, fresh].sort());

    // Names.
    expect(await peer.request("thread/name/set", { threadId: one, name: "Named one" })).toEqual({});
    expect((await peer.notification("thread/name/updated")).params).toEqual({
      threadId: one,
      threadName: "Named one",
    });
    const named = await peer.request("thread/list", { searchTerm: "Named" });
    expect(named.data.map((t: { id: string; name: string }) => [t.id, t.name])).toEqual([[one, "Named one"]]);
    await peer.request("thread/name/set", { threadId: one, name: "" });
    expect((await peer.notification("thread/name/updated")).params).toEqual({ threadId: one });
    expect((await peer.call("thread/name/set", { threadId: "nope", name: "x" })).error.message).toBe(
      "thread not found: nope",
    );

    // Reading, with and without turns.
    const read = await peer.request("thread/read", { threadId: one, includeTurns: true });
    expect(read.thread.turns.map((t: { status: string }) => t.status)).toEqual(["completed", "completed"]);
    expect((await peer.request("thread/read", { threadId: one })).thread.turns).toEqual([]);
    expect((await peer.call("thread/read", { threadId: "nope" })).error).toEqual({
      code: -32600,
      message: "thread not loaded: nope",
    });

    // Turn pages: newest first by default.
    const turns = await peer.request("thread/turns/list", { threadId: one, limit: 1 });
    expect(turns.data).toHaveLength(1);
    expect(turns.data[0].items.map((i: { type: string }) => i.type)).toEqual(["userMessage", "agentMessage"]);
    expect(turns.data[0].items[0].content).toEqual(text("first thread again"));
    const rest = await peer.request("thread/turns/list", { threadId: one, cursor: turns.nextCursor });
    expect(rest.data[0].items[0].content).toEqual(text("first thread"));
    expect(rest.nextCursor).toBeNull();
    expect((await peer.call("thread/turns/list", { threadId: fresh })).error.message).toBe(
      `thread ${fresh} is not materialized yet; thread/turns/list is unavailable before first user message`,
    );

    // Archive: unloads the thread and hides it; unarchive restores it.
    expect(await peer.request("thread/archive", { threadId: two })).toEqual({});
    expect((await peer.notification("thread/archived")).params).toEqual({ threadId: two });
    expect((await peer.request("thread/list", {})).data.map((t: { id: string }) => t.id)).toEqual([one]);
    const archived = await peer.request("thread/list", { archived: true });
    expect(archived.data.map((t: { id: string; status: unknown }) => [t.id, t.status])).toEqual([
      [two, { type: "notLoaded" }],
    ]);
    expect((await peer.request("thread/loaded/list", {})).data).not.toContain(two);
    expect((await peer.call("thread/resume", { threadId: two })).error.message).toContain("archived");
    const unarchived = await peer.request("thread/unarchive", { threadId: two });
    expect(unarchived.thread).toMatchObject({
      id: two,
      status: { type: "notLoaded" },
      preview: "second thread",
    });
    expect((await peer.notification("thread/unarchived")).params).toEqual({ threadId: two });
    expect((await peer.request("thread/list", {})).data).toHaveLength(2);
    expect((await peer.call("thread/archive", { threadId: "nope" })).error.message).toBe(
      "no rollout found for thread id nope",
    );

    // Unsubscribing.
    expect(await peer.request("thread/unsubscribe", { threadId: one })).toEqual({ status: "unsubscribed" });
    expect(await peer.request("thread/unsubscribe", { threadId: one })).toEqual({ status: "notSubscribed" });
    expect(await peer.request("thread/unsubscribe", { threadId: two })).toEqual({ status: "notLoaded" });
  });

  it("runs a compaction turn with thread/compact/start", async () => {
    const fx = await fixture();
    const { connect } = inProcessServer(fx);
    const peer = connect();
    await peer.initialize();
    const threadId = await newThread(fx, peer);
    await runTurn(fx, peer, threadId, "remember this", "noted");
    fx.model.enqueue(textTurn("Summary: the user asked to remember something."));
    const mark = peer.received.length;
    expect(await peer.request("thread/compact/start", { threadId })).toEqual({});
    const done = await turnCompleted(peer);
    expect(done.params.turn.status).toBe("completed");
    const methods = peer.trail().slice(mark);
    expect(methods).toContain("thread/compacted");
    const items = peer.received
      .slice(mark)
      .filter((m) => m.method === "item/completed")
      .map((m) => m.params.item.type);
    expect(items).toEqual(["contextCompaction"]);
    expect((await peer.call("thread/compact/start", { threadId: "nope" })).error.message).toBe(
      "thread not found: nope",
    );
  });
});
