import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * One writer per thread, across processes, without native code.
 *
 * The lock is a file `locks/<thread-id>.lock` holding the owner's pid, its process start time
 * (Linux: field 22 of /proc/<pid>/stat, so a recycled pid is not mistaken for the owner) and the
 * host name. It is created atomically with its content (write a private temp file, then
 * `link()` it to the lock name — link fails if the name exists). A lock whose owner is gone is
 * stale and is taken over under a guard directory: check it is still the very lock judged
 * stale, delete it and retry.
 * Locks held by another host cannot be verified and are treated as live.
 */

export const LOCKS_DIR = "locks";

export interface LockOwner {
  pid: number;
  /** Process start time in clock ticks since boot (Linux), or null where unknown. */
  start: string | null;
  host: string;
  threadId: string;
  acquiredAt: string;
}

export class ThreadLockedError extends Error {
  readonly code = "THREAD_LOCKED";
  constructor(
    readonly threadId: string,
    readonly owner: LockOwner | null,
    sameProcess: boolean,
  ) {
    super(
      sameProcess
        ? `thread ${threadId} already has an open writer in this process`
        : `thread ${threadId} is being written by another process${owner ? ` (pid ${owner.pid} on ${owner.host})` : ""}; close it there first`,
    );
    this.name = "ThreadLockedError";
  }
}

export function lockPath(home: string, threadId: string): string {
  return path.join(home, LOCKS_DIR, `${threadId}.lock`);
}

/** Start time of a process (Linux), `null` when unknown; `"zombie"` for an exited, unreaped one. */
function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return "zombie";
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

const OWN_START = processStartTime(process.pid);

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the process described by `owner` still runs (unverifiable remote owners count as live). */
export function ownerIsAlive(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return true;
  if (!processAlive(owner.pid)) return false;
  if (owner.start === null) return true;
  const now = processStartTime(owner.pid);
  if (now === "zombie") return false;
  // /proc not readable: fall back to pid liveness alone.
  return now === null || now === owner.start;
}

function parseOwner(text: string): LockOwner | null {
  try {
    const v = JSON.parse(text) as LockOwner;
    return typeof v.pid === "number" && typeof v.host === "string" ? v : null;
  } catch {
    return null;
  }
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

const held = new Map<string, ThreadLock>();

export class ThreadLock {
  private released = false;
  constructor(
    readonly file: string,
    private readonly content: string,
  ) {}

  /** Removes the lock if it is still ours. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.file);
    try {
      if (readText(this.file) === this.content) fs.unlinkSync(this.file);
    } catch {
      // Best effort: a leftover lock of a dead process is taken over later anyway.
    }
  }
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const lock of [...held.values()]) lock.release();
  });
}

/**
 * Takes the writer lock of a thread or throws `ThreadLockedError`. Synchronous: a handful of
 * small file operations.
 */
export function acquireThreadLock(home: string, threadId: string): ThreadLock {
  const file = lockPath(home, threadId);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const owner: LockOwner = {
    pid: process.pid,
    start: OWN_START,
    host: os.hostname(),
    threadId,
    acquiredAt: new Date().toISOString(),
  };
  const content = `${JSON.stringify(owner)}\n`;
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, content);
  try {
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        fs.linkSync(tmp, file);
        const lock = new ThreadLock(file, content);
        held.set(file, lock);
        installExitHook();
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const existing = readText(file);
      if (existing === null) continue; // released meanwhile
      const current = parseOwner(existing);
      if (
        current &&
        current.pid === process.pid &&
        current.host === owner.host &&
        current.start === OWN_START
      ) {
        throw new ThreadLockedError(threadId, current, true);
      }
      if (current && ownerIsAlive(current)) throw new ThreadLockedError(threadId, current, false);
      takeOverStale(file, existing);
    }
    throw new ThreadLockedError(threadId, parseOwner(readText(file) ?? ""), false);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** A takeover guard older than this was left by a process that died in the middle of one. */
const ABANDONED_GUARD_MS = 10_000;

/**
 * Removes `file` only if it still holds `staleContent` (see the module comment). The check and
 * the removal happen under a guard directory (`mkdir` is atomic), so two processes that judged
 * the same lock stale cannot both act on it: without the guard, the slower one could move aside
 * the lock the faster one had just taken, and a third process could take the empty name meanwhile.
 * A busy guard means someone else is taking over: the caller retries after a short pause.
 */
function takeOverStale(file: string, staleContent: string): void {
  const guard = `${file}.takeover`;
  try {
    fs.mkdirSync(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    removeAbandonedGuard(guard);
    pause(2);
    return;
  }
  try {
    // Under the guard nobody else removes or replaces the lock, and nobody links a new one
    // while it exists: the content read is the content removed.
    if (readText(file) === staleContent) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(guard, { recursive: true, force: true });
  }
}

function removeAbandonedGuard(guard: string): void {
  try {
    if (Date.now() - fs.statSync(guard).mtimeMs > ABANDONED_GUARD_MS) fs.rmdirSync(guard);
  } catch {
    // Gone meanwhile, or removed by another process: either way it no longer blocks.
  }
}

/** Made on first use: a module-level SharedArrayBuffer breaks the V8 start-up snapshot build. */
let sleeper: Int32Array | null = null;
/** A synchronous pause (the lock is taken synchronously). */
function pause(ms: number): void {
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleeper, 0, 0, ms);
}

/** The current owner of a thread's lock if a live process holds it, else null. */
export function liveLockOwner(home: string, threadId: string): LockOwner | null {
  const text = readText(lockPath(home, threadId));
  if (text === null) return null;
  const owner = parseOwner(text);
  return owner && ownerIsAlive(owner) ? owner : null;
}
