import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";

const created: string[] = [];

/** A fresh temporary directory, removed after the current test. Real path (symlinks resolved). */
export function tempDir(prefix = "keel-test-"): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  created.push(dir);
  return dir;
}

afterEach(() => {
  while (created.length > 0) {
    const dir = created.pop()!;
    // Retries cover a child process that is still writing into the folder as it exits.
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }
});

/** Whether `dir` or a parent holds a marker that makes it part of a project (`.git`, …). */
function insideProject(dir: string): boolean {
  for (let at = dir; ; at = path.dirname(at)) {
    if ([".git", ".keel", ".codex"].some((m) => fs.existsSync(path.join(at, m)))) return true;
    if (path.dirname(at) === at) return false;
  }
}

/**
 * A temporary directory with no `.git` (or `.keel`, `.codex`) above it, for tests of "outside any
 * project". The real Codex's sandbox leaves such empty mount points in writable roots like /tmp,
 * so when the usual temp folder is inside one, this uses /dev/shm instead.
 */
export function tempDirOutsideProjects(prefix = "keel-plain-"): string {
  const base = [os.tmpdir(), "/dev/shm"].find((b) => fs.existsSync(b) && !insideProject(b)) ?? os.tmpdir();
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(base, prefix)));
  created.push(dir);
  return dir;
}
