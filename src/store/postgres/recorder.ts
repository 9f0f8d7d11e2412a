import type { RolloutItem } from "../../protocol/rollout.js";
import { applyItemToMetadata, type ThreadMetadata } from "../../rollout/metadata.js";
import {
  QueuedRecorder,
  type QueuedLines,
  type QueuedRecorderOptions,
  queuedLines,
} from "../../rollout/queued-recorder.js";
import { formatRolloutLine } from "../../rollout/reader.js";

/** Appends lines to a thread; resolves once they are committed. Implemented by the store. */
export interface LineWriter {
  /**
   * Writes `lines` at `seq` (and on) with the thread's metadata, in one transaction. `create`:
   * the thread row is new (seq 0 is its session_meta line).
   */
  append(args: { metadata: ThreadMetadata; seq: number; lines: string[]; create: boolean }): Promise<void>;
}

/** The lines of one `record` call, waiting to be committed. */
interface Batch extends QueuedLines {
  lines: string[];
}

export interface PostgresRecorderOptions extends QueuedRecorderOptions {
  /** The thread's `pg:/…` path. */
  path: string;
  writer: LineWriter;
  /** Number of lines already stored (resume: the next seq). */
  storedLines: number;
}

/**
 * A thread's recorder on PostgreSQL. Same contract as the file recorder: items in engine order,
 * the same persistence policy, and `record`/`flush` resolve only once their lines are committed
 * (a committed transaction is durable, so `durable` adds nothing). Lines queue while one
 * transaction is in flight and go together in the next (group commit), always in order. A failed
 * write keeps its lines queued; they go first at the next write, flush or retry.
 */
export class PostgresRecorder extends QueuedRecorder<Batch> {
  private readonly writer: LineWriter;
  private stored: number;

  constructor(opts: PostgresRecorderOptions) {
    super(opts);
    this.writer = opts.writer;
    this.stored = opts.storedLines;
  }

  async recordVerbatim(items: readonly RolloutItem[]): Promise<void> {
    this.refuseIfClosed();
    // No items: a fork of an empty history is still stored (its session_meta alone).
    await this.write(this.enqueue(items));
  }

  /** A failed transaction stored none of its lines: queued ones can always be taken back. */
  protected withdraw(batch: Batch): boolean {
    const at = this.queue.indexOf(batch);
    if (at < 0) return false;
    this.queue.splice(at, 1);
    batch.settle = null;
    batch.markStored();
    return true;
  }

  protected enqueue(items: readonly RolloutItem[]): Batch {
    const at = this.now();
    const lines: string[] = [];
    for (const item of items) {
      lines.push(formatRolloutLine(item, at));
      applyItemToMetadata(this.metadata, item, at.getTime());
    }
    const batch: Batch = { lines, ...queuedLines() };
    this.queue.push(batch);
    return batch;
  }

  /** One transaction at a time, each taking everything queued so far (at most MAX_LINES lines). */
  protected async drain(): Promise<void> {
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
        await this.writer.append({ metadata: { ...this.metadata }, seq: this.stored, lines, create });
      } catch (error) {
        this.failed(error);
        return;
      }
      this.succeeded();
      this.pendingMeta = null;
      this.stored += lines.length;
      // Batches withdrawn meanwhile are no longer in the queue; remove exactly the ones written.
      this.queue = this.queue.filter((b) => !taken.includes(b));
      for (const batch of taken) this.settled(batch);
    }
  }

  /** Waits for queued lines and retries what failed; throws while any line is not committed. */
  async flush(_opts: { durable?: boolean } = {}): Promise<void> {
    await this.drainAll();
  }
}

/** Lines per transaction: a long backlog goes in several bounded statements. */
const MAX_LINES = 1000;
