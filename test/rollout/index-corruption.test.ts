import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INDEX_DB_FILE, ThreadIndex, FileThreadStore } from "../../src/rollout/index.js";
import { turn } from "./builders.js";

/**
 * One damaged page in the middle of a real thread index (not the header page) must not break
 * listing, reading or resuming: the damage is confirmed with an integrity check and the index is
 * rebuilt from the rollouts, with a warning.
 */

const THREADS = 30;
let home: string;
let pristine: Buffer;
let pageSize: number;
let pages: { pageno: number; name: string }[];
let expected: Map<string, string>;

function pagesOf(file: string): { pageno: number; name: string }[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT pageno, name FROM dbstat ORDER BY pageno").all() as {
      pageno: number;
      name: string;
    }[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  // Shared by the tests of this file (tempDir would remove it after the first one).
  home = fs.mkdtempSync(path.join(os.tmpdir(), "keel-corrupt-"));
  const store = new FileThreadStore({ home });
  expected = new Map();
  for (let i = 0; i < THREADS; i++) {
    const recorder = store.createThread({ cwd: `/work/project-${i % 4}`, modelProvider: "openai" });
    // Long previews so the table and its indexes span many pages.
    await recorder.record(turn(`turn-${i}`, `thread ${i}: ${"a long first message ".repeat(12)}`, "ok"));
    await recorder.close();
    expected.set(recorder.threadId, recorder.path!);
  }
  expect((await store.listThreads({ limit: 1000 })).data).toHaveLength(THREADS);
  await store.close();
  const file = ThreadIndex.dbPath(home);
  pristine = fs.readFileSync(file);
  pages = pagesOf(file);
  pageSize = pristine.length / Math.max(...pages.map((p) => p.pageno));
}, 60_000);

afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

/** Restores the index as it was, then overwrites `length` bytes at `offset` of page `pageno`. */
function corrupt(pageno: number, offset: number, garbage: Uint8Array): void {
  const bytes = Buffer.from(pristine);
  bytes.set(garbage.subarray(0, pageSize - offset), (pageno - 1) * pageSize + offset);
  const file = ThreadIndex.dbPath(home);
  for (const suffix of ["-wal", "-shm"]) fs.rmSync(file + suffix, { force: true });
  fs.writeFileSync(file, bytes);
}

/** Every thread via paged listing, each read, one resumed: all must work and be right. */
async function useEverything(warnings: string[]): Promise<void> {
  const store = new FileThreadStore({ home, onWarning: (m) => warnings.push(m) });
  try {
    const listed = new Map<string, string>();
    let cursor: string | null = null;
    do {
      const page = await store.listThreads({ limit: 7, cursor });
      for (const t of page.data) listed.set(t.id, t.rolloutPath);
      cursor = page.nextCursor;
    } while (cursor);
    expect(listed).toEqual(expected);
    const ids = [...expected.keys()];
    for (const id of [ids[0]!, ids[THREADS >> 1]!, ids.at(-1)!]) {
      const read = await store.readThread({ threadId: id }, { includeTurns: true });
      expect(read.rollout.path).toBe(expected.get(id));
      expect(read.turns?.map((t) => t.status)).toEqual(["completed"]);
      expect((await store.getThreadMetadata(id))?.rolloutPath).toBe(expected.get(id));
    }
    const resumed = await store.resumeThread({ threadId: ids[1]! });
    expect(resumed.recorder.path).toBe(expected.get(ids[1]!));
    expect(resumed.session.history.length).toBeGreaterThan(0);
  } finally {
    await store.close();
  }
}

describe("a damaged page in the thread index", () => {
  it("is detected by an integrity check and rebuilt from the rollouts, with a warning", async () => {
    // A leaf of the index thread/list walks by default: the open-time check never reads it.
    const leaves = pages.filter((p) => p.name === "threads_created");
    const target = leaves[leaves.length >> 1]!;
    expect(target.pageno).toBeGreaterThan(1);
    corrupt(target.pageno, 0, new Uint8Array(pageSize).fill(0x5a));

    const warnings: string[] = [];
    await useEverything(warnings);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^The thread index ${ThreadIndex.dbPath(home)} was damaged \\(database disk image is malformed; integrity check: .+\\); it was rebuilt from the rollout files`,
        ),
      ),
    ]);
    // The file is sound again: a later process neither fails nor warns.
    const again: string[] = [];
    const db = new Database(ThreadIndex.dbPath(home));
    expect(db.pragma("quick_check", { simple: true })).toBe("ok");
    db.close();
    await useEverything(again);
    expect(again).toEqual([]);
  });

  it("whichever page after the header is overwritten with garbage, every thread stays reachable", async () => {
    const lastPage = Math.max(...pages.map((p) => p.pageno));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: lastPage }),
        fc.uint8Array({ minLength: pageSize, maxLength: pageSize }),
        async (pageno, garbage) => {
          corrupt(pageno, 0, garbage);
          const warnings: string[] = [];
          await useEverything(warnings);
          // A rebuild is announced once, and only then.
          expect(warnings.length).toBeLessThanOrEqual(1);
          for (const w of warnings) expect(w).toContain(INDEX_DB_FILE);
        },
      ),
      { numRuns: 25, endOnFailure: true },
    );
  }, 120_000);
});
