// `keel app-server` on PostgreSQL (selected by `store = …` in config.toml, password from
// KEEL_STORE_PASSWORD): a thread started, run, named and archived in one process is listed, read
// and resumed by the next one, and nothing is written to rollout files. Every message is checked
// against keel's and Codex 0.169's schemas by the fixture.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, runTextTurn, stdioServer } from "../app-server-engine/support.js";
import { testDatabase } from "../support/postgres.js";

const db = await testDatabase();

describe.skipIf(!db.available)("keel app-server on PostgreSQL", () => {
  it("threads outlive the server process: list, read, resume, archive; no rollout files", async () => {
    const u = new URL(db.url);
    const password = decodeURIComponent(u.password);
    u.password = "";
    const fx = await fixture({ topLevel: { store: u.toString() } });
    fx.env = { ...fx.env, KEEL_STORE_PASSWORD: password } as typeof fx.env;

    const first = stdioServer(fx, "first");
    await first.peer.initialize();
    const { thread } = await first.peer.request("thread/start", { cwd: fx.workspace });
    const threadId = thread.id as string;
    expect(thread.path).toMatch(/^pg:\/sessions\/.*\.jsonl$/);
    await runTextTurn(fx, first.peer, threadId, "hello from pg", "Stored.");
    await first.peer.request("thread/name/set", { threadId, name: "PG thread" });
    first.peer.close();
    expect(await first.exited).toBe(0);

    const second = stdioServer(fx, "second");
    await second.peer.initialize();
    const listed = await second.peer.request("thread/list", {});
    expect(listed.data.map((t: { id: string }) => t.id)).toEqual([threadId]);
    expect(listed.data[0]).toMatchObject({ preview: "hello from pg", name: "PG thread" });
    const read = await second.peer.request("thread/read", { threadId, includeTurns: true });
    expect(read.thread.turns).toHaveLength(1);
    const resumed = await second.peer.request("thread/resume", { threadId });
    expect(resumed.thread.id).toBe(threadId);
    await runTextTurn(fx, second.peer, threadId, "and more", "Stored again.");
    await second.peer.request("thread/unsubscribe", { threadId }).catch(() => undefined);
    second.peer.close();
    expect(await second.exited).toBe(0);

    const third = stdioServer(fx, "third");
    await third.peer.initialize();
    const again = await third.peer.request("thread/read", { threadId, includeTurns: true });
    expect(again.thread.turns).toHaveLength(2);
    await third.peer.request("thread/archive", { threadId });
    expect((await third.peer.request("thread/list", {})).data).toEqual([]);
    expect((await third.peer.request("thread/list", { archived: true })).data).toHaveLength(1);
    third.peer.close();
    expect(await third.exited).toBe(0);

    expect(fs.existsSync(path.join(fx.home, "sessions"))).toBe(false);
  });
});
