import fs from "node:fs";
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  INDEX_DB_FILE,
  INDEX_DIRTY_FILE,
  InvalidCursorError,
  type ThreadMetadata,
  ThreadIndex,
  FileThreadStore,
} from "../../src/rollout/index.js";
import { tempDir } from "../support/tmp.js";
import { ev, turn } from "./builders.js";

const turnItems = (id: string, text: string) => turn(id, text, `re: ${text}`);

function row(i: number, createdAtMs: number, extra: Partial<ThreadMetadata> = {}): ThreadMetadata {
  return {
    id: `019db6f0-0000-7000-8000-${String(i).padStart(12, "0")}`,
    rolloutPath: `/r/${i}.jsonl`,
    cwd: i % 3 === 0 ? "/a" : "/b",
    name: null,
    preview: `p${i}`,
    model: null,
    reasoningEffort: null,
    modelProvider: "openai",
    source: "vscode",
    createdAtMs,
    updatedAtMs: createdAtMs,
    archived: false,
    archivedAtMs: null,
    forkedFromId: null,
    cliVersion: "0",
    tokensUsed: 0,
    gitSha: null,
    gitBranch: null,
    gitOriginUrl: null,
    agentNickname: null,
    agentRole: null,
    ...extra,
  };
}

describe("thread index listing", () => {
  it("pages with the cursor without skipping or repeating (random creation times, ties)", () => {
    const index = ThreadIndex.open(tempDir());
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom("created_at" as const, "updated_at" as const),
        fc.constantFrom("asc" as const, "desc" as const),
        fc.option(fc.constantFrom("/a", "/b"), { nil: undefined }),
        (times, limit, sortKey, sortDirection, cwd) => {
          const rows = times.map((t, i) => row(i, t * 1000, { updatedAtMs: (20 - t) * 1000 }));
          index.replaceAll(rows);
          const seen: string[] = [];
          let cursor: string | null = null;
          for (let guard = 0; guard < 100; guard++) {
            const page = index.list({ cursor, limit, sortKey, sortDirection, cwd });
            expect(page.data.length).toBeLessThanOrEqual(limit);
            seen.push(...page.data.map((r) => r.id));
            cursor = page.nextCursor;
            if (!cursor) break;
          }
          const key = (r: ThreadMetadata) => (sortKey === "created_at" ? r.createdAtMs : r.updatedAtMs);
          const expected = rows
            .filter((r) => cwd === undefined || r.cwd === cwd)
            .sort((x, y) => (key(x) - key(y) || (x.id < y.id ? -1 : 1)) * (sortDirection === "asc" ? 1 : -1))
            .map((r) => r.id);
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
    index.close();
  });

  it("filters by archived, source kind, provider and name/preview search; rejects foreign cursors", () => {
    const index = ThreadIndex.open(tempDir());
    index.replaceAll([
      row(1, 1000, { name: "Deploy fix", source: "cli" }),
      row(2, 2000, { preview: "please deploy", modelProvider: "local" }),
      row(3, 3000, { archived: true, archivedAtMs: 5 }),
      row(4, 4000, { source: { subagent: "review" } }),
    ]);
    const ids = (p: Parameters<ThreadIndex["list"]>[0]) =>
      index.list(p).data.map((r) => Number(r.id.slice(-1)));
    expect(ids({})).toEqual([4, 2, 1]);
    expect(ids({ archived: true })).toEqual([3]);
    expect(ids({ sourceKinds: ["cli", "vscode"] })).toEqual([2, 1]);
    expect(ids({ sourceKinds: ["subAgentReview"] })).toEqual([4]);
    expect(ids({ modelProviders: ["local"] })).toEqual([2]);
    expect(ids({ searchTerm: "eploy" })).toEqual([2, 1]);
    expect(ids({ searchTerm: "deploy" })).toEqual([2]); // case-sensitive
    const first = index.list({ limit: 1 });
    expect(first.data[0]!.source).toEqual({ subagent: "review" });
    expect(() => index.list({ cursor: first.nextCursor, sortKey: "updated_at" })).toThrow(InvalidCursorError);
    expect(() => index.list({ cursor: "garbage" })).toThrow(InvalidCursorError);
    index.close();
  });
});

async function populate(home: string) {
  const store = new FileThreadStore({ home });
  const ids: string[] = [];
  for (const [n, text] of ["alpha", "beta", "gamma"].entries()) {
    const rec = store.createThread({
      cwd: `/w${n}`,
      modelProvider: "openai",
      createdAt: new Date(2026, 0, 1 + n),
    });
    await rec.record([...turnItems(`t${n}`, text), ev("token_count", { info: null })]);
    await rec.close();
    ids.push(rec.threadId);
  }
  await store.setThreadName(ids[0]!, "named alpha");
  await store.archiveThread(ids[1]!);
  const snapshot = {
    live: (await store.listThreads()).data,
    archived: (await store.listThreads({ archived: true })).data,
  };
  await store.close();
  return { ids, snapshot };
}

const comparable = (rows: ThreadMetadata[]) =>
  rows.map(({ archivedAtMs: _a, updatedAtMs: _u, ...rest }) => rest);

describe("index rebuild: the rollout files are the source of truth", () => {
  it.each([
    ["missing", (file: string) => fs.rmSync(file)],
    ["corrupt", (file: string) => fs.writeFileSync(file, "this is not a sqlite database".repeat(100))],
    [
      "old-schema",
      (file: string) => {
        const db = new Database(file);
        db.exec("DROP TABLE threads; CREATE TABLE threads (id TEXT PRIMARY KEY, title TEXT)");
        db.pragma("user_version = 0");
        db.close();
      },
    ],
  ])("rebuilds a %s database and keeps names and archive state", async (_kind, damage) => {
    const home = tempDir();
    const { ids, snapshot } = await populate(home);
    expect(snapshot.live.map((t) => t.id)).toEqual([ids[2], ids[0]]);
    expect(snapshot.live[1]!.name).toBe("named alpha");
    for (const suffix of ["-wal", "-shm"]) fs.rmSync(`${home}/${INDEX_DB_FILE}${suffix}`, { force: true });
    damage(`${home}/${INDEX_DB_FILE}`);

    const store = new FileThreadStore({ home });
    const live = (await store.listThreads()).data;
    const archived = (await store.listThreads({ archived: true })).data;
    expect(comparable(live)).toEqual(comparable(snapshot.live));
    expect(comparable(archived)).toEqual(comparable(snapshot.archived));
    expect(archived[0]!.archivedAtMs).toEqual(expect.any(Number));
    expect(live.map((t) => [t.preview, t.tokensUsed])).toEqual([
      ["gamma", 100],
      ["alpha", 100],
    ]);
    await store.close();
  });

  it("reconciles rows with the files on disk when opened (deleted and foreign files)", async () => {
    const home = tempDir();
    const { ids } = await populate(home);
    const store = new FileThreadStore({ home });
    const gone = (await store.listThreads()).data.find((t) => t.id === ids[2])!;
    await store.close();
    fs.rmSync(gone.rolloutPath);
    const again = new FileThreadStore({ home });
    expect((await again.listThreads()).data.map((t) => t.id)).toEqual([ids[0]]);
    expect(again.rebuildIndex()).toEqual({ threads: 2 });
    await again.close();
  });
});

describe("a locked database never blocks a turn", () => {
  it("skips the index write after the bounded wait, marks it dirty, and repairs later", async () => {
    const home = tempDir();
    const store = new FileThreadStore({ home, indexBusyTimeoutMs: 50 });
    const rec = store.createThread({ cwd: "/p", modelProvider: "m" });
    await rec.record(turnItems("t1", "first"));
    await rec.flush();
    expect((await store.listThreads()).data.map((t) => t.preview)).toEqual(["first"]);

    const other = new Database(`${home}/${INDEX_DB_FILE}`);
    other.exec("BEGIN IMMEDIATE; DELETE FROM threads;");
    try {
      // The append and the turn-boundary flush complete while the other connection holds the lock.
      await rec.record([...turnItems("t2", "second"), ev("token_count", { info: null })]);
      await rec.flush({ durable: true });
      expect(fs.readFileSync(`${home}/${INDEX_DIRTY_FILE}`, "utf8")).toContain(rec.threadId);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    await rec.close(); // retries the pending row now that the lock is gone
    expect(store.index().pendingCount).toBe(0);
    await store.close();

    // A later process takes the dirty marker and repairs from the rollout.
    const later = new FileThreadStore({ home });
    const [thread] = (await later.listThreads()).data;
    expect(thread?.id).toBe(rec.threadId);
    expect(fs.existsSync(`${home}/${INDEX_DIRTY_FILE}`)).toBe(false);
    await later.close();
  });
});
