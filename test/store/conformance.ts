import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RolloutItem } from "../../src/protocol/rollout.js";
import { InvalidCursorError } from "../../src/rollout/index-db.js";
import { ThreadLockedError } from "../../src/rollout/lock.js";
import { ThreadArchivedError, ThreadNotFoundError } from "../../src/rollout/store.js";
import { TurnNotFoundError } from "../../src/rollout/truncate.js";
import { ThreadExistsError, type ThreadStore } from "../../src/store/types.js";
import { ev, turn } from "../rollout/builders.js";

/**
 * One behaviour for every thread store. `open` gives a store on fresh, empty storage for one
 * test; `reopen` a second store on the same storage (a restart, or another process).
 */
export interface StoreHarness {
  open(): Promise<{ store: ThreadStore; reopen(): ThreadStore }>;
}

const turnItems = (id: string, text: string, tokens?: number) =>
  turn(id, text, `re: ${text}`, { tokens }).filter((i) => i.type !== "session_meta");

const bodies = (items: readonly { type: string; payload: unknown }[]) =>
  items.filter((i) => i.type !== "session_meta").map((i) => JSON.stringify([i.type, i.payload]));

async function newThread(store: ThreadStore, text: string, opts: { cwd?: string; provider?: string } = {}) {
  const rec = store.createThread({ cwd: opts.cwd ?? "/p", modelProvider: opts.provider ?? "openai" });
  await rec.record(turnItems(`t-${text}`, text));
  await rec.close();
  return rec.threadId;
}

