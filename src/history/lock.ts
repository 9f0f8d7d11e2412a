import fs from "node:fs/promises";

/** Codex retries its history lock 10 times, 100 ms apart, then gives up. */
const MAX_RETRIES = 10;
const RETRY_MS = 100;

export class HistoryLockedError extends Error {
  constructor(file: string) {
    super(`could not acquire exclusive lock on history file ${file} after multiple attempts`);
  }
}

/**
 * An advisory, cross-process lock: a `<file>.lock` created exclusively, holding the owner's pid.
 * Node has no flock(2); a lock left by a writer killed mid-append (its pid is gone) is taken over.
 * Returns the release function.
 */
export async function lockFile(file: string): Promise<() => Promise<void>> {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: "wx", mode: 0o600 });
      return () => fs.rm(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (await ownerIsGone(lock)) {
        await fs.rm(lock, { force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
  throw new HistoryLockedError(file);
}

async function ownerIsGone(lock: string): Promise<boolean> {
  let pid: number;
  try {
    pid = Number.parseInt(await fs.readFile(lock, "utf8"), 10);
  } catch {
    return false; // it vanished or is being written: try again
  }
  // An empty or garbled lock is one whose writer died between create and write.
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
