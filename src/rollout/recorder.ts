import fs from "node:fs";
import path from "node:path";
import type { GitInfo, RolloutItem, SessionMetaLine, SessionSource } from "../protocol/rollout.js";
import { acquireThreadLock, type ThreadLock } from "./lock.js";
import { applyItemToMetadata, metadataFromSessionMeta, type ThreadMetadata } from "./metadata.js";
import { type PersistenceMode, shouldPersistRolloutItem } from "./policy.js";
import { QueuedRecorder, type QueuedLines, queuedLines } from "./queued-recorder.js";
import { formatRolloutLine } from "./reader.js";
import { RolloutWriteError } from "./write-error.js";

export { RolloutWriteError };

/** Receives metadata updates for the thread index. Must not throw; must not wait unboundedly. */
export interface IndexSink {
  upsertThread(meta: ThreadMetadata): void;
}

/**
 * The persistence side of one thread. `record` takes items in engine order and applies the
 * persistence policy; each call resolves once its lines were handed to the OS (a crash of the
 * process after that loses nothing). `flush({durable: true})` additionally fsyncs — call it at
 * turn boundaries.
 *
 * When a write fails, the recorder keeps every line that did not reach the file (to the byte, so
 * a short write is continued, not repeated) and writes them first, in order, at the next write or
 * flush. `flush` throws `RolloutWriteError` while anything is still unwritten.
 */
export interface ThreadRecorder {
  readonly threadId: string;
  /** Rollout path (reserved before the file exists); null for ephemeral threads. */
  readonly path: string | null;
  readonly mode: PersistenceMode;
  readonly ephemeral: boolean;
  /** Whether the rollout file exists (always false for ephemeral threads). */
  readonly materialized: boolean;
  /** False while lines wait to be written or the last sync failed. */
  readonly healthy: boolean;
  record(items: readonly RolloutItem[]): Promise<void>;
  /** Appends items as they are, without the persistence policy. */
  recordVerbatim(items: readonly RolloutItem[]): Promise<void>;
  flush(opts?: { durable?: boolean }): Promise<void>;
  /**
   * Settles (never rejects) once every line recorded so far is stored or its write failed; null
   * when nothing is in flight. Events wait for it, so nobody hears of an item a crash could lose.
   */
  whenStored(): Promise<void> | null;
  /**
   * Appends a turn's closing items and syncs everything. The point where a turn's fate is
   * decided: throws `RolloutWriteError` (with `withdrawn`) when the turn is not safely on disk.
   */
  commitTurn(items: readonly RolloutItem[]): Promise<void>;
  /** Flushes durably, releases the writer lock. Further `record` calls throw. */
  close(): Promise<void>;
}

export interface SessionMetaInit {
  /** Thread id (UUIDv7). */
  id: string;
  createdAt: Date;
  cwd: string;
  originator: string;
  cliVersion: string;
  source: SessionSource;
  modelProvider: string | null;
  baseInstructions?: string | null;
  dynamicTools?: unknown[] | null;
  forkedFromId?: string | null;
  git?: GitInfo | null;
  agentNickname?: string | null;
  agentRole?: string | null;
  memoryMode?: string | null;
  /** Further `session_meta` keys, written verbatim after the known ones. */
  extra?: Record<string, unknown>;
}

/** Builds a `session_meta` payload with Codex's key order; absent optionals are omitted. */
export function buildSessionMeta(init: SessionMetaInit): SessionMetaLine {
  const meta: Record<string, unknown> = { id: init.id };
  if (init.forkedFromId) meta.forked_from_id = init.forkedFromId;
  meta.timestamp = init.createdAt.toISOString();
  meta.cwd = init.cwd;
  meta.originator = init.originator;
  meta.cli_version = init.cliVersion;
  meta.source = init.source;
  if (init.agentNickname) meta.agent_nickname = init.agentNickname;
  if (init.agentRole) meta.agent_role = init.agentRole;
  meta.model_provider = init.modelProvider;
  meta.base_instructions = init.baseInstructions == null ? null : { text: init.baseInstructions };
  if (init.dynamicTools && init.dynamicTools.length > 0) meta.dynamic_tools = init.dynamicTools;
  if (init.memoryMode) meta.memory_mode = init.memoryMode;
  Object.assign(meta, init.extra ?? {});
  if (init.git) meta.git = init.git;
  return meta as SessionMetaLine;
}

