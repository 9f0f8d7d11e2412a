import type { NetworkProxySettings } from "../network-proxy/settings.js";
import type {
  CommandAction,
  EventMsg,
  FileChanges,
  RequestedPermissions,
  ReviewDecision,
} from "../protocol/events.js";
import type { ResponseItem } from "../protocol/items.js";
import type { ToolSpec } from "../protocol/model.js";
import type { SessionConfiguration } from "../permissions/index.js";
import type { McpElicitationRequest, McpElicitationResult } from "../mcp/types.js";
import type {
  HookToolCall,
  PermissionHookDecision,
  PostToolDecision,
  PreToolDecision,
} from "../hooks/session-hooks.js";
import type {
  DynamicToolRequest,
  DynamicToolResult,
  UserInputAnswers,
  UserInputRequest,
} from "./client-requests.js";

export type { ToolSpec };

/**
 * The seam between the turn loop and whatever executes tools. The session owns the loop and the
 * built-ins (`update_plan`, unknown-tool errors); the tools orchestrator implements shell /
 * exec_command / apply_patch behind this interface.
 */

/** A tool call the model made, normalised across function / custom (freeform) / local-shell calls. */
export interface ToolCall {
  /** The model's call id; outputs are answered with it. */
  callId: string;
  name: string;
  namespace?: string | null;
  kind: "function" | "custom" | "local_shell";
  /** JSON text for function calls, the raw input for custom tools, JSON of the action for local shell. */
  input: string;
  /** The response item exactly as the model produced it. */
  item: ResponseItem;
}

export interface ExecApprovalRequest {
  kind: "exec";
  callId: string;
  /** Set for sub-command callbacks of one call; otherwise the call id keys the request. */
  approvalId?: string | null;
  command: string[];
  cwd: string;
  reason?: string | null;
  commandActions?: CommandAction[];
  proposedExecpolicyAmendment?: string[] | null;
  additionalPermissions?: RequestedPermissions | null;
  availableDecisions?: ReviewDecision[] | null;
  /** What is reviewed: a command (default) or input to a running terminal (`write_stdin`). */
  approvalKind?: ExecApprovalKind;
  /** A network approval (network-proxy.md §6): the host the proxy was asked to reach. */
  network?: {
    context: { host: string; protocol: string };
    proposedAmendments: { host: string; action: "allow" | "deny" }[];
  };
}

export type ExecApprovalKind = "command" | "write_stdin";

export interface PatchApprovalRequest {
  kind: "patch";
  callId: string;
  changes: FileChanges;
  reason?: string | null;
  grantRoot?: string | null;
}

export interface PermissionsApprovalRequest {
  kind: "permissions";
  callId: string;
  reason?: string | null;
  permissions: RequestedPermissions;
}

export type ApprovalRequest = ExecApprovalRequest | PatchApprovalRequest | PermissionsApprovalRequest;

/** What the user granted for a `request_permissions` call; anything omitted is denied. */
export interface PermissionsGrant {
  permissions: RequestedPermissions;
  scope: "turn" | "session";
}

/** The answer a front end gives; `grant` only for permission requests. */
export interface ApprovalResponse {
  decision: ReviewDecision;
  grant?: PermissionsGrant;
}

/** Session-scoped memory of "approved for session" decisions, keyed by a tool-chosen string. */
export interface ApprovalCache {
  has(key: string): boolean;
  add(key: string): void;
}

/** A grant the session remembers; `key` identifies it in the ApprovalCache (or the rules). */
export type RememberedGrant =
  | { kind: "command"; key: string; command: string[]; cwd: string; unsandboxed: boolean }
  | { kind: "patch"; key: string; path: string }
  | { kind: "execpolicyAmendment"; key: string; prefix: string[] }
  | { kind: "mcpTool"; key: string; server: string; tool: string };

/**
 * Tracks files a turn changes so a whole-turn unified diff can be shown (`turn_diff`).
 * Tools call `track` with absolute paths *before* they modify them.
 */
export interface TurnDiffTracker {
  track(paths: readonly string[]): Promise<void>;
  /** Unified diff of every tracked file against its baseline; null when nothing changed. */
  unifiedDiff(): Promise<string | null>;
}

