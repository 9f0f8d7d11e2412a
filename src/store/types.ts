import type { ListThreadsParams, ListThreadsResult } from "../rollout/index-db.js";
import type { ThreadMetadata } from "../rollout/metadata.js";
import type { StoreCluster } from "./cluster.js";
import type { ThreadRecorder } from "../rollout/recorder.js";
import type {
  CreateThreadParams,
  ForkThreadParams,
  GitColumns,
  OpenedThread,
  ReadThreadResult,
  ThreadRef,
} from "../rollout/store.js";

/** One thread as `exportThread` gives it and `importThread` takes it. */
export interface ThreadExport {
  /** Metadata with name, archive state and timestamps; `rolloutPath` is the source store's. */
  metadata: ThreadMetadata;
  /** The rollout as JSONL text: each stored line, in order, each ending in "\n". */
  text: string;
}

export class ThreadExistsError extends Error {
  readonly code = "THREAD_EXISTS";
  constructor(readonly threadId: string) {
    super(`thread ${threadId} already exists in the target store`);
    this.name = "ThreadExistsError";
  }
}

/**
 * Where threads live: rollout items, thread metadata (what thread/list filters and sorts on),
 * names and archive state. Two implementations: `FileThreadStore` (rollout files + a SQLite
 * index, the default) and `PostgresThreadStore`. The session engine, the app-server, exec and
 * the MCP server only see this interface; `openThreadStore` picks the implementation.
 *
 * A thread's `path` (recorder, metadata `rolloutPath`, wire `Thread.path`) is a rollout file path
 * for the file store and a `pg:/sessions/…/rollout-….jsonl` locator for PostgreSQL; either form
 * is accepted back as `{ path }` by the store that made it.
 */
export interface ThreadStore {
  /** Lets slow one-time set-up (opening an index, a connection) happen while the client types. */
  prepare(): void;

  // --- reading
  listThreads(params?: ListThreadsParams): Promise<ListThreadsResult>;
  getThreadMetadata(threadId: string): Promise<ThreadMetadata | null>;
  readThread(ref: ThreadRef, opts?: { includeTurns?: boolean }): Promise<ReadThreadResult>;
  /** The thread's path (see above) when it exists (archived too with `includeArchived`). */
  locateThread(threadId: string, opts?: { includeArchived?: boolean }): Promise<string | null>;
  getThreadName(threadId: string): Promise<string | null>;
  /** A thread with its stored lines, verbatim (`keel store migrate`, feedback bundles). */
  exportThread(threadId: string): Promise<ThreadExport | null>;

  // --- writing through a recorder (one writer per thread)
  /** Recorder of a new thread: stored with its first persisted item. */
  createThread(params: CreateThreadParams): ThreadRecorder;
  resumeThread(ref: ThreadRef, opts?: { persistExtendedHistory?: boolean }): Promise<OpenedThread>;
  forkThread(params: ForkThreadParams): Promise<OpenedThread>;
  /** The open recorder of a thread in this store, if any. */
  openRecorder(threadId: string): ThreadRecorder | undefined;

  // --- managing closed threads
  setThreadName(threadId: string, name: string | null): Promise<void>;
  archiveThread(threadId: string): Promise<ThreadMetadata>;
  unarchiveThread(threadId: string): Promise<ThreadMetadata>;
  /** Removes a closed thread (no error when it does not exist). */
  discardThread(threadId: string): Promise<void>;
  /** Removes a closed thread; `ThreadNotFoundError` when it does not exist. */
  deleteThread(threadId: string): Promise<void>;
  /** Truncates a closed thread's history before the turn `beforeTurnId` started. */
  revertThread(threadId: string, beforeTurnId: string): Promise<ThreadMetadata>;
  updateGitInfo(threadId: string, patch: GitColumns): Promise<ThreadMetadata>;
  /**
   * Stores an exported thread as it is: every line verbatim and in order, its name, archive
   * state and timestamps. Refuses (`ThreadExistsError`) when the id is already stored.
   */
  importThread(thread: ThreadExport): Promise<void>;

  /** Closes every recorder opened through this store, then the store. */
  close(): Promise<void>;

  /** Present when several servers share the store (PostgreSQL): see store/cluster.ts. */
  readonly cluster?: StoreCluster;
}
