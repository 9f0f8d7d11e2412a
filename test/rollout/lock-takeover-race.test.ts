import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { lockPath } from "../../src/rollout/lock.js";
import { tempDir } from "../support/tmp.js";
import { fixtureScript } from "./support.js";

/**
 * Several processes find the same stale writer lock at the same moment and all try to take it
 * over. Exactly one may end up holding the lock in each round: a takeover must never move aside
 * (or delete) a lock another racer has just taken.
 */

interface Racer {
  proc: ChildProcess;
  next(): Promise<string>;
}

const racers: Racer[] = [];
afterEach(() => {
  for (const r of racers.splice(0)) r.proc.kill("SIGKILL");
});

async function racer(): Promise<Racer> {
  const proc = spawn(process.execPath, [await fixtureScript("lock-racer")], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  readline.createInterface({ input: proc.stdout! }).on("line", (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else queue.push(line);
  });
  const r: Racer = {
    proc,
    next: () => {
      const line = queue.shift();
      return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
    },
  };
  racers.push(r);
  return r;
}

/** The lock a process that has exited would have left behind. */
function staleLock(threadId: string, dead: number): string {
  const owner = {
    pid: dead,
    start: null,
    host: os.hostname(),
    threadId,
    acquiredAt: new Date().toISOString(),
  };
  return `${JSON.stringify(owner)}\n`;
}

describe("stale writer lock takeover", () => {
  it("lets exactly one of several processes take over a stale lock, round after round", async () => {
    const home = tempDir();
    const threadId = "01a23d00-0000-7000-8000-000000000017";
    const file = lockPath(home, threadId);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const all = await Promise.all(Array.from({ length: 8 }, () => racer()));
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const winners: number[] = [];
    for (let round = 0; round < 150; round++) {
      fs.writeFileSync(file, staleLock(threadId, dead));
      const at = Date.now() + 20;
      for (const r of all) r.proc.stdin!.write(`go ${home} ${threadId} ${at}\n`);
      const answers = await Promise.all(all.map((r) => r.next()));
      winners.push(answers.filter((a) => a === "won").length);
      for (const r of all) r.proc.stdin!.write("release\n");
      await Promise.all(all.map((r) => r.next()));
      // Whatever was left (a lost lock, an aside copy) must not leak into the next round.
      fs.rmSync(file, { force: true });
    }
    expect(winners).toEqual(winners.map(() => 1));
    // No takeover leftovers (aside copies, guards) stay behind.
    expect(fs.readdirSync(path.dirname(file))).toEqual([]);
  }, 60_000);
});
