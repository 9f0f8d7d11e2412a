import type { RolloutItem, SessionMetaLine } from "../../protocol/rollout.js";
import { applyItemToMetadata, type ThreadMetadata } from "../../rollout/metadata.js";
import { type PersistenceMode, shouldPersistRolloutItem } from "../../rollout/policy.js";
import { formatRolloutLine } from "../../rollout/reader.js";
import { RolloutWriteError, type ThreadRecorder } from "../../rollout/recorder.js";

/** Appends lines to a thread; resolves once they are committed. Implemented by the store. */
export interface LineWriter {
  /**
   * Writes `lines` at `seq` (and on) with the thread's metadata, in one transaction. `create`:
   * the thread row is new (seq 0 is its session_meta line).
   */
  append(args: { metadata: ThreadMetadata; seq: number; lines: string[]; create: boolean }): Promise<void>;
}

/** The lines of one `record` call, waiting to be committed. */
interface Batch {
  lines: string[];
  settle: { resolve: () => void; reject: (error: unknown) => void } | null;
  /** Made on demand (`whenStored`): settles once the batch is committed, failed or withdrawn. */
  stored: Promise<void> | null;
  markStored: () => void;
}

export interface PostgresRecorderOptions {
  threadId: string;
  /** The thread's `pg:/…` path. */
  path: string;
  mode: PersistenceMode;
  metadata: ThreadMetadata;
  writer: LineWriter;
  /** Number of lines already stored (resume: the next seq). */
  storedLines: number;
  /** New thread: its first line, stored with the first persisted item. */
  sessionMeta?: SessionMetaLine;
  onClose?: () => void;
  now?: () => Date;
}

/**
 * A thread's recorder on PostgreSQL. Same contract as the file recorder: items in engine order,
 * the same persistence policy, and `record`/`flush` resolve only once their lines are committed
 * (a committed transaction is durable, so `durable` adds nothing). Lines queue while one
 * transaction is in flight and go together in the next (group commit), always in order. A failed
 * write keeps its lines queued; they go first at the next write, flush or retry.
 */
export class PostgresRecorder implements ThreadRecorder {
  readonly threadId: string;
  readonly path: string;
  readonly mode: PersistenceMode;
  readonly ephemeral = false;
  private readonly opts: PostgresRecorderOptions;
  private readonly metadata: ThreadMetadata;
  private pendingMeta: SessionMetaLine | null;
  private stored: number;
  private queue: Batch[] = [];
  private failure: unknown = null;
  private draining: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = RETRY_MIN_MS;
  private closed = false;

  constructor(opts: PostgresRecorderOptions) {
    this.opts = opts;
    this.threadId = opts.threadId;
    this.path = opts.path;
    this.mode = opts.mode;
    this.metadata = { ...opts.metadata };
    this.pendingMeta = opts.sessionMeta ?? null;
    this.stored = opts.storedLines;
  }

  /** True once the thread's row (and first line) is committed. */
  get materialized(): boolean {
    return this.pendingMeta === null;
  }

  get healthy(): boolean {
    return this.failure === null && this.queue.length === 0;
  }

  currentMetadata(): ThreadMetadata {
    return { ...this.metadata };
  }

  patchMetadata(patch: Partial<ThreadMetadata>): void {
    Object.assign(this.metadata, patch);
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private refuseIfClosed(): void {
    if (this.closed) throw new Error(`rollout recorder for thread ${this.threadId} is closed`);
  }

  async record(items: readonly RolloutItem[]): Promise<void> {
    this.refuseIfClosed();
    const kept = items.filter((item) => shouldPersistRolloutItem(item, this.mode));
    if (kept.length > 0) await this.write(this.enqueue(kept));
  }

  async recordVerbatim(items: readonly RolloutItem[]): Promise<void> {
    this.refuseIfClosed();
    // No items: a fork of an empty history is still stored (its session_meta alone).
    await this.write(this.enqueue(items));
  }

  async commitTurn(items: readonly RolloutItem[]): Promise<void> {
    const kept = items.filter((item) => shouldPersistRolloutItem(item, this.mode));
    const closing = kept.length > 0 ? this.enqueue(kept) : null;
    try {
      await this.flush({ durable: true });
    } catch (error) {
      const cause = error instanceof RolloutWriteError ? error.cause : error;
      // A failed transaction stored none of its lines: the closing ones can always be taken back.
      const withdrawn = closing !== null && this.withdraw(closing);
      throw new RolloutWriteError(this.path, cause, withdrawn);
    }
  }

  private withdraw(batch: Batch): boolean {
    const at = this.queue.indexOf(batch);
    if (at < 0) return false;
    this.queue.splice(at, 1);
    batch.settle = null;
    batch.markStored();
    return true;
  }

  private enqueue(items: readonly RolloutItem[]): Batch {
    const at = this.now();
    const lines: string[] = [];
    for (const item of items) {
      lines.push(formatRolloutLine(item, at));
      applyItemToMetadata(this.metadata, item, at.getTime());
    }
    const batch: Batch = { lines, settle: null, stored: null, markStored: () => {} };
    this.queue.push(batch);
    return batch;
  }

  private write(batch: Batch): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      batch.settle = { resolve, reject };
    });
    void this.startDrain();
    return done;
  }

  private startDrain(): Promise<void> {
    if (this.draining) return this.draining;
    const run: Promise<void> = this.drain().finally(() => {
      if (this.draining === run) this.draining = null;
    });
    this.draining = run;
    return run;
  }

  /** One transaction at a time, each taking everything queued so far (at most MAX_LINES lines). */
  private async drain(): Promise<void> {
    // Let the record calls of this tick join the first transaction.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const taken: Batch[] = [];
      const lines: string[] = [];
      const create = this.pendingMeta !== null;
      if (this.pendingMeta)
        lines.push(formatRolloutLine({ type: "session_meta", payload: this.pendingMeta }, this.now()));
      for (const batch of this.queue) {
        if (taken.length > 0 && lines.length + batch.lines.length > MAX_LINES) break;
        taken.push(batch);
        lines.push(...batch.lines);
      }
      try {
        await this.opts.writer.append({ metadata: { ...this.metadata }, seq: this.stored, lines, create });
      } catch (error) {
        this.failure = error;
        for (const batch of this.queue) {
          batch.settle?.reject(new RolloutWriteError(this.path, error));
          batch.settle = null;
          batch.markStored();
        }
        this.scheduleRetry();
        return;
      }
      this.failure = null;
      this.retryDelay = RETRY_MIN_MS;
      this.pendingMeta = null;
      this.stored += lines.length;
      // Batches withdrawn meanwhile are no longer in the queue; remove exactly the ones written.
      this.queue = this.queue.filter((b) => !taken.includes(b));
      for (const batch of taken) {
        batch.settle?.resolve();
        batch.markStored();
      }
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null || this.closed) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(delay * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed && this.queue.length > 0) void this.startDrain();
    }, delay);
    this.retryTimer.unref();
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

  /** Waits for queued lines and retries what failed; throws while any line is not committed. */
  async flush(_opts: { durable?: boolean } = {}): Promise<void> {
    while (this.draining) await this.draining;
    if (this.queue.length > 0) {
      await this.startDrain();
      if (this.queue.length > 0) throw new RolloutWriteError(this.path, this.failure);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush({ durable: true });
    } finally {
      this.closed = true;
      if (this.retryTimer !== null) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.opts.onClose?.();
    }
  }
}

/** Lines per transaction: a long backlog goes in several bounded statements. */
const MAX_LINES = 1000;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 8000;