/** Lines of one `record` call that have not (all) reached the file yet. */
interface Pending extends QueuedLines {
  bytes: Buffer;
}

export interface FileRecorderOptions {
  home: string;
  path: string;
  threadId: string;
  mode: PersistenceMode;
  /** Starting metadata (from the existing rollout, or from the new session meta). */
  metadata: ThreadMetadata;
  /** New thread: written as the first line when the file is materialised. */
  sessionMeta?: SessionMetaLine;
  /** Resume/fork: the lock is already held. New threads take it when materialising. */
  lock?: ThreadLock;
  /** The existing file does not end in `\n` (torn final line): start the next write with one. */
  needsLeadingNewline?: boolean;
  index?: IndexSink;
  onClose?: () => void;
  now?: () => Date;
}

export class FileRolloutRecorder extends QueuedRecorder<Pending> {
  private readonly opts: FileRecorderOptions;
  private lock: ThreadLock | null;
  private fd: number | null = null;
  private leadingNewline: boolean;
  /** `written` bytes of the head of the queue are already in the file. */
  private written = 0;
  /** The newest queued lines; once written, the file ends with them. */
  private lastEnqueued: Pending | null = null;
  private indexScheduled = false;

  constructor(opts: FileRecorderOptions) {
    super(opts);
    this.opts = opts;
    this.lock = opts.lock ?? null;
    this.leadingNewline = opts.needsLeadingNewline ?? false;
    if (!this.pendingMeta) this.openExisting();
  }

  private openExisting(): void {
    this.fd = fs.openSync(this.path, "a");
  }

  /** Writes the session meta now (new threads otherwise do this at their first persisted item). */
  materialize(): void {
    if (this.pendingMeta === null) return;
    this.refuseIfClosed();
    const tookLock = this.lock === null;
    this.lock ??= acquireThreadLock(this.opts.home, this.threadId);
    let created = false;
    try {
      fs.mkdirSync(path.dirname(this.path), { recursive: true });
      // `x`: a new thread's file must not exist; never append a second history to someone's file.
      // Appending like a resumed file, so that writes follow a truncation (a withdrawn turn end).
      this.fd = fs.openSync(this.path, "ax");
      created = true;
      // The first line, written before anything else can be queued.
      writeAllSync(
        this.fd,
        Buffer.from(
          `${formatRolloutLine({ type: "session_meta", payload: this.pendingMeta }, this.now())}\n`,
        ),
      );
    } catch (error) {
      if (this.fd !== null) fs.closeSync(this.fd);
      this.fd = null;
      if (created) fs.rmSync(this.path, { force: true });
      if (tookLock) {
        this.lock.release();
        this.lock = null;
      }
      throw error;
    }
    this.pendingMeta = null;
    this.scheduleIndexUpdate();
  }

  /** Appends items as they are, without the persistence policy (a fork's copied history). */
  async recordVerbatim(items: readonly RolloutItem[]): Promise<void> {
    this.refuseIfClosed();
    if (items.length > 0) await this.write(this.enqueue(items));
    else this.materialize();
  }

