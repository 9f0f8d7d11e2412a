import type { RolloutItem, SessionMetaLine } from "../protocol/rollout.js";
import type { ThreadMetadata } from "./metadata.js";
import { type PersistenceMode, shouldPersistRolloutItem } from "./policy.js";
import type { ThreadRecorder } from "./recorder.js";
import { RolloutWriteError } from "./write-error.js";

/** The lines of one `record` call on their way to storage. */
export interface QueuedLines {
  /** The waiting `record` call, if any. */
  settle: { resolve: () => void; reject: (error: unknown) => void } | null;
  /** Made on demand (`whenStored`): settles once the lines are stored, failed or withdrawn. */
  stored: Promise<void> | null;
  markStored: () => void;
}

/** Bookkeeping fields of a new queue entry. */
export function queuedLines(): QueuedLines {
  return { settle: null, stored: null, markStored: () => {} };
}

export interface QueuedRecorderOptions {
  threadId: string;
  /** Where the thread is stored (a file path, or a `pg:/…` path). */
  path: string;
  mode: PersistenceMode;
  /** Starting metadata (from the stored thread, or from the new session meta). */
  metadata: ThreadMetadata;
  /** New thread: its first line, stored before anything else. */
  sessionMeta?: SessionMetaLine;
  onClose?: () => void;
  now?: () => Date;
}

/**
 * What the file and PostgreSQL recorders share: one queue of lines in storage order, a single
 * writer loop, the persistence policy, a turn's closing items that a failed sync can take back,
 * and retries of the backlog after a failure (doubling pauses, not keeping the process alive).
 * Subclasses say how lines are queued, written and taken back.
 */
export abstract class QueuedRecorder<Entry extends QueuedLines> implements ThreadRecorder {
  readonly threadId: string;
  readonly path: string;
  readonly mode: PersistenceMode;
  readonly ephemeral = false;
  protected readonly metadata: ThreadMetadata;
  protected pendingMeta: SessionMetaLine | null;
  /** Lines not (all) stored yet, in storage order. */
  protected queue: Entry[] = [];
  /** Why the last write or sync failed; cleared by the next success. */
  protected failure: unknown = null;
  protected draining: Promise<void> | null = null;
  protected closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = RETRY_MIN_MS;

  constructor(private readonly base: QueuedRecorderOptions) {
    this.threadId = base.threadId;
    this.path = base.path;
    this.mode = base.mode;
    this.metadata = { ...base.metadata };
    this.pendingMeta = base.sessionMeta ?? null;
  }

  /** True once the thread's first line is stored. */
  get materialized(): boolean {
    return this.pendingMeta === null;
  }

  get healthy(): boolean {
    return this.failure === null && this.queue.length === 0;
  }

  /** A copy of the index metadata as of the last recorded item. */
  currentMetadata(): ThreadMetadata {
    return { ...this.metadata };
  }

  /** Metadata set from outside (thread/metadata/update), kept by later writes. */
  patchMetadata(patch: Partial<ThreadMetadata>): void {
    Object.assign(this.metadata, patch);
  }

  protected now(): Date {
    return this.base.now?.() ?? new Date();
  }

  protected refuseIfClosed(): void {
    if (this.closed) throw new Error(`rollout recorder for thread ${this.threadId} is closed`);
  }

  async record(items: readonly RolloutItem[]): Promise<void> {
    this.refuseIfClosed();
    const kept = items.filter((item) => shouldPersistRolloutItem(item, this.mode));
    if (kept.length > 0) await this.write(this.enqueue(kept));
  }

  abstract recordVerbatim(items: readonly RolloutItem[]): Promise<void>;
  abstract flush(opts?: { durable?: boolean }): Promise<void>;

  async commitTurn(items: readonly RolloutItem[]): Promise<void> {
    const kept = items.filter((item) => shouldPersistRolloutItem(item, this.mode));
    const closing = kept.length > 0 ? this.enqueue(kept) : null;
    try {
      await this.flush({ durable: true });
    } catch (error) {
      const cause = error instanceof RolloutWriteError ? error.cause : error;
      throw new RolloutWriteError(this.path, cause, closing !== null && this.withdraw(closing));
    }
  }

  whenStored(): Promise<void> | null {
    const last = this.queue.at(-1);
    // During an outage (a retry is scheduled) nothing is in flight: events must not wait for it.
    if (!last || (this.failure !== null && this.draining === null)) return null;
    last.stored ??= new Promise<void>((resolve) => {
      last.markStored = resolve;
    });
    return last.stored;
  }

  /** Formats items as lines at the end of the queue (nothing is written yet). */
  protected abstract enqueue(items: readonly RolloutItem[]): Entry;
  /** Takes a turn's closing lines back after a failed sync; false when that is not possible. */
  protected abstract withdraw(entry: Entry): boolean;
  /** The writer loop: stores the queue from its head, calling `stored` / `failed`. */
  protected abstract drain(): Promise<void>;

  /** Resolves when `entry` is stored; rejects when writing failed (it stays queued). */
  protected write(entry: Entry): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      entry.settle = { resolve, reject };
    });
    void this.startDrain();
    return done;
  }

  /** The running writer loop, or a new one. */
  protected startDrain(): Promise<void> {
    if (this.draining) return this.draining;
    // Cleared in a later microtask: a loop that ends synchronously must not be left as running.
    const run: Promise<void> = this.drain().finally(() => {
      if (this.draining === run) this.draining = null;
    });
    this.draining = run;
    return run;
  }

  /** Waits for the writer loop and retries what failed; throws while any line is not stored. */
  protected async drainAll(): Promise<void> {
    while (this.draining) await this.draining;
    if (this.queue.length > 0) {
      await this.startDrain();
      if (this.queue.length > 0) throw new RolloutWriteError(this.path, this.failure);
    }
  }

  /** `entry` left the queue stored (or withdrawn): its waiters hear of it. */
  protected settled(entry: Entry): void {
    entry.settle?.resolve();
    entry.markStored();
  }

  protected succeeded(): void {
    this.failure = null;
    this.retryDelay = RETRY_MIN_MS;
  }

  /** A write failed: everything queued stays, its waiters are told, a retry is scheduled. */
  protected failed(error: unknown): void {
    this.failure = error;
    for (const entry of this.queue) {
      entry.settle?.reject(new RolloutWriteError(this.path, error));
      entry.settle = null;
      entry.markStored();
    }
    this.scheduleRetry();
  }

  /** One retry of the backlog after a growing pause; it does not keep the process alive. */
  protected scheduleRetry(): void {
    if (this.retryTimer !== null || this.closed) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(delay * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed && this.queue.length > 0) void this.startDrain();
    }, delay);
    this.retryTimer.unref();
  }

  /** Lines still unstored when closing are lost: the error says so; `release` runs anyway. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush({ durable: true });
    } finally {
      this.closed = true;
      if (this.retryTimer !== null) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.release();
      this.base.onClose?.();
    }
  }

  /** Frees what the recorder holds (a file descriptor, a lock) once it is closed. */
  protected release(): void {}
}

/** Backlog retries after a failure: first after RETRY_MIN_MS, doubling up to RETRY_MAX_MS. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 8000;
