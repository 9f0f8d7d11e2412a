/** The tools orchestrator: every tool call that touches the machine, behind the session's ToolRouter. */
export { type SessionApproval, SessionApprovals, sessionApprovalKey } from "./approvals.js";
export { buildCommandEnv } from "../../sandbox/command-env.js";
export {
  type CommandInvocation,
  type CommandOutcome,
  type CommandStatus,
  type OrchestratorDeps,
  REJECTED_BY_USER,
  RETRY_WITHOUT_SANDBOX_REASON,
  runCommand,
} from "./command-orchestrator.js";
export {
  approxTokens,
  COMMAND_OUTPUT_MAX_BYTES,
  DEFAULT_OUTPUT_TOKENS,
  formatExecCommandOutput,
  formatShellOutput,
  OutputCollector,
  type RunSummary,
  TIMEOUT_EXIT_CODE,
  type TruncateMiddleOptions,
  truncateMiddle,
} from "./output.js";
export { historyOutputPolicy, toolOutputPolicy } from "./output-policy.js";
export { truncateForHistory, truncateItemForHistory } from "./history-truncation.js";
export { WriteAccess, type WriteVerdict } from "./path-access.js";
export {
  applyPatch,
  fileChangesOf,
  PATCH_REJECTED_BY_USER,
  type PatchDeps,
  type PatchOutcome,
} from "./patch-orchestrator.js";
export { SandboxedToolRouter, type ToolRouterOptions } from "./router.js";
export { escalatedPermissions, isUnsandboxedProfile, type RuntimePermissions } from "./sandbox-choice.js";