  /**
   * Takes a turn's closing lines back so that the `error` failing the turn can go in ahead of
   * them: from the queue, and from the end of the file when some or all of their bytes reached it
   * (a short write, or a sync that failed afterwards). False when that is not possible.
   */
  protected withdraw(pending: Pending): boolean {
    const at = this.queue.indexOf(pending);
    if (at > 0 || (at === 0 && this.written === 0)) {
      this.queue.splice(at, 1);
      return this.forget(pending);
    }
    // In the file: the head of the queue written in part, or the last lines written in whole.
    const inFile = at === 0 ? this.written : this.lastEnqueued === pending ? pending.bytes.length : -1;
    if (inFile < 0 || this.fd === null) return false;
    try {
      fs.ftruncateSync(this.fd, fs.fstatSync(this.fd).size - inFile);
    } catch {
      return false;
    }
    if (at === 0) {
      this.queue.shift();
      this.written = 0;
    }
    return this.forget(pending);
  }

  private forget(pending: Pending): true {
    pending.settle = null;
    pending.markStored();
    // Lines never start with a newline: this one repaired a torn last line, the next must again.
    if (pending.bytes[0] === 0x0a) this.leadingNewline = true;
    return true;
  }

  protected enqueue(items: readonly RolloutItem[]): Pending {
    const at = this.now();
    let text = "";
    for (const item of items) {
      text += `${formatRolloutLine(item, at)}\n`;
      applyItemToMetadata(this.metadata, item, at.getTime());
    }
    if (this.leadingNewline) {
      text = `\n${text}`;
      this.leadingNewline = false;
    }
    const pending: Pending = { bytes: Buffer.from(text, "utf8"), ...queuedLines() };
    this.queue.push(pending);
    this.lastEnqueued = pending;
    return pending;
  }

  /** Resolves when `pending` is in the file; rejects when writing failed (it stays queued). */
  protected override write(pending: Pending): Promise<void> {
    // An outage with a backlog: the retry timer (or the next flush) writes it. Retrying here
    // would cost one failing write per record for as long as the disk stays full.
    if (this.failure !== null && this.draining === null && this.queue.length > 1) {
      this.scheduleRetry();
      return Promise.reject(new RolloutWriteError(this.path, this.failure));
    }
    // Fast path: the queue holds only this small batch — one synchronous write is cheaper than
    // a round trip through the thread pool, and ordering is trivially kept.
    if (
      this.draining === null &&
      this.queue.length === 1 &&
      this.materialized &&
      pending.bytes.length <= SYNC_WRITE_LIMIT
    ) {
      try {
        this.writeQueuedSync();
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(new RolloutWriteError(this.path, error));
      }
    }
    return super.write(pending);
  }

  private writeQueuedSync(): void {
    const pending = this.queue[0]!;
    try {
      while (this.written < pending.bytes.length) {
        this.written += fs.writeSync(
          this.fd!,
          pending.bytes,
          this.written,
          pending.bytes.length - this.written,
        );
      }
    } catch (error) {
      this.failure = error;
      throw error;
    }
    this.queue.shift()!.markStored();
    this.written = 0;
    this.failure = null;
  }

  /**
   * Single writer loop: the queue goes out from its head in chunks of at most WRITE_CHUNK bytes,
   * in order. A failed write keeps what did not reach the file, rejects its waiters and stops;
   * the retry timer or the next flush tries again.
   */
  protected async drain(): Promise<void> {
    while (this.queue.length > 0) {
      let error: unknown = null;
      let done = 0;
      try {
        this.materialize();
        done = await writeAll(this.fd!, this.nextChunk());
      } catch (e) {
        error = e;
        done = (e as { bytesWritten?: number }).bytesWritten ?? 0;
      }
      this.advance(done);
      if (error !== null) {
        this.failed(error);
        return;
      }
      this.succeeded();
    }
  }

