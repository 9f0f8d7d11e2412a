import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  appendHistoryEntry,
  historyFile,
  messageHistoryConfig,
  messageHistoryMetadata,
} from "../../src/history/message-history.js";
import { bytesToDrop, lineLengths } from "../../src/history/trim.js";
import { tempDir } from "../support/tmp.js";

const child = path.join(import.meta.dirname, "writer-child.mjs");
const lines = (home: string) => fs.readFileSync(historyFile(home), "utf8").split("\n").filter(Boolean);

function writer(home: string, label: string, count: string, maxBytes?: number) {
  const proc = spawn(process.execPath, [child, home, label, count, ...(maxBytes ? [String(maxBytes)] : [])], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = new Promise<void>((resolve) => proc.stdout!.once("data", () => resolve()));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return { proc, ready, exited };
}

describe("history.jsonl", () => {
  it("appends one owner-only JSON line per message, as Codex writes it", async () => {
    const home = tempDir("keel-history-");
    fs.writeFileSync(historyFile(home), "", { mode: 0o644 });
    fs.chmodSync(historyFile(home), 0o644);
    const config = messageHistoryConfig(home, null);
    await appendHistoryEntry(config, "thread-1", "first prompt", () => 1_700_000_000_500);
    await appendHistoryEntry(config, "thread-1", 'second "quoted"\nprompt', () => 1_700_000_001_000);
    expect(fs.readFileSync(historyFile(home), "utf8")).toBe(
      '{"session_id":"thread-1","ts":1700000000,"text":"first prompt"}\n' +
        '{"session_id":"thread-1","ts":1700000001,"text":"second \\"quoted\\"\\nprompt"}\n',
    );
    expect(fs.statSync(historyFile(home)).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(`${historyFile(home)}.lock`)).toBe(false);
    expect(await messageHistoryMetadata(home)).toEqual({
      logId: fs.statSync(historyFile(home)).ino,
      count: 2,
    });
  });

  it('writes nothing with persistence = "none"', async () => {
    const home = tempDir("keel-history-");
    await appendHistoryEntry(messageHistoryConfig(home, { persistence: "none" }), "t", "secret");
    expect(fs.existsSync(historyFile(home))).toBe(false);
    expect(await messageHistoryMetadata(home)).toEqual({ logId: 0, count: 0 });
  });

  it("max_bytes drops the oldest whole lines down to 80% of the cap and keeps the newest", async () => {
    const home = tempDir("keel-history-");
    const config = messageHistoryConfig(home, { max_bytes: 300 });
    for (let i = 0; i < 10; i++) await appendHistoryEntry(config, "t", `message ${i}`, () => 0);
    const kept = lines(home);
    // 45-byte lines: the 7th (315 bytes) trims to 5 lines (225 <= 80% of 300); so does the 9th
    expect(kept.map((l) => JSON.parse(l).text)).toEqual([4, 5, 6, 7, 8, 9].map((i) => `message ${i}`));
    await appendHistoryEntry(config, "t", "y".repeat(400), () => 0);
    // the newest entry stays alone even though it is over the cap
    expect(lines(home).map((l) => JSON.parse(l).text)).toEqual(["y".repeat(400)]);
  });

  it("trimming cuts at line boundaries, keeps the newest line and the longest suffix that fits", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 40 }),
        fc.nat(3000),
        (lens, max) => {
          const drop = bytesToDrop(lens, max);
          const total = lens.reduce((a, b) => a + b, 0);
          // a prefix of whole lines, never the newest one
          const prefixes = [0];
          for (const l of lens.slice(0, -1)) prefixes.push(prefixes.at(-1)! + l);
          expect(prefixes).toContain(drop);
          const kept = total - drop;
          if (max === 0 || total <= max) {
            expect(drop).toBe(0);
            return;
          }
          const target = Math.max(Math.max(Math.floor(max * 0.8), 1), lens.at(-1)!);
          // fits the target unless only the newest line is left; and no more was dropped than needed
          expect(kept <= target || drop === prefixes.at(-1)).toBe(true);
          const fewer = prefixes[prefixes.indexOf(drop) - 1];
          if (fewer !== undefined) expect(total - fewer).toBeGreaterThan(target);
        },
      ),
    );
  });

  it("lineLengths counts a torn last line as a line of its own", () => {
    expect(lineLengths(Buffer.from("ab\nc\nde"))).toEqual([3, 2, 2]);
    expect(lineLengths(Buffer.from(""))).toEqual([]);
  });

  it("two processes appending at once leave every line whole", async () => {
    const home = tempDir("keel-history-");
    const a = writer(home, "a", "60", 4000);
    const b = writer(home, "b", "60", 4000);
    expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
    const kept = lines(home).map((l) => JSON.parse(l));
    expect(kept.length).toBeGreaterThan(0);
    expect(fs.statSync(historyFile(home)).size).toBeLessThanOrEqual(4000);
    // the last entry of whichever writer finished last is there, and each writer's entries stay in order
    for (const label of ["a", "b"]) {
      const mine = kept.filter((e) => e.session_id === label).map((e) => Number(e.text.split(" ")[1]));
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
    expect(kept.some((e) => e.text.startsWith("a 59") || e.text.startsWith("b 59"))).toBe(true);
  });

  it("a writer killed with SIGKILL leaves only whole lines, and its lock does not block the next one", async () => {
    const home = tempDir("keel-history-");
    const w = writer(home, "k", "forever", 3000);
    await w.ready;
    while (!fs.existsSync(historyFile(home)) || lines(home).length < 20)
      await new Promise((r) => setTimeout(r, 5));
    w.proc.kill("SIGKILL");
    await w.exited;
    // a lock file naming the dead writer (as if it died holding it) is taken over
    fs.writeFileSync(`${historyFile(home)}.lock`, String(w.proc.pid));
    await appendHistoryEntry(messageHistoryConfig(home, { max_bytes: 3000 }), "next", "after the kill");
    const text = fs.readFileSync(historyFile(home), "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const parsed = text
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(parsed.at(-1)).toMatchObject({ session_id: "next", text: "after the kill" });
  });
});
