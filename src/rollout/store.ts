import fs from "node:fs";
import path from "node:path";
import { errorMessage } from "../lib/errors.js";
import { writePrivateFileAtomic } from "../lib/private-file.js";
import type { GitInfo, RolloutItem, SessionSource } from "../protocol/rollout.js";
import {
  isCorruptionError,
  type ListThreadsParams,
  type ListThreadsResult,
  ThreadIndex,
} from "./index-db.js";
import { rebuildIndex, reconcileIndex, repairThreads } from "./index-maintenance.js";
import { acquireThreadLock, liveLockOwner, ThreadLockedError } from "./lock.js";
import { metadataFromItems, type ThreadMetadata } from "./metadata.js";
import {
  archivedSessionsDir,
  findRolloutFile,
  isArchivedPath,
  liveRolloutPathForFileName,
  parseRolloutFileName,
  rolloutPath,
} from "./paths.js";
import { type LoadedRollout, parseRolloutText, readRolloutFile } from "./reader.js";
import { type ReconstructedSession, reconstructSession } from "./reconstruct.js";
import {
  FileRolloutRecorder,
  InMemoryRecorder,
  type IndexSink,
  initialMetadata,
  type ThreadRecorder,
} from "./recorder.js";
import { appendThreadName, readThreadName } from "./session-index.js";
import { cutAtVisibleTurn, textBeforeTurn, type TurnCut } from "./truncate.js";
import { type PlanDefaults, planFork, planNewThread } from "./thread-plan.js";
import { buildTurns, type V2Turn } from "./turns.js";
import { type ThreadExport, ThreadExistsError, type ThreadStore } from "../store/types.js";

export class ThreadNotFoundError extends Error {
  readonly code = "THREAD_NOT_FOUND";
  constructor(readonly threadId: string) {
    super(`no rollout found for thread id ${threadId}`);
    this.name = "ThreadNotFoundError";
  }
}

export class ThreadArchivedError extends Error {
  readonly code = "THREAD_ARCHIVED";
  constructor(readonly threadId: string) {
    super(`thread ${threadId} is archived; unarchive it first`);
    this.name = "ThreadArchivedError";
  }
}

export interface ThreadStoreOptions {
  /** `$KEEL_HOME`. */
  home: string;
  /** Written as `session_meta.cli_version` (default: keel's version). */
  cliVersion?: string;
  /** Default `session_meta.originator` (default "keel"). */
  originator?: string;
  /** Longest a turn's index write waits for a locked database (default 200 ms). */
  indexBusyTimeoutMs?: number;
  /** Compare the index with the files on disk when it is first opened (default true). */
  reconcileOnOpen?: boolean;
  /** Told when something the user should know happened to the files (a damaged index rebuilt). */
  onWarning?: (message: string) => void;
  now?: () => Date;
}

export interface CreateThreadParams {
  /** Thread id; a fresh UUIDv7 by default. */
  id?: string;
  cwd: string;
  /** Core spelling; app-server threads record "vscode" like Codex. */
  source?: SessionSource;
  originator?: string;
  modelProvider: string | null;
  baseInstructions?: string | null;
  dynamicTools?: unknown[] | null;
  git?: GitInfo | null;
  agentNickname?: string | null;
  agentRole?: string | null;
  memoryMode?: string | null;
  /** Further `session_meta` keys, written verbatim. */
  extraMeta?: Record<string, unknown>;
  /** Never touches the disk; the history lives in the recorder. */
  ephemeral?: boolean;
  persistExtendedHistory?: boolean;
  createdAt?: Date;
}

export type ThreadRef = { threadId: string } | { path: string };

export interface OpenedThread {
  recorder: ThreadRecorder;
  /** The items the session starts from (resume: the file; fork: the copied source items). */
  items: RolloutItem[];
  /** Lines skipped while reading (a torn final line after a crash, …). Never fatal. */
  warnings: LoadedRollout["warnings"];
  /** The rollout the items were read from (null when they came from memory). */
  readFrom: string | null;
  session: ReconstructedSession;
  name: string | null;
  metadata: ThreadMetadata | null;
}

export interface ForkThreadParams extends Partial<Omit<CreateThreadParams, "id">> {
  /** Where to read the source: a stored thread, or items (e.g. an ephemeral or running source). */
  from: ThreadRef | { items: readonly RolloutItem[] };
  /** Where to cut the copied history (thread/fork `lastTurnId` / `beforeTurnId`). */
  cut?: TurnCut;
  /** Text of the interruption marker when the source's last turn is still open. */
  turnAbortedMarker?: string;
}

