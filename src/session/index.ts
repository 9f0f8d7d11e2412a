/** The headless core: sessions (threads), their turn loop and the seam to the tools. */
export { type TaskKind, TurnAbortedError } from "./active-turn.js";
export { DEFAULT_AGENTS_MD_MAX_BYTES, loadAgentsMd } from "./agents-md.js";
export { SessionToolRouter, UPDATE_PLAN_TOOL } from "./builtin-tools.js";
export { AUTO_COMPACT_WINDOW_SHARE, autoCompactLimit } from "./compaction.js";
export { FileTurnDiffTracker } from "./diff-tracker.js";
export {
  SessionInitError,
  SteerInputError,
  type SteerErrorKind,
  ThreadNotFoundError,
  ThreadNotSavedError,
} from "./errors.js";
export type { EventListener } from "./event-channel.js";
export { SessionManager, type SessionManagerOptions, type ThreadOptions } from "./manager.js";
export { KEEL_BASE_INSTRUCTIONS } from "./prompts/base-instructions.js";
export { builtinModeInstructions } from "./prompts/collaboration-modes.js";
export {
  type InitialHistory,
  Session,
  type SessionOptions,
  type SubmitResult,
  type ThreadConfigSnapshot,
} from "./session.js";
export {
  type DeprecationNotice,
  ON_FAILURE_DEPRECATION_WARNING,
  type StartupNotices,
  unstableFeaturesWarning,
} from "./startup.js";
export type {
  DynamicToolContentItem,
  DynamicToolRequest,
  DynamicToolResult,
  UserInputAnswers,
  UserInputQuestion,
  UserInputRequest,
} from "./client-requests.js";
export type {
  ApprovalCache,
  ApprovalRequest,
  ApprovalResponse,
  ExecApprovalRequest,
  PatchApprovalRequest,
  PermissionsApprovalRequest,
  PermissionsGrant,
  ToolCall,
  ToolContext,
  ToolRouter,
  ToolSpec,
  TurnDiffTracker,
} from "./tool-router.js";
export { toolOutputItem } from "./tool-router.js";
export { UNDER_DEVELOPMENT_FEATURES } from "../config/feature-stages.js";
export { type FromConfigOptions, sessionOptionsFromConfig } from "./from-config.js";
