import fs from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readRolloutFile } from "../../src/rollout/index.js";
import { RolloutWriteError, WRITE_CHUNK } from "../../src/rollout/recorder.js";
import { useTmpfs } from "../support/tmpfs.js";
import { ri, userItem } from "./builders.js";
import { withThreadOnTmpfs } from "./full-disk.js";

/**
 * A long outage: thousands of items recorded while the disk is full. The work spent on failing
 * writes must stay linear in the backlog — a bounded number of write calls, each of bounded
 * size — not one write of the whole queue per recorded item.
 */

// Room for the whole backlog once the filler is removed.
const tmpfs = useTmpfs("48m");

// The fs spies never outlive the test, whatever it threw.
afterEach(() => {
  vi.restoreAllMocks();
});

describe("a recorder during a long disk-full outage", () => {
  it(
    "keeps write attempts bounded and writes the whole backlog once space returns",
    (ctx) =>
      withThreadOnTmpfs(ctx, tmpfs, async ({ recorder, fill, unfill }) => {
        await recorder.recordVerbatim([]);
        const rolloutIno = fs.statSync(recorder.path!).ino;
        fill();

        // Every write call on the rollout file, and how many bytes it was asked to write.
        let attempts = 0;
        let offered = 0;
        const count = (fd: number, length: unknown, buffer: { length: number }) => {
          if (fs.fstatSync(fd).ino !== rolloutIno) return;
          attempts++;
          offered += typeof length === "number" ? length : buffer.length;
        };
        const write = fs.write;
        vi.spyOn(fs, "write").mockImplementation(((fd: number, buffer: Buffer, ...rest: unknown[]) => {
          count(fd, rest[1], buffer);
          return (write as (...args: unknown[]) => void)(fd, buffer, ...rest);
        }) as typeof fs.write);
        const writeSync = fs.writeSync;
        vi.spyOn(fs, "writeSync").mockImplementation(((fd: number, buffer: Buffer, ...rest: unknown[]) => {
          count(fd, rest[1], buffer);
          return (writeSync as (...args: unknown[]) => number)(fd, buffer, ...rest);
        }) as typeof fs.writeSync);

        const items = 3000;
        let failures = 0;
        for (let i = 0; i < items; i++) {
          await recorder.record([ri(userItem(`item ${i} ${"x".repeat(10_000)}`))]).catch((error: unknown) => {
            expect(error).toBeInstanceOf(RolloutWriteError);
            failures++;
          });
          // Retries come from a backoff timer, not from each record: a handful, not one per item.
          expect(attempts).toBeLessThanOrEqual(20 + i / 100);
          // No write call is handed more than one chunk of the backlog.
          expect(offered).toBeLessThanOrEqual(attempts * WRITE_CHUNK);
        }
        expect(failures).toBe(items);
        expect(recorder.healthy).toBe(false);

        unfill();
        await recorder.flush({ durable: true });
        expect(recorder.healthy).toBe(true);
        vi.restoreAllMocks();
        const read = await readRolloutFile(recorder.path!);
        expect(read.warnings).toEqual([]);
        const texts = read.lines
          .slice(1)
          .map((l) =>
            (l.payload as { content: { text: string }[] }).content[0]!.text.split(" ", 2).join(" "),
          );
        expect(texts).toEqual(Array.from({ length: items }, (_, i) => `item ${i}`));
      }),
    120_000,
  );
});