export interface ToolContext {
  threadId: string;
  turnId: string;
  /** Absolute working directory of the turn. */
  cwd: string;
  /** The effective configuration of this turn (after turn-level overrides). */
  config: SessionConfiguration;
  /** Fires when the turn is interrupted or replaced; tools must stop and return promptly. */
  signal: AbortSignal;
  /** Emits an event with this turn's id. */
  emit(msg: EventMsg): void;
  /**
   * Asks the user. Resolves with the decision; with `abort` the session also interrupts the turn.
   * Rejects with an AbortError when the turn is aborted while waiting.
   */
  requestApproval(request: ApprovalRequest): Promise<ApprovalResponse>;
  approvalCache: ApprovalCache;
  diffTracker: TurnDiffTracker;
  /** Adds a developer message to the history (a saved network rule the model must know of). */
  recordDeveloperMessage?(text: string): void;
  /**
   * An approved command prefix was written to the rules: the model is told (a developer message).
   * Called only after the write succeeded, so the model never hears of a rule that is not there.
   */
  prefixSaved?(prefix: readonly string[]): void;
  /**
   * Asks the client's user (`request_user_input`); null when the request was cancelled. Absent
   * when no front end can answer. Rejects with an AbortError when the turn is aborted.
   */
  requestUserInput?(request: UserInputRequest): Promise<UserInputAnswers | null>;
  /** Runs a client-implemented dynamic tool; absent when no front end can. */
  callDynamicTool?(request: DynamicToolRequest): Promise<DynamicToolResult>;
  /** Asks the user on behalf of an MCP server (tool approvals); `cancel` when the turn ends first. */
  requestElicitation?(server: string, request: McpElicitationRequest): Promise<McpElicitationResult>;
  /** The session's PreToolUse / PostToolUse hooks; absent when none are configured. */
  hooks?: ToolHooks;
}

/**
 * Lifecycle hooks around a tool call (spec hooks.md): the tools orchestrator asks before it runs
 * a call and after; what hooks add for the model is taken per call when the output is recorded.
 */
export interface ToolHooks {
  preToolUse(call: HookToolCall): Promise<PreToolDecision>;
  postToolUse(call: HookToolCall, response: unknown): Promise<PostToolDecision>;
  /** PermissionRequest for a call that would ask the user (MCP tools); null: no hook decided. */
  permissionRequest(call: HookToolCall): Promise<PermissionHookDecision | null>;
  /** Developer messages the hooks added for a call (once; empty when none). */
  takeContext(callId: string): ResponseItem[];
}

export interface ToolRouter {
  /** Tools offered to the model for a turn. */
  specs(ctx: Pick<ToolContext, "cwd" | "config">): ToolSpec[];
  /** True when the router can run this call; unknown names get the session's error output. */
  handles(name: string): boolean;
  /** Whether calls of this tool may run concurrently with other parallel-capable calls. */
  supportsParallel(name: string, namespace?: string | null): boolean;
  /** Before a turn's first model request: lets tools still starting (MCP servers) catch up. */
  prepareTurn?(config: SessionConfiguration): Promise<void>;
  /**
   * Runs one call and answers with its output item (`function_call_output` or
   * `custom_tool_call_output` with the same call id). Errors the model should see are outputs,
   * not exceptions; a throw is reported to the model as a failure text.
   */
  dispatch(call: ToolCall, ctx: ToolContext): Promise<ResponseItem>;
  /** A session started (new, resumed or forked): prepare per-thread state such as the shell snapshot. */
  startSession?(
    threadId: string,
    cwd: string,
    keelHome: string,
    networkProxy?: NetworkProxySettings | null,
  ): void;
  /** The session ended: drop per-thread state (the shell snapshot file). */
  endSession?(threadId: string): Promise<void>;
  /** The thread is shutting down or unloaded: stop what still runs for it (background processes). */
  terminateProcesses?(threadId: string): Promise<void>;
  /** The thread's background processes still running, in id order. */
  runningProcesses?(threadId: string): BackgroundProcess[];
  /** Kills one background process; false when the thread has no such running process. */
  terminateProcess?(threadId: string, processId: number): Promise<boolean>;
  /** The exec policy's allow rules as the permissions instructions list them; null: none. */
  approvedPrefixes?(): string | null;
  /** What the router granted for the session of a thread (session approvals, amendments). */
  rememberedGrants?(threadId: string): RememberedGrant[];
  /** Forgets one of them (an amendment also leaves default.rules); false when it was not there. */
  forgetGrant?(threadId: string, grant: RememberedGrant): boolean;
  /** What `request_permissions` granted that is in force: session grants, and `turnId`'s while it runs. */
  permissionGrants?(threadId: string, turnId: string | null): RequestedPermissions[];
  /** Runs the user's own `!` command (thread/shellCommand); its item is emitted through `ctx`. */
  runUserShell?(command: string, callId: string, ctx: ToolContext): Promise<UserShellResult>;
}

/** How a user `!` command ended; `output` is the whole aggregated output (or why it did not run). */
export interface UserShellResult {
  exitCode: number;
  output: string;
  durationMs: number;
  timedOut: boolean;
}

/** A command still running after its tool call returned (a unified exec session). */
export interface BackgroundProcess {
  id: number;
  /** The call (and item) that started it. */
  callId: string;
  command: string;
  cwd: string;
}

/** Output item for a call, in the matching response type. */
export function toolOutputItem(call: ToolCall, output: string): ResponseItem {
  return call.kind === "custom"
    ? { type: "custom_tool_call_output", call_id: call.callId, output }
    : { type: "function_call_output", call_id: call.callId, output };
}
