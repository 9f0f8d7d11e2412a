import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { useTmpfs } from "../support/tmpfs.js";
import type { RolloutItem } from "../../src/protocol/rollout.js";
import { buildTurns, readRolloutFile, FileThreadStore } from "../../src/rollout/index.js";
import { RolloutWriteError } from "../../src/rollout/recorder.js";
import { ev, ri, userItem } from "./builders.js";
import { withThreadOnTmpfs } from "./full-disk.js";

/**
 * The recorder on a real tmpfs that runs full at an arbitrary point (in the middle of the first
 * line, of a batch, of the session meta): every line recorded is in the file exactly once, in
 * order and intact once space returns — a short write is continued, never repeated.
 */

const tmpfs = useTmpfs("512k");

/** Leaves about `freeBytes` free (tmpfs counts whole pages); returns the filler's path. */
function fillLeaving(dir: string, freeBytes: number): string {
  const filler = path.join(dir, "filler");
  const fd = fs.openSync(filler, "w");
  try {
    const { bavail, bsize } = fs.statfsSync(dir);
    const target = Math.max(0, bavail * bsize - freeBytes);
    const chunk = Buffer.alloc(1 << 16, 0x61);
    for (let done = 0; done < target; ) {
      try {
        done += fs.writeSync(fd, chunk, 0, Math.min(chunk.length, target - done));
      } catch {
        break;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

const message = (i: number, size: number): RolloutItem => ri(userItem(`item ${i} ${"x".repeat(size)}`));

describe("a recorder whose disk runs full", () => {
  it("writes every recorded line exactly once, in order, once space returns", async (ctx) => {
    const mountPoint = tmpfs.mountPoint;
    if (!mountPoint) {
      ctx.skip(`cannot mount a tmpfs here: ${tmpfs.refused}`);
      return;
    }
    const root = mountPoint;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 12 * 4096 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 9000 }), { minLength: 1, maxLength: 4 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.boolean(),
        async (freeBytes, batches, materializeFirst) => {
          const home = fs.mkdtempSync(path.join(root, "home-"));
          const store = new FileThreadStore({ home, reconcileOnOpen: false });
          const recorder = store.createThread({
            cwd: "/w",
            modelProvider: "openai",
            baseInstructions: "b".repeat(3000),
          });
          let filler: string | null = null;
          try {
            if (materializeFirst) await recorder.recordVerbatim([]);
            filler = fillLeaving(root, freeBytes);
            let n = 0;
            let failures = 0;
            for (const sizes of batches) {
              await recorder.record(sizes.map((size) => message(n++, size))).catch((error: unknown) => {
                expect(error).toBeInstanceOf(RolloutWriteError);
                expect((error as Error).message).toMatch(/ENOSPC/);
                failures++;
              });
            }
            if (failures > 0) expect(recorder.healthy).toBe(false);
            fs.rmSync(filler);
            filler = null;
            await recorder.flush({ durable: true });
            expect(recorder.healthy).toBe(true);
            const read = await readRolloutFile(recorder.path!);
            expect(read.warnings).toEqual([]);
            expect(read.lines.map((l) => l.type)).toEqual([
              "session_meta",
              ...Array(n).fill("response_item"),
            ]);
            const texts = read.lines
              .slice(1)
              .map((l) => (l.payload as { content: { text: string }[] }).content[0]!.text);
            expect(texts.map((t) => t.split(" ").slice(0, 2).join(" "))).toEqual(
              Array.from({ length: n }, (_, i) => `item ${i}`),
            );
          } finally {
            if (filler) fs.rmSync(filler);
            await store.close();
            fs.rmSync(home, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 30, endOnFailure: true },
    );
  }, 120_000);

  it("puts the error before a turn end the disk cut off part-way, so the turn reads as failed", (ctx) =>
    withThreadOnTmpfs(ctx, tmpfs, async ({ recorder, fill, unfill }) => {
      await recorder.record([ev("task_started", { turn_id: "t1" }), ri(userItem("question"))]);
      // The file's last page must have room left, but less than the closing line needs.
      for (let i = 0; fs.statSync(recorder.path!).size % 4096 < 512; i++)
        await recorder.record([ri(userItem(`pad ${i} ${"p".repeat(700)}`))]);
      fill();
      const end = ev("task_complete", { turn_id: "t1", last_agent_message: "y".repeat(10_000) });
      const failure = await recorder.commitTurn([end]).then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(RolloutWriteError);
      // What the session does with the answer: the error first, then the end if it was taken back.
      const withdrawn = (failure as RolloutWriteError).withdrawn;
      expect(withdrawn).toBe(true);
      const error = ev("error", { message: "This turn could not be saved" });
      await recorder.recordVerbatim([error, ...(withdrawn ? [end] : [])]).catch(() => undefined);

      unfill();
      await recorder.flush({ durable: true });
      const read = await readRolloutFile(recorder.path!);
      expect(read.warnings).toEqual([]);
      const events = read.lines.filter((l) => l.type === "event_msg").map((l) => l.payload.type);
      expect(events).toEqual(["task_started", "error", "task_complete"]);
      expect(buildTurns(read.lines).map((t) => [t.id, t.status])).toEqual([["t1", "failed"]]);
    }));
});
