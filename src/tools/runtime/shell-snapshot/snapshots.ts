import fs from "node:fs";
import { captureShellSnapshot, removeStaleSnapshots, type ShellSnapshot } from "./snapshot.js";

interface Entry {
  abort: AbortController;
  /** The snapshot once taken; null while it is being taken, or when it failed. */
  ready: ShellSnapshot | null;
  done: Promise<ShellSnapshot | null>;
}

export interface SessionStart {
  threadId: string;
  cwd: string;
  keelHome: string;
  env: Record<string, string>;
}

/**
 * The shell snapshot of each live thread. It is taken in the background when the session starts
 * (nothing waits for it: commands that start before it is ready run without it) and deleted when
 * the session ends.
 */
export class ShellSnapshots {
  private readonly threads = new Map<string, Entry>();

  constructor(
    private readonly shell: string,
    /** `[features] shell_snapshot` and `allow_login_shell`: no snapshot without a login shell. */
    private readonly enabled: boolean,
  ) {}

  start(session: SessionStart): void {
    if (!this.enabled || this.threads.has(session.threadId)) return;
    const abort = new AbortController();
    const entry: Entry = { abort, ready: null, done: Promise.resolve(null) };
    this.threads.set(session.threadId, entry);
    void removeStaleSnapshots(session.keelHome, new Set(this.threads.keys())).catch(() => undefined);
    entry.done = captureShellSnapshot({ ...session, shell: this.shell, signal: abort.signal }).then(
      (snapshot) => {
        entry.ready = snapshot;
        return snapshot;
      },
      // A snapshot is an optimisation: commands run without it, as when the shell has none.
      () => null,
    );
  }

  /** The thread's snapshot if it is ready. */
  current(threadId: string): ShellSnapshot | null {
    return this.threads.get(threadId)?.ready ?? null;
  }

  /** Resolves once the thread's snapshot was taken (or failed, or there is none). */
  async settled(threadId: string): Promise<ShellSnapshot | null> {
    return (await this.threads.get(threadId)?.done) ?? null;
  }

  /** Stops a capture still running and deletes the thread's snapshot file. */
  async end(threadId: string): Promise<void> {
    const entry = this.threads.get(threadId);
    if (!entry) return;
    this.threads.delete(threadId);
    entry.abort.abort();
    const snapshot = await entry.done;
    if (snapshot) await fs.promises.rm(snapshot.path, { force: true });
  }
}