  /** The next unwritten bytes from the head of the queue, at most WRITE_CHUNK of them. */
  private nextChunk(): Buffer {
    const parts: Buffer[] = [];
    let size = 0;
    for (let i = 0; i < this.queue.length && size < WRITE_CHUNK; i++) {
      const bytes = this.queue[i]!.bytes;
      const part = (i === 0 ? bytes.subarray(this.written) : bytes).subarray(0, WRITE_CHUNK - size);
      parts.push(part);
      size += part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }

  /** Marks `count` more bytes of the queue as written, resolving the batches now complete. */
  private advance(count: number): void {
    let left = this.written + count;
    while (this.queue.length > 0 && left >= this.queue[0]!.bytes.length) {
      const p = this.queue.shift()!;
      left -= p.bytes.length;
      this.settled(p);
    }
    this.written = this.queue.length > 0 ? left : 0;
  }

  /** Waits for queued writes, retries what failed, and (durable) syncs; throws when lines remain. */
  async flush(opts: { durable?: boolean } = {}): Promise<void> {
    await this.drainAll();
    if (opts.durable && this.fd !== null) {
      try {
        await new Promise<void>((res, rej) => fs.fdatasync(this.fd!, (e) => (e ? rej(e) : res())));
        this.failure = null;
      } catch (error) {
        this.failure = error;
        throw new RolloutWriteError(this.path, error);
      }
    }
    if (this.materialized) this.updateIndex();
  }

  /** Closes the file and releases the writer lock. */
  protected override release(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.lock?.release();
    this.lock = null;
  }

  private scheduleIndexUpdate(): void {
    if (this.indexScheduled || !this.opts.index) return;
    this.indexScheduled = true;
    setImmediate(() => {
      this.indexScheduled = false;
      this.updateIndex();
    });
  }

  private updateIndex(): void {
    try {
      this.opts.index?.upsertThread({ ...this.metadata });
    } catch {
      // The index is a cache: a failure here is repaired from the rollout later.
    }
  }
}

/** Batches up to this many characters are written synchronously when the queue is idle. */
const SYNC_WRITE_LIMIT = 64 * 1024;
/** Upper bound of one write call: a large backlog is never copied into one buffer. */
export const WRITE_CHUNK = 1024 * 1024;

function writeAllSync(fd: number, buf: Buffer): void {
  let offset = 0;
  while (offset < buf.length) offset += fs.writeSync(fd, buf, offset, buf.length - offset);
}

/** Resolves with the length; a failure carries `bytesWritten` (a short write went before it). */
function writeAll(fd: number, buf: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const step = (offset: number) => {
      fs.write(fd, buf, offset, buf.length - offset, null, (error, written) => {
        if (error) return reject(Object.assign(error, { bytesWritten: offset }));
        if (offset + written < buf.length) return step(offset + written);
        resolve(buf.length);
      });
    };
    step(0);
  });
}

/** Ephemeral threads: same interface, nothing touches the disk; the history stays in memory. */
export class InMemoryRecorder implements ThreadRecorder {
  readonly path = null;
  readonly ephemeral = true;
  readonly materialized = false;
  readonly healthy = true;
  private readonly items: RolloutItem[] = [];
  private closed = false;

  constructor(
    readonly threadId: string,
    readonly mode: PersistenceMode,
    sessionMeta?: SessionMetaLine,
  ) {
    if (sessionMeta) this.items.push({ type: "session_meta", payload: sessionMeta });
  }

  async record(items: readonly RolloutItem[]): Promise<void> {
    if (this.closed) throw new Error(`recorder for thread ${this.threadId} is closed`);
    for (const item of items) if (shouldPersistRolloutItem(item, this.mode)) this.items.push(item);
  }

  async recordVerbatim(items: readonly RolloutItem[]): Promise<void> {
    if (this.closed) throw new Error(`recorder for thread ${this.threadId} is closed`);
    this.items.push(...items);
  }

  async flush(): Promise<void> {}

  whenStored(): null {
    return null;
  }

  async commitTurn(items: readonly RolloutItem[]): Promise<void> {
    await this.record(items);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** What a rollout file would contain (used to fork or read an ephemeral thread). */
  history(): RolloutItem[] {
    return [...this.items];
  }
}

/** Metadata for a new thread before any item was recorded. */
export function initialMetadata(meta: SessionMetaLine, rolloutPath: string): ThreadMetadata {
  return metadataFromSessionMeta(meta, rolloutPath);
}