export interface ReadThreadResult {
  metadata: ThreadMetadata;
  rollout: LoadedRollout;
  name: string | null;
  turns?: V2Turn[];
}

/**
 * Facade over rollout files, thread names and the thread index, used by the session engine and
 * the app-server. The SQLite index is opened on first need (listing, or a thread's first write).
 */
export type GitColumns = Partial<Pick<ThreadMetadata, "gitSha" | "gitBranch" | "gitOriginUrl">>;

export class FileThreadStore implements ThreadStore, IndexSink {
  readonly home: string;
  private readonly opts: ThreadStoreOptions;
  private indexHandle: ThreadIndex | null = null;
  private maintenance: { rebuild: boolean; reconcile: boolean } | null = null;
  /** A query met a damaged page; the next index use checks the file and rebuilds it. */
  private suspectCorruption: unknown = null;
  private readonly open = new Map<string, ThreadRecorder>();

  constructor(opts: ThreadStoreOptions) {
    this.opts = opts;
    this.home = opts.home;
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private planDefaults(): PlanDefaults {
    return { now: this.now(), originator: this.opts.originator, cliVersion: this.opts.cliVersion };
  }

  // -------------------------------------------------------------------------------------------
  // index

  /**
   * The thread index, opened on first use. Opening is cheap; the maintenance it may call for
   * (rebuild of a missing/broken/old database, repair of dirty rows, reconciliation with the files)
   * runs at the first listing, so a recorder's write in the middle of a turn never pays for it.
   */
  index(): ThreadIndex {
    if (this.indexHandle) return this.indexHandle;
    const index = ThreadIndex.open(this.home, { writeBusyTimeoutMs: this.opts.indexBusyTimeoutMs });
    this.maintenance = { rebuild: index.openState !== "ok", reconcile: this.opts.reconcileOnOpen !== false };
    this.indexHandle = index;
    return index;
  }

  /** The index after any pending maintenance. */
  private maintainedIndex(): ThreadIndex {
    const index = this.index();
    const todo = this.maintenance;
    if (!todo) return index;
    this.maintenance = null;
    const dirty = index.takeDirtyIds();
    if (todo.rebuild || dirty?.includes("*")) {
      rebuildIndex(index);
      return index;
    }
    if (dirty && dirty.length > 0) repairThreads(index, dirty);
    if (todo.reconcile) reconcileIndex(index);
    return index;
  }

  /**
   * Runs `use` on the maintained index. A damaged file ("database disk image is malformed") is
   * confirmed with an integrity check, replaced by a rebuild from the rollouts (with a warning),
   * and `use` runs once more on the new index.
   */
  private withIndex<T>(use: (index: ThreadIndex) => T): T {
    if (this.suspectCorruption !== null) this.recoverIfCorrupt(this.suspectCorruption);
    try {
      return use(this.maintainedIndex());
    } catch (error) {
      if (!isCorruptionError(error) || !this.recoverIfCorrupt(error)) throw error;
      return use(this.maintainedIndex());
    }
  }

  /** Lookups that can do without the index: a damaged file yields `fallback` and a later repair. */
  private peekIndex<T>(use: (index: ThreadIndex) => T, fallback: T): T {
    if (!this.indexHandle) return fallback;
    try {
      return use(this.indexHandle);
    } catch (error) {
      if (!isCorruptionError(error)) throw error;
      this.suspectCorruption = error;
      return fallback;
    }
  }

  /** True when the index was damaged and has been rebuilt from the rollouts. */
  private recoverIfCorrupt(cause: unknown): boolean {
    this.suspectCorruption = null;
    const index = this.index();
    const problem = index.integrityProblem();
    if (problem === null) return false;
    index.discard();
    this.indexHandle = ThreadIndex.recreate(this.home, { writeBusyTimeoutMs: this.opts.indexBusyTimeoutMs });
    this.maintenance = null;
    rebuildIndex(this.indexHandle);
    this.opts.onWarning?.(
      `The thread index ${ThreadIndex.dbPath(this.home)} was damaged (${errorMessage(cause)}; ` +
        `integrity check: ${problem}); it was rebuilt from the rollout files, which are intact.`,
    );
    return true;
  }

  /** IndexSink: recorders report their metadata here. Never throws. */
  upsertThread(meta: ThreadMetadata): void {
    try {
      this.index().upsert(meta);
    } catch (error) {
      // A damaged file is rebuilt at the next listing or lookup, not in the middle of a turn.
      if (isCorruptionError(error)) this.suspectCorruption = error;
      // Locked while opening, or broken: leave a marker so the next open repairs the row.
      try {
        fs.mkdirSync(this.home, { recursive: true });
        fs.appendFileSync(ThreadIndex.dirtyPath(this.home), `${meta.id}\n`);
      } catch {
        // nothing more to do; reconcile on the next open still finds the file
      }
    }
  }

  /** Recreates the index from `sessions/`, `archived_sessions/` and `session_index.jsonl`. */
  rebuildIndex(): { threads: number } {
    this.maintenance = { rebuild: true, reconcile: false };
    return { threads: this.withIndex((index) => index.count()) };
  }

  /** Opens the SQLite index (where a turn's first write lands) ahead of need. */
  prepare(): void {
    try {
      this.index();
    } catch {
      // the next use opens it again and reports what is wrong
    }
  }

  /** One page of threads; the first call compares the index with the files on disk. */
  async listThreads(params: ListThreadsParams = {}): Promise<ListThreadsResult> {
    return this.withIndex((index) => index.list(params));
  }

  /** Index row of a thread (repaired from its rollout if the row is missing). */
  async getThreadMetadata(threadId: string): Promise<ThreadMetadata | null> {
    return this.indexRow(threadId);
  }

  private indexRow(threadId: string): ThreadMetadata | null {
    return this.withIndex((index) => {
      const row = index.get(threadId);
      if (row && fs.existsSync(row.rolloutPath)) return row;
      repairThreads(index, [threadId]);
      return index.get(threadId);
    });
  }

  // -------------------------------------------------------------------------------------------
  // locating and reading

  async locateThread(threadId: string, opts: { includeArchived?: boolean } = {}): Promise<string | null> {
    return this.findRolloutPath(threadId, opts);
  }

  /** Path of a thread's rollout: index first, then a scan of the file names. */
  findRolloutPath(threadId: string, opts: { includeArchived?: boolean } = {}): string | null {
    const id = threadId.toLowerCase();
    const row = this.peekIndex((index) => index.get(id), null);
    if (row && fs.existsSync(row.rolloutPath) && (opts.includeArchived || !row.archived))
      return row.rolloutPath;
    return findRolloutFile(this.home, id, opts)?.path ?? null;
  }

  private resolve(ref: ThreadRef, allowArchived: boolean): string {
    if ("path" in ref) {
      if (!fs.existsSync(ref.path)) throw new ThreadNotFoundError(ref.path);
      if (!allowArchived && isArchivedPath(this.home, ref.path)) throw new ThreadArchivedError(ref.path);
      return ref.path;
    }
    const file = this.findRolloutPath(ref.threadId, { includeArchived: true });
    if (!file) throw new ThreadNotFoundError(ref.threadId);
    if (!allowArchived && isArchivedPath(this.home, file)) throw new ThreadArchivedError(ref.threadId);
    return file;
  }

  /** Reads a stored thread (live or archived), optionally with its v2 turns. */
  async readThread(ref: ThreadRef, opts: { includeTurns?: boolean } = {}): Promise<ReadThreadResult> {
    const file = this.resolve(ref, true);
    const rollout = await readRolloutFile(file);
    const metadata = metadataFromItems(rollout.lines, file);
    if (!metadata) throw new ThreadNotFoundError("threadId" in ref ? ref.threadId : ref.path);
    metadata.archived = isArchivedPath(this.home, file);
    const name = this.nameOf(metadata.id) ?? metadata.name;
    metadata.name = name;
    const result: ReadThreadResult = { metadata, rollout, name };
    if (opts.includeTurns) result.turns = buildTurns(rollout.lines);
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // recorders

  /** Recorder for a new thread: the file appears with the first persisted item. */
  createThread(params: CreateThreadParams): ThreadRecorder {
    const { id, createdAt, mode, meta } = planNewThread(params, this.planDefaults());
    if (params.ephemeral) return new InMemoryRecorder(id, mode, meta);
    const file = rolloutPath(this.home, createdAt, id);
    return this.track(
      new FileRolloutRecorder({
        home: this.home,
        path: file,
        threadId: id,
        mode,
        metadata: initialMetadata(meta, file),
        sessionMeta: meta,
        index: this,
        now: this.opts.now,
        onClose: () => this.open.delete(id),
      }),
    );
  }

  private track<T extends ThreadRecorder>(recorder: T): T {
    this.open.set(recorder.threadId, recorder);
    return recorder;
  }

  /** The open recorder of a thread in this store, if any. */
  openRecorder(threadId: string): ThreadRecorder | undefined {
    return this.open.get(threadId);
  }

  /**
   * Re-opens a stored thread for appending. Takes the thread's writer lock first (a second
   * writer anywhere gets `ThreadLockedError`), then reads and rebuilds the history. A torn final
   * line is reported in `warnings` and the next item starts on a fresh line.
   */
  async resumeThread(ref: ThreadRef, opts: { persistExtendedHistory?: boolean } = {}): Promise<OpenedThread> {
    const file = this.resolve(ref, false);
    const idHint = "threadId" in ref ? ref.threadId : null;
    const lockId = idHint ?? (await readRolloutFile(file)).threadId;
    if (!lockId) throw new ThreadNotFoundError(file);
    const lock = acquireThreadLock(this.home, lockId);
    try {
      const rollout = await readRolloutFile(file);
      const threadId = rollout.threadId ?? lockId;
      const metadata = metadataFromItems(rollout.lines, file);
      if (!metadata) throw new ThreadNotFoundError(threadId);
      const name = this.nameOf(threadId) ?? metadata.name;
      metadata.name = name;
      const recorder = this.track(
        new FileRolloutRecorder({
          home: this.home,
          path: file,
          threadId,
          mode: opts.persistExtendedHistory ? "extended" : "limited",
          metadata,
          lock,
          needsLeadingNewline: !rollout.endsWithNewline,
          index: this,
          now: this.opts.now,
          onClose: () => this.open.delete(threadId),
        }),
      );
      return {
        recorder,
        items: rollout.lines,
        warnings: rollout.warnings,
        readFrom: file,
        session: reconstructSession(rollout.lines, "resumed"),
        name,
        metadata,
      };
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /**
   * Forks a thread into a new one. The new rollout is written at once: a new `session_meta`
   * (with `forked_from_id`), then the source's items verbatim (its own `session_meta` included).
   * A source whose last turn is open is copied as if that turn had been interrupted.
   */
  async forkThread(params: ForkThreadParams): Promise<OpenedThread> {
    let sourceItems: RolloutItem[];
    let warnings: LoadedRollout["warnings"] = [];
    let readFrom: string | null = null;
    if ("items" in params.from) {
      sourceItems = [...params.from.items];
    } else {
      readFrom = this.resolve(params.from, true);
      const rollout = await readRolloutFile(readFrom);
      sourceItems = rollout.lines.map(({ type, payload }) => ({ type, payload }) as RolloutItem);
      warnings = rollout.warnings;
    }
    return this.forkFrom(params, sourceItems, warnings, readFrom);
  }

  private async forkFrom(
    params: ForkThreadParams,
    sourceItems: RolloutItem[],
    warnings: LoadedRollout["warnings"],
    readFrom: string | null,
  ): Promise<OpenedThread> {
    const { id, createdAt, mode, meta, copied, sourceId } = planFork(
      params,
      sourceItems,
      this.planDefaults(),
    );
    const name = sourceId
      ? (this.nameOf(sourceId) ?? reconstructSession(sourceItems, "resumed").threadName)
      : null;

    let recorder: ThreadRecorder;
    let metadata: ThreadMetadata | null = null;
    if (params.ephemeral) {
      const mem = new InMemoryRecorder(id, mode, meta);
      await mem.recordVerbatim(copied);
      recorder = mem;
    } else {
      const file = rolloutPath(this.home, createdAt, id);
      metadata = metadataFromItems([{ type: "session_meta", payload: meta }, ...copied], file);
      if (metadata) metadata.name = name;
      const fileRecorder = this.track(
        new FileRolloutRecorder({
          home: this.home,
          path: file,
          threadId: id,
          mode,
          metadata: metadata ?? initialMetadata(meta, file),
          sessionMeta: meta,
          index: this,
          now: this.opts.now,
          onClose: () => this.open.delete(id),
        }),
      );
      await fileRecorder.recordVerbatim(copied);
      await fileRecorder.flush({ durable: true });
      if (name) appendThreadName(this.home, id, name, this.now());
      recorder = fileRecorder;
    }
    return {
      recorder,
      items: copied,
      warnings,
      readFrom,
      session: reconstructSession(copied, "forked"),
      name,
      metadata,
    };
  }

  // -------------------------------------------------------------------------------------------
  // names

  async getThreadName(threadId: string): Promise<string | null> {
    return this.nameOf(threadId);
  }

  /** Newest name from `session_index.jsonl`, else the index row's; null when unnamed. */
  private nameOf(threadId: string): string | null {
    const fromFile = readThreadName(this.home, threadId);
    if (fromFile !== null) return fromFile;
    return this.peekIndex((index) => index.get(threadId)?.name ?? null, null);
  }

  /**
   * Names (or with "" / null, un-names) a thread: appended to `session_index.jsonl`, recorded as
   * `thread_name_updated` in the rollout when the thread is open here, and written to the index.
   */
  async setThreadName(threadId: string, name: string | null): Promise<void> {
    const recorder = this.open.get(threadId);
    if (!recorder && !this.findRolloutPath(threadId, { includeArchived: true })) {
      throw new ThreadNotFoundError(threadId);
    }
    const value = name ?? "";
    if (!recorder?.ephemeral) appendThreadName(this.home, threadId, value, this.now());
    if (recorder) {
      await recorder.record([
        {
          type: "event_msg",
          payload: { type: "thread_name_updated", thread_id: threadId, thread_name: value },
        },
      ]);
    }
    if (recorder?.ephemeral) return;
    try {
      this.withIndex((index) => {
        const row = index.get(threadId);
        if (row) index.upsert({ ...row, name: value === "" ? null : value });
      });
    } catch {
      // The session index holds the name; a rebuild restores the row.
    }
  }

  // -------------------------------------------------------------------------------------------
  // archive

  private refuseIfOpen(threadId: string): void {
    if (this.open.has(threadId)) throw new ThreadLockedError(threadId, null, true);
    const owner = liveLockOwner(this.home, threadId);
    if (owner) throw new ThreadLockedError(threadId, owner, false);
  }

  /**
   * Deletes a closed thread: its rollout file and its index row. For a thread not worth keeping,
   * e.g. one whose first turn failed before the model answered (`keel exec resume --last` must
   * not pick it).
   */
  async discardThread(threadId: string): Promise<void> {
    this.refuseIfOpen(threadId);
    const file = this.findRolloutPath(threadId, { includeArchived: true });
    // Held while the file goes, so another process cannot open the thread in between.
    const lock = acquireThreadLock(this.home, threadId);
    try {
      if (file) fs.rmSync(file, { force: true });
    } finally {
      lock.release();
    }
    this.index().delete(threadId.toLowerCase());
  }

  /**
   * thread/delete: a closed thread's rollout (live or archived) and index row go. The file goes
   * first: a crash in between leaves a row without a file, which the index drops on its next
   * check, never a file the index no longer lists.
   */
  async deleteThread(threadId: string): Promise<void> {
    if (!this.findRolloutPath(threadId, { includeArchived: true })) throw new ThreadNotFoundError(threadId);
    await this.discardThread(threadId);
  }

  /**
   * thread/revert: the closed thread's rollout is replaced by the lines before `beforeTurnId`
   * started. Written to a temporary file, synced and renamed over the old one, so a crash leaves
   * either the whole old history or the whole cut one. Lines this version cannot parse are kept.
   */
  async revertThread(threadId: string, beforeTurnId: string): Promise<ThreadMetadata> {
    this.refuseIfOpen(threadId);
    const file = this.resolve({ threadId }, false);
    // The thread's writer lock, held across the read and the rewrite: a resume (here or in
    // another process) in between would read the old history and append after the cut.
    const lock = acquireThreadLock(this.home, threadId);
    try {
      const rollout = await readRolloutFile(file);
      cutAtVisibleTurn(rollout.lines, { beforeTurnId });
      writePrivateFileAtomic(file, textBeforeTurn(fs.readFileSync(file, "utf8"), beforeTurnId));
    } finally {
      lock.release();
    }
    return this.withIndex((index) => {
      repairThreads(index, [threadId]);
      const row = index.get(threadId);
      if (!row) throw new ThreadNotFoundError(threadId);
      return row;
    });
  }

  /**
   * thread/metadata/update: the index row's git columns (Codex keeps them in its state DB only; a
   * rebuilt index takes them from the rollout's `session_meta` again).
   */
  async updateGitInfo(threadId: string, patch: GitColumns): Promise<ThreadMetadata> {
    const recorder = this.open.get(threadId);
    if (recorder instanceof FileRolloutRecorder) recorder.patchMetadata(patch);
    const row =
      recorder instanceof FileRolloutRecorder ? recorder.currentMetadata() : this.indexRow(threadId);
    if (!row) throw new ThreadNotFoundError(threadId);
    const updated = { ...row, ...patch };
    this.withIndex((index) => index.upsert(updated));
    return updated;
  }

  /** Moves the rollout to `archived_sessions/` and marks the row archived. */
  async archiveThread(threadId: string): Promise<ThreadMetadata> {
    this.refuseIfOpen(threadId);
    const from = this.findRolloutPath(threadId, { includeArchived: true });
    if (!from) throw new ThreadNotFoundError(threadId);
    let to = from;
    if (!isArchivedPath(this.home, from)) {
      to = path.join(archivedSessionsDir(this.home), path.basename(from));
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.renameSync(from, to);
    }
    return this.updateLocation(threadId, to, true);
  }

  /** Moves the rollout back under `sessions/YYYY/MM/DD/` and marks the row live. */
  async unarchiveThread(threadId: string): Promise<ThreadMetadata> {
    this.refuseIfOpen(threadId);
    const from = this.findRolloutPath(threadId, { includeArchived: true });
    if (!from) throw new ThreadNotFoundError(threadId);
    let to = from;
    if (isArchivedPath(this.home, from)) {
      const target = liveRolloutPathForFileName(this.home, path.basename(from));
      if (!target) throw new ThreadNotFoundError(threadId);
      to = target;
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.renameSync(from, to);
    }
    return this.updateLocation(threadId, to, false);
  }

  private updateLocation(threadId: string, file: string, archived: boolean): ThreadMetadata {
    return this.withIndex((index) => {
      let row = index.get(threadId);
      if (!row) {
        repairThreads(index, [threadId]);
        row = index.get(threadId);
      }
      if (!row) throw new ThreadNotFoundError(threadId);
      const updated: ThreadMetadata = {
        ...row,
        rolloutPath: file,
        archived,
        archivedAtMs: archived ? this.now().getTime() : null,
      };
      index.upsert(updated);
      return updated;
    });
  }

  // -------------------------------------------------------------------------------------------
  // export / import (keel store migrate)

  /** The rollout file's text as it is, with the index row (name, archive state, git columns). */
  async exportThread(threadId: string): Promise<ThreadExport | null> {
    const file = this.findRolloutPath(threadId, { includeArchived: true });
    if (!file) return null;
    const text = await fs.promises.readFile(file, "utf8");
    const fromFile = metadataFromItems(parseRolloutText(text).lines, file);
    const row = this.indexRow(threadId);
    const metadata = row ?? fromFile;
    if (!metadata) return null;
    metadata.rolloutPath = file;
    metadata.archived = isArchivedPath(this.home, file);
    if (!metadata.archived) metadata.archivedAtMs = null;
    metadata.name = this.nameOf(threadId) ?? metadata.name;
    return { metadata, text };
  }

  /** Writes the rollout under the file name the source used (its creation time and id). */
  async importThread(thread: ThreadExport): Promise<void> {
    const { metadata } = thread;
    const id = metadata.id.toLowerCase();
    if (this.findRolloutPath(id, { includeArchived: true })) throw new ThreadExistsError(id);
    const sourceName = path.basename(metadata.rolloutPath);
    const fileName = parseRolloutFileName(sourceName)
      ? sourceName
      : path.basename(rolloutPath(this.home, new Date(metadata.createdAtMs), id));
    const file = metadata.archived
      ? path.join(archivedSessionsDir(this.home), fileName)
      : liveRolloutPathForFileName(this.home, fileName);
    if (!file) throw new ThreadNotFoundError(id);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writePrivateFileAtomic(file, thread.text);
    if (metadata.name) appendThreadName(this.home, id, metadata.name, this.now());
    this.withIndex((index) => index.upsert({ ...metadata, rolloutPath: file }));
  }

  /** Closes every recorder opened through this store and the index. */
  async close(): Promise<void> {
    for (const recorder of [...this.open.values()]) {
      // One thread's unwritable tail must not keep the others (and the index) open.
      await recorder.close().catch(() => undefined);
    }
    try {
      this.indexHandle?.close();
    } catch {
      // Rows that could not be written are rebuilt from the rollouts by the next open.
      this.indexHandle?.discard();
    }
    this.indexHandle = null;
  }
}
