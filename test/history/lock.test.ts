import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HistoryLockedError, lockFile } from "../../src/history/lock.js";
import { tempDir } from "../support/tmp.js";

/** A pid no process has: a child that has exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ["-e", ""]);
  return pid as number;
}

describe("history.jsonl lock", () => {
  it("a lock another writer is still creating (empty, just made) is not taken from it", async () => {
    const file = path.join(tempDir("keel-lock-"), "history.jsonl");
    // What a writer's lock looks like between its exclusive create and its pid write.
    fs.writeFileSync(`${file}.lock`, "");
    await expect(lockFile(file)).rejects.toBeInstanceOf(HistoryLockedError);
    expect(fs.readFileSync(`${file}.lock`, "utf8")).toBe("");
  });

  it("an unreadable lock long left behind is taken over", async () => {
    const file = path.join(tempDir("keel-lock-"), "history.jsonl");
    fs.writeFileSync(`${file}.lock`, "");
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(`${file}.lock`, old, old);
    const release = await lockFile(file);
    expect(fs.readFileSync(`${file}.lock`, "utf8")).toMatch(new RegExp(`^${process.pid} `));
    await release();
    expect(fs.readdirSync(path.dirname(file))).toEqual([]);
  });

  it("waiters racing to break a dead writer's lock never hold it at the same time", async () => {
    const dead = deadPid();
    for (let round = 0; round < 6; round++) {
      const file = path.join(tempDir("keel-lock-"), "history.jsonl");
      fs.writeFileSync(`${file}.lock`, String(dead));
      let holders = 0;
      let most = 0;
      await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          // staggered arrivals: one waiter reads the dead pid while another is mid-takeover
          for (let tick = 0; tick < i * round; tick++) await new Promise((r) => setImmediate(r));
          const release = await lockFile(file);
          holders++;
          most = Math.max(most, holders);
          await new Promise((r) => setTimeout(r, 15));
          holders--;
          await release();
        }),
      );
      expect(most).toBe(1);
      // nothing is left behind: no lock, no side files
      expect(fs.readdirSync(path.dirname(file))).toEqual([]);
    }
  });

  it("a breaker killed while breaking a stale lock does not block later writers", async () => {
    const file = path.join(tempDir("keel-lock-"), "history.jsonl");
    const dead = deadPid();
    fs.writeFileSync(`${file}.lock`, String(dead));
    fs.writeFileSync(`${file}.lock.break`, `${dead} guard`);
    const release = await lockFile(file);
    await release();
    expect(fs.readdirSync(path.dirname(file))).toEqual([]);
  });

  it("side files of writers killed mid-acquire are swept, a live writer's are kept", async () => {
    const file = path.join(tempDir("keel-lock-"), "history.jsonl");
    const dead = deadPid();
    fs.writeFileSync(`${file}.lock.new.${dead}.abc`, String(dead));
    fs.writeFileSync(`${file}.lock.new.${process.pid}.live`, String(process.pid));
    const release = await lockFile(file);
    await release();
    expect(fs.readdirSync(path.dirname(file))).toEqual([`history.jsonl.lock.new.${process.pid}.live`]);
  });

  it("releasing a lock that was taken over does not delete the new owner's lock", async () => {
    const file = path.join(tempDir("keel-lock-"), "history.jsonl");
    const release = await lockFile(file);
    // Someone judged this lock stale and replaced it with their own.
    fs.rmSync(`${file}.lock`);
    fs.writeFileSync(`${file}.lock`, "424242");
    await release();
    expect(fs.readFileSync(`${file}.lock`, "utf8")).toBe("424242");
  });
});