export function storeConformance(label: string, harness: StoreHarness): void {
  describe(`ThreadStore conformance: ${label}`, () => {
    it("stores a new thread with its first persisted item, in order, under the persistence policy", async () => {
      const { store, reopen } = await harness.open();
      try {
        const rec = store.createThread({ cwd: "/p", modelProvider: "openai", baseInstructions: "be nice" });
        expect(rec.materialized).toBe(false);
        await rec.record([ev("agent_message_delta", { delta: "x" })]);
        expect(await store.locateThread(rec.threadId)).toBeNull();
        expect((await store.listThreads()).data).toEqual([]);
        const items = [...turnItems("t1", "hello", 321), ev("exec_command_end", { call_id: "c" })];
        await rec.record(items);
        await rec.flush({ durable: true });
        expect(rec.materialized).toBe(true);
        // Another store on the same storage sees what was acknowledged.
        const other = reopen();
        const read = await other.readThread({ threadId: rec.threadId }, { includeTurns: true });
        expect(read.rollout.lines[0]).toMatchObject({
          type: "session_meta",
          payload: { id: rec.threadId, cwd: "/p", base_instructions: { text: "be nice" } },
        });
        expect(bodies(read.rollout.lines)).toEqual(bodies(turnItems("t1", "hello", 321)));
        expect(read.turns?.map((t) => t.id)).toEqual(["t1"]);
        expect(read.metadata).toMatchObject({
          id: rec.threadId,
          cwd: "/p",
          preview: "hello",
          modelProvider: "openai",
          tokensUsed: 321,
          archived: false,
        });
        const byPath = await other.readThread({ path: rec.path! });
        expect(byPath.metadata.id).toBe(rec.threadId);
        expect(await other.locateThread(rec.threadId)).toBe(rec.path);
        await other.close();
        await rec.close();
      } finally {
        await store.close();
      }
    });

    it("resumes a thread: appends after its items, one writer at a time", async () => {
      const { store } = await harness.open();
      try {
        const id = await newThread(store, "one");
        const resumed = await store.resumeThread({ threadId: id });
        expect(resumed.session.history.length).toBeGreaterThan(0);
        await expect(store.resumeThread({ threadId: id })).rejects.toBeInstanceOf(ThreadLockedError);
        await expect(store.archiveThread(id)).rejects.toBeInstanceOf(ThreadLockedError);
        await resumed.recorder.record(turnItems("t2", "two"));
        await resumed.recorder.close();
        const read = await store.readThread({ threadId: id }, { includeTurns: true });
        expect(read.rollout.lines.filter((l) => l.type === "session_meta")).toHaveLength(1);
        expect(read.turns?.map((t) => t.id)).toEqual(["t-one", "t2"]);
        expect(bodies(read.rollout.lines)).toEqual(
          bodies([...turnItems("t-one", "one"), ...turnItems("t2", "two")]),
        );
        await expect(
          store.resumeThread({ threadId: "0190aaaa-0000-7000-8000-000000000000" }),
        ).rejects.toBeInstanceOf(ThreadNotFoundError);
      } finally {
        await store.close();
      }
    });

    it("forks: a new thread with the source's items (cut at a turn) and its name", async () => {
      const { store } = await harness.open();
      try {
        const rec = store.createThread({ cwd: "/src", modelProvider: "openai" });
        await rec.record([...turnItems("a", "first"), ...turnItems("b", "second")]);
        await rec.close();
        await store.setThreadName(rec.threadId, "origin");
        const fork = await store.forkThread({ from: { threadId: rec.threadId }, cut: { beforeTurnId: "b" } });
        expect(fork.recorder.threadId).not.toBe(rec.threadId);
        expect(fork.name).toBe("origin");
        await fork.recorder.close();
        const read = await store.readThread({ threadId: fork.recorder.threadId }, { includeTurns: true });
        expect(read.rollout.meta?.forked_from_id).toBe(rec.threadId);
        expect(read.turns?.map((t) => t.id)).toEqual(["a"]);
        expect(read.metadata.cwd).toBe("/src");
        expect(await store.getThreadName(fork.recorder.threadId)).toBe("origin");
      } finally {
        await store.close();
      }
    });

    it("names, archives, unarchives, deletes", async () => {
      const { store } = await harness.open();
      try {
        const id = await newThread(store, "hello");
        const other = await newThread(store, "other");
        await store.setThreadName(id, "my name");
        expect(await store.getThreadName(id)).toBe("my name");
        expect((await store.listThreads({ searchTerm: "y na" })).data.map((t) => t.id)).toEqual([id]);
        await store.setThreadName(id, null);
        expect(await store.getThreadName(id)).toBeNull();
        await expect(store.setThreadName("0190aaaa-0000-7000-8000-000000000000", "x")).rejects.toBeInstanceOf(
          ThreadNotFoundError,
        );

        const archived = await store.archiveThread(id);
        expect(archived.archived).toBe(true);
        expect(archived.archivedAtMs).toEqual(expect.any(Number));
        expect((await store.listThreads()).data.map((t) => t.id)).toEqual([other]);
        expect((await store.listThreads({ archived: true })).data.map((t) => t.id)).toEqual([id]);
        await expect(store.resumeThread({ threadId: id })).rejects.toBeInstanceOf(ThreadArchivedError);
        expect(await store.locateThread(id)).toBeNull();
        expect(await store.locateThread(id, { includeArchived: true })).not.toBeNull();
        expect((await store.readThread({ threadId: id })).metadata.archived).toBe(true);
        const back = await store.unarchiveThread(id);
        expect(back).toMatchObject({ archived: false, archivedAtMs: null });
        expect((await store.listThreads()).data.map((t) => t.id).sort()).toEqual([id, other].sort());

        await store.deleteThread(id);
        expect(await store.getThreadMetadata(id)).toBeNull();
        await expect(store.deleteThread(id)).rejects.toBeInstanceOf(ThreadNotFoundError);
        await expect(store.readThread({ threadId: id })).rejects.toBeInstanceOf(ThreadNotFoundError);
        await store.discardThread(id); // nothing left: no error
      } finally {
        await store.close();
      }
    });

    it("reverts a closed thread to before a turn, and updates git columns", async () => {
      const { store } = await harness.open();
      try {
        const rec = store.createThread({ cwd: "/p", modelProvider: "openai" });
        await rec.record([...turnItems("a", "first", 10), ...turnItems("b", "second", 20)]);
        await rec.close();
        await expect(store.revertThread(rec.threadId, "nope")).rejects.toBeInstanceOf(TurnNotFoundError);
        const meta = await store.revertThread(rec.threadId, "b");
        expect(meta.tokensUsed).toBe(10);
        const read = await store.readThread({ threadId: rec.threadId }, { includeTurns: true });
        expect(read.turns?.map((t) => t.id)).toEqual(["a"]);
        // Appending after a revert continues the cut history.
        const resumed = await store.resumeThread({ threadId: rec.threadId });
        await resumed.recorder.record(turnItems("c", "third"));
        await resumed.recorder.close();
        const again = await store.readThread({ threadId: rec.threadId }, { includeTurns: true });
        expect(again.turns?.map((t) => t.id)).toEqual(["a", "c"]);

        const git = await store.updateGitInfo(rec.threadId, { gitBranch: "main", gitSha: "abc" });
        expect(git).toMatchObject({ gitBranch: "main", gitSha: "abc" });
        expect(await store.getThreadMetadata(rec.threadId)).toMatchObject({
          gitBranch: "main",
          gitSha: "abc",
        });
      } finally {
        await store.close();
      }
    });

    it("lists with filters and keyset pagination in both directions", async () => {
      const { store } = await harness.open();
      try {
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) {
          const rec = store.createThread({
            cwd: i % 2 === 0 ? "/even" : "/odd",
            modelProvider: i < 5 ? "openai" : "local",
            createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
          });
          await rec.record(turnItems(`t${i}`, `thread ${i}`));
          await rec.close();
          ids.push(rec.threadId);
        }
        const all = async (params: Parameters<ThreadStore["listThreads"]>[0]) => {
          const out: string[] = [];
          let cursor: string | null = null;
          do {
            const page: Awaited<ReturnType<ThreadStore["listThreads"]>> = await store.listThreads({
              ...params,
              limit: 3,
              cursor,
            });
            expect(page.data.length).toBeLessThanOrEqual(3);
            out.push(...page.data.map((t) => t.id));
            cursor = page.nextCursor;
          } while (cursor);
          return out;
        };
        expect(await all({ sortKey: "created_at", sortDirection: "desc" })).toEqual([...ids].reverse());
        expect(await all({ sortKey: "created_at", sortDirection: "asc" })).toEqual(ids);
        expect((await all({ sortKey: "updated_at" })).sort()).toEqual([...ids].sort());
        expect(await all({ cwd: "/even", sortDirection: "asc" })).toEqual([ids[0], ids[2], ids[4], ids[6]]);
        expect(await all({ modelProviders: ["local"], sortDirection: "asc" })).toEqual([ids[5], ids[6]]);
        expect(await all({ sourceKinds: ["vscode"] })).toHaveLength(7);
        expect(await all({ sourceKinds: ["exec"] })).toEqual([]);
        const first = await store.listThreads({ limit: 2, sortKey: "created_at" });
        await expect(
          store.listThreads({ cursor: first.nextCursor, sortKey: "updated_at" }),
        ).rejects.toBeInstanceOf(InvalidCursorError);
      } finally {
        await store.close();
      }
    });

    it("commitTurn stores the closing items; a closed recorder refuses more", async () => {
      const { store } = await harness.open();
      try {
        const rec = store.createThread({ cwd: "/p", modelProvider: "openai" });
        const items = turnItems("t1", "x");
        await rec.record(items.slice(0, -1));
        await rec.commitTurn(items.slice(-1));
        expect(rec.healthy).toBe(true);
        await rec.close();
        await expect(rec.record(items)).rejects.toThrow(/closed/);
        expect(bodies((await store.readThread({ threadId: rec.threadId })).rollout.lines)).toEqual(
          bodies(items),
        );
      } finally {
        await store.close();
      }
    });

    it("exports a thread verbatim and imports it back with name, archive state and timestamps", async () => {
      const { store } = await harness.open();
      try {
        const id = await newThread(store, "exported");
        await store.setThreadName(id, "kept name");
        await store.updateGitInfo(id, { gitOriginUrl: "https://example.com/r.git" });
        await store.archiveThread(id);
        const exported = (await store.exportThread(id))!;
        expect(exported.text.endsWith("\n")).toBe(true);
        await expect(store.importThread(exported)).rejects.toBeInstanceOf(ThreadExistsError);
        await store.deleteThread(id);
        await store.importThread(exported);
        const back = (await store.exportThread(id))!;
        expect(back.text).toBe(exported.text);
        const { rolloutPath: _a, ...want } = exported.metadata;
        const { rolloutPath: _b, ...got } = back.metadata;
        expect(got).toEqual(want);
        expect(await store.exportThread("0190aaaa-0000-7000-8000-000000000000")).toBeNull();
      } finally {
        await store.close();
      }
    });

    it("property: any sequence of appends, flushes and reads returns every item, in order", async () => {
      const { store, reopen } = await harness.open();
      try {
        const op = fc.oneof(
          fc.record({
            kind: fc.constant("append" as const),
            n: fc.integer({ min: 1, max: 5 }),
            wait: fc.boolean(),
          }),
          fc.constant({ kind: "flush" as const }),
          fc.constant({ kind: "read" as const }),
        );
        await fc.assert(
          fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
            const rec = store.createThread({ cwd: "/prop", modelProvider: "openai" });
            const sent: RolloutItem[] = [];
            const pending: Promise<void>[] = [];
            let acknowledged = 0;
            for (const o of ops) {
              if (o.kind === "append") {
                const items = Array.from({ length: o.n }, () =>
                  ev("agent_message", { message: `m${sent.length}`, phase: null }),
                );
                sent.push(...items);
                const done = rec.record(items);
                if (o.wait) {
                  await done;
                  acknowledged = sent.length;
                } else pending.push(done);
              } else if (o.kind === "flush") {
                await rec.flush({ durable: true });
                acknowledged = sent.length;
              } else if (rec.materialized) {
                // Everything acknowledged so far is there, in order, and nothing else.
                const lines = (await store.readThread({ threadId: rec.threadId })).rollout.lines;
                const got = bodies(lines);
                expect(got.slice(0, acknowledged)).toEqual(bodies(sent.slice(0, acknowledged)));
                expect(bodies(sent).slice(0, got.length)).toEqual(got);
              }
            }
            await Promise.all(pending);
            await rec.close();
            if (sent.length === 0) return;
            const other = reopen();
            const lines = (await other.readThread({ threadId: rec.threadId })).rollout.lines;
            await other.close();
            expect(bodies(lines)).toEqual(bodies(sent));
          }),
          { numRuns: 25 },
        );
      } finally {
        await store.close();
      }
    });
  });
}
