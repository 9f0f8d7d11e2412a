import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  readRolloutFile,
  readThreadNames,
  sessionIndexPath,
  FileThreadStore,
} from "../../src/rollout/index.js";
import { tempDir } from "../support/tmp.js";
import { ev, ri, turn, userItem } from "./builders.js";

const turnItems = (id: string, text: string) =>
  turn(id, text, `re: ${text}`).filter((i) => i.type !== "session_meta");

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".jsonl"));
}

describe("FileThreadStore recorders", () => {
  it("materialises a new thread lazily, session_meta first, filtered by the policy", async () => {
    const home = tempDir();
    const store = new FileThreadStore({ home, cliVersion: "9.9.9" });
    const rec = store.createThread({ cwd: "/p", modelProvider: "openai", baseInstructions: "be nice" });
    expect(rec.path).toMatch(/sessions\/\d{4}\/\d{2}\/\d{2}\/rollout-.*\.jsonl$/);
    expect(fs.existsSync(rec.path!)).toBe(false);
    await rec.record([ev("agent_message_delta", { delta: "x" }), ev("session_configured")]);
    expect(fs.existsSync(rec.path!)).toBe(false); // nothing persistable yet
    await rec.record([...turnItems("t1", "hello"), ev("exec_command_end", { call_id: "c" })]);
    await rec.flush({ durable: true });
    const file = await readRolloutFile(rec.path!);
    expect(file.lines[0]).toMatchObject({
      type: "session_meta",
      payload: {
        id: rec.threadId,
        cwd: "/p",
        cli_version: "9.9.9",
        source: "vscode",
        model_provider: "openai",
        base_instructions: { text: "be nice" },
      },
    });
    expect(file.lines.some((l) => l.type === "event_msg" && l.payload.type === "exec_command_end")).toBe(
      false,
    );
    expect(file.lines).toHaveLength(1 + turnItems("t1", "hello").length);
    expect(file.lines.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(l.timestamp))).toBe(true);
    await store.close();
  });

  it("resume appends to the same file without a second session_meta", async () => {
    const home = tempDir();
    const store = new FileThreadStore({ home });
    const rec = store.createThread({ cwd: "/p", modelProvider: "m", persistExtendedHistory: true });
    await rec.record(turnItems("t1", "one"));
    await rec.close();
    const resumed = await store.resumeThread({ threadId: rec.threadId });
    expect(resumed.recorder.path).toBe(rec.path);
    expect(resumed.session.history.map((h) => h.type)).toEqual(["message", "message"]);
    await resumed.recorder.record(turnItems("t2", "two"));
    await store.close();
    const file = await readRolloutFile(rec.path!);
    expect(file.lines.filter((l) => l.type === "session_meta")).toHaveLength(1);
    expect(
      file.lines.filter((l) => l.type === "event_msg" && l.payload.type === "user_message"),
    ).toHaveLength(2);
  });

  it("ephemeral threads never touch the disk", async () => {
    const home = tempDir();
    const store = new FileThreadStore({ home });
    const rec = store.createThread({ cwd: "/p", modelProvider: "m", ephemeral: true });
    await rec.record(turnItems("t1", "one"));
    await rec.flush({ durable: true });
    expect(rec.path).toBeNull();
    const fork = await store.forkThread({
      from: { items: (rec as unknown as { history(): never[] }).history() },
      ephemeral: true,
    });
    expect(fork.recorder.path).toBeNull();
    expect(fork.session.history).toHaveLength(2);
    await store.close();
    expect(fs.readdirSync(home)).toEqual([]);
  });

  it("fork writes a new file at once: new meta, then the source items verbatim; name inherited", async () => {
    const home = tempDir();
    const store = new FileThreadStore({ home });
    const rec = store.createThread({ cwd: "/p", modelProvider: "m" });
    await rec.record(turnItems("t1", "one"));
    await rec.close();
    await store.setThreadName(rec.threadId, "Probe thread");
    const sourceText = fs.readFileSync(rec.path!, "utf8");

    const fork = await store.forkThread({ from: { threadId: rec.threadId } });
    expect(fs.existsSync(fork.recorder.path!)).toBe(true);
    expect(fork.name).toBe("Probe thread");
    expect(fork.session.forkedFromId).toBe(rec.threadId);
    const forkLines = fs
      .readFileSync(fork.recorder.path!, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    const srcLines = sourceText
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(forkLines[0].payload).toMatchObject({
      id: fork.recorder.threadId,
      forked_from_id: rec.threadId,
      cwd: "/p",
    });
    expect(forkLines.slice(1).map((l) => l.payload)).toEqual(srcLines.map((l) => l.payload));
    expect(readThreadNames(home).get(fork.recorder.threadId)).toBe("Probe thread");
    expect(fs.readFileSync(rec.path!, "utf8")).toBe(sourceText); // source untouched
    const listed = (await store.listThreads()).data.find((t) => t.id === fork.recorder.threadId);
    expect(listed).toMatchObject({ name: "Probe thread", preview: "one", forkedFromId: rec.threadId });
    await store.close();
  });

  it("forks a source with an open turn as if that turn was interrupted", async () => {
    const home = tempDir();
    const store = new FileThreadStore({ home });
    const rec = store.createThread({ cwd: "/p", modelProvider: "m" });
    await rec.record([
      ev("task_started", { turn_id: "t1", started_at: 1 }),
      ri(userItem("long task")),
      ev("user_message", { message: "long task" }),
    ]);
    const fork = await store.forkThread({ from: { threadId: rec.threadId } });
    const tail = fork.items.slice(-2);
    expect(tail[0]).toMatchObject({ type: "response_item", payload: { role: "user" } });
    expect(tail[1]).toMatchObject({
      type: "event_msg",
      payload: { type: "turn_aborted", turn_id: "t1", reason: "interrupted" },
    });
    const read = await store.readThread({ threadId: fork.recorder.threadId }, { includeTurns: true });
    expect(read.turns?.map((t) => t.status)).toEqual(["interrupted"]);
    await store.close();
  });

  it("names: session_index.jsonl is append-only, newest wins, rollout gets thread_name_updated", async () => {
    const home = tempDir();
    const store = new FileThreadStore({ home });
    const rec = store.createThread({ cwd: "/p", modelProvider: "m" });
    await rec.record(turnItems("t1", "one"));
    await store.setThreadName(rec.threadId, "first");
    await store.setThreadName(rec.threadId, "second");
    expect(await store.getThreadName(rec.threadId)).toBe("second");
    const entries = fs
      .readFileSync(sessionIndexPath(home), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(entries.map((e) => e.thread_name)).toEqual(["first", "second"]);
    expect(entries[0].updated_at).toMatch(/Z$/);
    await rec.flush();
    const file = await readRolloutFile(rec.path!);
    expect(
      file.lines.filter((l) => l.type === "event_msg" && l.payload.type === "thread_name_updated"),
    ).toHaveLength(2);
    expect((await store.listThreads({ searchTerm: "sec" })).data.map((t) => t.name)).toEqual(["second"]);
    await store.setThreadName(rec.threadId, null);
    expect(await store.getThreadName(rec.threadId)).toBeNull();
    await expect(store.setThreadName("019db6f0-0000-7000-8000-000000000000", "x")).rejects.toThrow(
      /no rollout found/,
    );
    await store.close();
  });

  it("archive moves the file to archived_sessions/ and back; resume of an archived thread is refused", async () => {
    const home = tempDir();
    const store = new FileThreadStore({ home });
    const rec = store.createThread({ cwd: "/p", modelProvider: "m" });
    await rec.record(turnItems("t1", "one"));
    await expect(store.archiveThread(rec.threadId)).rejects.toThrow(/open writer/);
    await rec.close();
    const archived = await store.archiveThread(rec.threadId);
    expect(archived.rolloutPath).toBe(path.join(home, "archived_sessions", path.basename(rec.path!)));
    expect(fs.existsSync(rec.path!)).toBe(false);
    expect((await store.listThreads()).data).toEqual([]);
    expect((await store.listThreads({ archived: true })).data.map((t) => t.id)).toEqual([rec.threadId]);
    await expect(store.resumeThread({ threadId: rec.threadId })).rejects.toThrow(/archived/);
    const read = await store.readThread({ threadId: rec.threadId });
    expect(read.metadata.archived).toBe(true);
    const back = await store.unarchiveThread(rec.threadId);
    expect(back.rolloutPath).toBe(rec.path);
    expect(listFiles(path.join(home, "archived_sessions"))).toEqual([]);
    expect((await store.listThreads()).data.map((t) => t.id)).toEqual([rec.threadId]);
    await store.close();
  });
  it("reports lines in flight until they are in the file, so events can wait for them", async () => {
    const home = tempDir();
    const store = new FileThreadStore({ home, cliVersion: "9.9.9" });
    const rec = store.createThread({ cwd: "/p", modelProvider: "openai" });
    await rec.record(turnItems("t1", "hello"));
    // Small lines reach the file before `record` returns: nothing to wait for.
    await rec.record([ev("agent_message", { message: "short", phase: null })]);
    expect(rec.whenStored()).toBeNull();
    // A large item is written asynchronously: events emitted meanwhile wait until it is in the file.
    const big = "x".repeat(200_000);
    const writing = rec.record([ev("agent_message", { message: big, phase: null })]);
    const stored = rec.whenStored();
    expect(stored).not.toBeNull();
    await stored;
    expect(fs.readFileSync(rec.path!, "utf8")).toContain(big);
    await writing;
    expect(rec.whenStored()).toBeNull();
    await rec.close();
  });
});
