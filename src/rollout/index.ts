// Persistence: rollout files, resume/fork history, thread names and the thread index.
export { closeOpenTurn, DEFAULT_TURN_ABORTED_MARKER, openTurnId } from "./fork.js";
export {
  INDEX_DB_FILE,
  INDEX_DIRTY_FILE,
  INDEX_SCHEMA_VERSION,
  InvalidCursorError,
  type ListThreadsParams,
  type ListThreadsResult,
  type SortDirection,
  type SortKey,
  ThreadIndex,
} from "./index-db.js";
export { rebuildIndex, reconcileIndex, repairThreads, scanAllMetadata } from "./index-maintenance.js";
export {
  acquireThreadLock,
  type LockOwner,
  liveLockOwner,
  lockPath,
  ThreadLock,
  ThreadLockedError,
} from "./lock.js";
export { applyItemToMetadata, metadataFromItems, sourceKind, type ThreadMetadata } from "./metadata.js";
export {
  archivedSessionsDir,
  findRolloutFile,
  isArchivedPath,
  listRolloutFiles,
  liveRolloutPathForFileName,
  type ParsedRolloutFileName,
  parseRolloutFileName,
  type RolloutFileEntry,
  rolloutFileName,
  rolloutPath,
  sessionsDir,
} from "./paths.js";
export {
  type PersistenceMode,
  shouldPersistEvent,
  shouldPersistResponseItem,
  shouldPersistRolloutItem,
} from "./policy.js";
export {
  formatRolloutLine,
  type LoadedRollout,
  type ParsedRollout,
  parseRolloutLine,
  parseRolloutText,
  type RolloutWarning,
  type RolloutWarningKind,
  readRolloutFile,
  readRolloutFileSync,
} from "./reader.js";
export {
  dropLastUserTurns,
  type HistoryKind,
  isContextualUserMessage,
  isUserTurnBoundary,
  legacyCompactedHistory,
  type PreviousTurnSettings,
  type ReconstructedSession,
  reconstructSession,
} from "./reconstruct.js";
export {
  buildSessionMeta,
  FileRolloutRecorder,
  InMemoryRecorder,
  type IndexSink,
  type SessionMetaInit,
  type ThreadRecorder,
} from "./recorder.js";
export { appendThreadName, readThreadName, readThreadNames, sessionIndexPath } from "./session-index.js";
export {
  type CreateThreadParams,
  type ForkThreadParams,
  type OpenedThread,
  type ReadThreadResult,
  ThreadArchivedError,
  ThreadNotFoundError,
  type ThreadRef,
  FileThreadStore,
  type ThreadStoreOptions,
} from "./store.js";
export {
  buildTurns,
  shellJoin,
  TurnProjection,
  type V2ThreadItem,
  type V2Turn,
  type V2TurnError,
} from "./turns.js";
export {
  cutAtVisibleTurn,
  TurnNotFoundError,
  textBeforeTurn,
  truncateAtTurn,
  type TurnCut,
} from "./truncate.js";
