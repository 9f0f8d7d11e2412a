import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

/** Codex retries its history lock 10 times, 100 ms apart, then gives up. */
const MAX_RETRIES = 10;
const RETRY_MS = 100;
/**
 * A lock without a readable pid is only stale once this old: older keel versions created the
 * lock empty and wrote the pid after, so such a file may belong to a writer that is alive.
 */
const UNREADABLE_LOCK_STALE_MS = 10_000;

export class HistoryLockedError extends Error {
  constructor(file: string) {
    super(`could not acquire exclusive lock on history file ${file} after multiple attempts`);
  }
}

/**
 * An advisory, cross-process lock: a `<file>.lock` holding the owner's pid and a token naming
 * this one acquisition (an inode can be reused; a token cannot). Node has no
 * flock(2); a lock left by a writer killed mid-append (its pid is gone) is taken over.
 * Returns the release function.
 */
export async function lockFile(file: string): Promise<() => Promise<void>> {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    const token = `${process.pid} ${randomUUID()}`;
    if (await tryCreate(lock, token)) {
      await sweepDeadSideFiles(lock);
      return () => removeIfContent(lock, token);
    }
    const stale = await staleLock(lock);
    if (stale !== null && (await breakStaleLock(lock, stale))) continue;
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  throw new HistoryLockedError(file);
}

/**
 * Creates the lock with its pid already inside: written to a side file and hard-linked into
 * place, which fails when the lock exists. A lock is thus never seen empty, so no reader can
 * take a lock being created for a dead one. False when the lock is held.
 */
async function tryCreate(lock: string, token: string): Promise<boolean> {
  const temp = `${lock}.new.${process.pid}.${randomUUID()}`;
  await fs.writeFile(temp, token, { flag: "wx", mode: 0o600 });
  try {
    await fs.link(temp, lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/**
 * Removes the `<lock>.new.<pid>.<uuid>` side files of writers killed before they cleaned up
 * (only those whose pid is gone: a live writer may be about to link its own).
 */
async function sweepDeadSideFiles(lock: string): Promise<void> {
  const dir = path.dirname(lock);
  const prefix = `${path.basename(lock)}.new.`;
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (Number.isInteger(pid) && pid > 0 && ownerIsGone(pid))
      await fs.rm(path.join(dir, name), { force: true });
  }
}

/** The content of a lock whose owner is gone, or null (alive, vanished, or too young to judge). */
async function staleLock(lock: string): Promise<string | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(lock, "r");
  } catch {
    return null; // it vanished: try again
  }
  try {
    // Content and age from one descriptor: they describe the same lock.
    const stat = await handle.stat();
    const content = await handle.readFile("utf8");
    const pid = Number.parseInt(content, 10);
    if (!Number.isInteger(pid) || pid <= 0)
      return Date.now() - stat.mtimeMs > UNREADABLE_LOCK_STALE_MS ? content : null;
    return ownerIsGone(pid) ? content : null;
  } finally {
    await handle.close();
  }
}

function ownerIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Removes the stale lock whose content is `stale` — and only it. Two waiters may both judge it
 * stale; if the first breaks it and takes a fresh lock, the second must not delete that one. So
 * breaking needs `<lock>.break`, and its holder deletes the lock only while it still reads
 * `stale`: nothing else can replace a lock whose owner is dead. True when the lock was looked at
 * (retry at once), false when another waiter is breaking it (wait).
 */
async function breakStaleLock(lock: string, stale: string): Promise<boolean> {
  const guard = `${lock}.break`;
  const token = `${process.pid} ${randomUUID()}`;
  if (!(await tryCreate(guard, token))) {
    // A breaker killed while breaking leaves its guard behind; it goes once its owner is gone.
    const abandoned = await staleLock(guard);
    if (abandoned !== null) await removeIfContent(guard, abandoned);
    return false;
  }
  try {
    await removeIfContent(lock, stale);
  } finally {
    await removeIfContent(guard, token);
  }
  return true;
}

/** Deletes `file` if it still holds `content` (a released lock must be this holder's own). */
async function removeIfContent(file: string, content: string): Promise<void> {
  const current = await fs.readFile(file, "utf8").catch(() => null);
  if (current === content) await fs.rm(file, { force: true });
}
