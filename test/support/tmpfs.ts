import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";

export interface Tmpfs {
  /** Where it is mounted; null when mounting is not permitted here. */
  mountPoint: string | null;
  /** Why mounting failed (for the skip message). */
  refused: string | null;
}

/**
 * A real, small tmpfs for the tests of one file (mounted in beforeAll, unmounted in afterAll):
 * a disk that can be filled up. Needs root; elsewhere `mountPoint` stays null.
 */
export function useTmpfs(size: string): Tmpfs {
  const state: Tmpfs = { mountPoint: null, refused: null };
  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-tmpfs-"));
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" });
      state.mountPoint = dir;
    } catch (error) {
      fs.rmdirSync(dir);
      state.refused = String((error as { stderr?: Buffer }).stderr ?? error).trim();
    }
  });
  afterAll(() => {
    if (!state.mountPoint) return;
    execFileSync("umount", ["-l", state.mountPoint]);
    fs.rmdirSync(state.mountPoint);
  });
  return state;
}

/** Fills the file system of `dir` until even one more byte fails; returns the filler's path. */
export function fillUp(dir: string): string {
  const filler = path.join(dir, "filler");
  const fd = fs.openSync(filler, "w");
  try {
    for (const size of [1 << 16, 4096, 1]) {
      const chunk = Buffer.alloc(size, 0x61);
      for (let full = false; !full; ) {
        try {
          fs.writeSync(fd, chunk);
        } catch {
          full = true;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}
