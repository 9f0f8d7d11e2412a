import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SandboxRunResult } from "../../src/sandbox/index.js";
import { ExecProcess } from "../../src/tools/runtime/unified-exec/process.js";
import { MAX_PROCESSES, PROTECTED_RECENT, ProcessStore } from "../../src/tools/runtime/unified-exec/store.js";
import { execYieldMs, writeYieldMs } from "../../src/tools/runtime/unified-exec/reply.js";

const exitedResult = { exitCode: 0, signal: null } as SandboxRunResult;

/** A process in the store: `exited` ones have a result, running ones never finish. */
function proc(store: ProcessStore, exited: boolean): ExecProcess {
  const p = new ExecProcess(store.reserve(), "thread", "call", "turn", "cmd", "/", false);
  p.launch(
    () => (exited ? Promise.resolve(exitedResult) : new Promise<SandboxRunResult>(() => {})),
    () => {},
  );
  return p;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("unified exec process store", () => {
  it("the 65th process prunes the least recently used exited one, else the oldest unprotected", async () => {
    const store = new ProcessStore();
    const all: ExecProcess[] = [];
    for (let i = 0; i < MAX_PROCESSES; i++) {
      all.push(proc(store, i === 5 || i === 60));
    }
    await settle();
    for (const p of all) expect(store.add(p)).toBeNull();
    // Touch the first one: it becomes recent, so the exited #5 is the oldest exited candidate.
    store.get(all[0]!.id);
    const pruned = store.add(proc(store, false));
    expect(pruned).toBe(all[5]);
    // #60 exited too, but is among the 8 most recently used: the oldest running one goes instead.
    const next = store.add(proc(store, false));
    expect(next).toBe(all[1]);
    expect(store.list()).toHaveLength(MAX_PROCESSES);
  });

  it("ids are unique in [1000, 100000) and the store never exceeds its limit nor prunes a recent one", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ exited: fc.boolean(), touch: fc.nat(200) }), { minLength: 1, maxLength: 150 }),
        async (steps) => {
          const store = new ProcessStore();
          const order: ExecProcess[] = [];
          for (const step of steps) {
            const p = proc(store, step.exited);
            await settle();
            const recent = [...order].slice(-PROTECTED_RECENT);
            const pruned = store.add(p);
            if (pruned) {
              expect(recent).not.toContain(pruned);
              order.splice(order.indexOf(pruned), 1);
            }
            order.push(p);
            const existing = order[step.touch % order.length]!;
            store.get(existing.id);
            order.splice(order.indexOf(existing), 1);
            order.push(existing);
            const ids = store.list().map((x) => x.id);
            expect(new Set(ids).size).toBe(ids.length);
            expect(ids.every((id) => id >= 1000 && id < 100_000)).toBe(true);
            expect(ids.length).toBeLessThanOrEqual(MAX_PROCESSES);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("clamps yields and budgets as Codex does", () => {
    expect(execYieldMs(undefined)).toBe(10_000);
    expect(execYieldMs(100)).toBe(250);
    expect(execYieldMs(99_999_999)).toBe(30_000);
    expect(writeYieldMs(undefined, false, 300_000)).toBe(250);
    expect(writeYieldMs(99_999, false, 300_000)).toBe(30_000);
    expect(writeYieldMs(1000, true, 300_000)).toBe(5000);
    expect(writeYieldMs(999_999, true, 300_000)).toBe(300_000);
    expect(writeYieldMs(999_999, true, 1000)).toBe(5000);
  });
});
