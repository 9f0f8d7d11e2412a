import { z } from "zod";
import {
  AbsPathSchema,
  ApprovalsReviewerSchema,
  AskForApprovalSchema,
  PermissionProfileSchema,
  SandboxPolicySchema,
} from "./permissions.js";
import {
  AgentMessageEventSchema,
  AgentReasoningEventSchema,
  AgentReasoningRawContentEventSchema,
  ContextCompactedEventSchema,
  DynamicToolCallResponseEventSchema,
  ErrorEventSchema,
  ExecCommandEndEventSchema,
  ItemCompletedEventSchema,
  PatchApplyEndEventSchema,
  TaskCompleteEventSchema,
  TaskStartedEventSchema,
  ThreadNameUpdatedEventSchema,
  TokenCountEventSchema,
  TokenUsageInfoSchema,
  TokenUsageSchema,
  TurnAbortedEventSchema,
  UserMessageEventSchema,
  ViewImageToolCallEventSchema,
  WebSearchEndEventSchema,
} from "./rollout.js";
import { ToolRequestUserInputQuestionSchema } from "./v2/approvals.js";
import { ReviewOutputSchema, ReviewTargetSchema } from "./review.js";

/**
 * The one event union every keel front end consumes (Codex's `EventMsg`, snake_case `type`
 * tags). A session emits `Event` envelopes `{id, msg}`: `id` is the submission/turn id that
 * caused the event (`""` for start-up events, Codex's INITIAL_SUBMIT_ID); `msg` is one of the
 * variants below. The app-server maps them to v2 notifications, `keel exec --json` to JSONL,
 * the library API re-exposes them unchanged.
 *
 * Payloads of events that reach the rollout (rollout.md §5) are the rollout module's payload
 * shapes; see the "persisted" block below.
 */

// ---------------------------------------------------------------------------------------------
// Shared value types

export const TurnAbortReasonSchema = z.enum(["interrupted", "replaced", "review_ended"]);
export type TurnAbortReason = z.infer<typeof TurnAbortReasonSchema>;

/** Answer to an approval request (Codex `ReviewDecision`; v2 accept/acceptForSession/decline/cancel). */
export const ReviewDecisionSchema = z.union([
  z.enum(["approved", "approved_for_session", "denied", "abort"]),
  z.object({
    approved_execpolicy_amendment: z.object({ proposed_execpolicy_amendment: z.array(z.string()) }),
  }),
  /** Saves a `network_rule` for the host of a network approval (network-proxy.md §6). */
  z.object({
    network_policy_amendment: z.object({
      network_policy_amendment: z.object({ host: z.string(), action: z.enum(["allow", "deny"]) }),
    }),
  }),
]);
export type ReviewDecision = z.infer<typeof ReviewDecisionSchema>;

/** One file's change in an apply_patch (Codex `FileChange`, keys are absolute paths). */
export const FileChangeSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("add"), content: z.string() }),
  z.object({ type: z.literal("delete"), content: z.string() }),
  z.object({
    type: z.literal("update"),
    unified_diff: z.string(),
    move_path: z.string().nullable().default(null),
  }),
]);
export type FileChange = z.infer<typeof FileChangeSchema>;
export const FileChangesSchema = z.record(z.string(), FileChangeSchema);
export type FileChanges = z.infer<typeof FileChangesSchema>;

/**
 * A parsed command summary (v2 `CommandAction`, core `ParsedCommand`). The tools module owns the
 * parser; the event keeps the object open so its richer shapes pass through.
 */
export const CommandActionSchema = z.looseObject({
  type: z.string(),
  cmd: z.string().optional(),
  command: z.string().optional(),
});
export type CommandAction = z.infer<typeof CommandActionSchema>;

export const ExecCommandSourceSchema = z.enum([
  "agent",
  "user_shell",
  "unified_exec_startup",
  "unified_exec_interaction",
]);

export const PlanItemStatusSchema = z.enum(["pending", "in_progress", "completed"]);
export const PlanItemSchema = z.object({ step: z.string(), status: PlanItemStatusSchema });
export const UpdatePlanArgsSchema = z.object({
  explanation: z.string().nullish(),
  plan: z.array(PlanItemSchema),
});
export type UpdatePlanArgs = z.infer<typeof UpdatePlanArgsSchema>;

/** Permissions a tool asks for (`request_permissions`, v2 RequestPermissionProfile). */
export const RequestedPermissionsSchema = z.object({
  network: z.object({ enabled: z.boolean().nullable() }).nullable().default(null),
  file_system: z
    .object({
      read: z.array(z.string()).nullable().default(null),
      write: z.array(z.string()).nullable().default(null),
    })
    .nullable()
    .default(null),
});
export type RequestedPermissions = z.infer<typeof RequestedPermissionsSchema>;

/** User-input items of a turn (subset of v2 UserInput, core spelling). */
export const UserInputSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("image"), image_url: z.string() }),
  z.object({ type: z.literal("local_image"), path: z.string() }),
  /** An explicitly chosen skill; `path` is its SKILL.md (spec skills.md §5). */
  z.object({ type: z.literal("skill"), name: z.string(), path: z.string() }),
]);
export type UserInput = z.infer<typeof UserInputSchema>;

/** Items with a lifecycle (item_started → deltas → item_completed), Codex `TurnItem`. */
export const TurnItemSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("user_message"), id: z.string(), content: z.array(UserInputSchema) }),
  z.object({
    type: z.literal("agent_message"),
    id: z.string(),
    text: z.string(),
    phase: z.string().nullable().default(null),
  }),
  z.object({
    type: z.literal("reasoning"),
    id: z.string(),
    summary_text: z.array(z.string()),
    raw_content: z.array(z.string()),
  }),
  z.object({ type: z.literal("context_compaction"), id: z.string() }),
  z.object({
    type: z.literal("hook_prompt"),
    id: z.string(),
    fragments: z.array(z.object({ text: z.string(), hook_run_id: z.string() })),
  }),
]);
export type TurnItem = z.infer<typeof TurnItemSchema>;

// ---------------------------------------------------------------------------------------------
// Persisted events: the rollout module's payload schemas (rollout.md §4.3), used unchanged so a
// live event and its rollout line have one shape.

export {
  AgentMessageEventSchema,
  AgentReasoningEventSchema,
  AgentReasoningRawContentEventSchema,
  ContextCompactedEventSchema,
  ErrorEventSchema,
  ExecCommandEndEventSchema,
  ItemCompletedEventSchema,
  PatchApplyEndEventSchema,
  TaskCompleteEventSchema,
  TaskStartedEventSchema,
  ThreadNameUpdatedEventSchema,
  TokenCountEventSchema,
  TokenUsageInfoSchema,
  TokenUsageSchema,
  TurnAbortedEventSchema,
  UserMessageEventSchema,
  ViewImageToolCallEventSchema,
  WebSearchEndEventSchema,
};
export type { TokenUsage, TokenUsageInfo } from "./rollout.js";

// ---------------------------------------------------------------------------------------------
// Live-only events (never persisted)

export const SessionConfiguredEventSchema = z.object({
  type: z.literal("session_configured"),
  session_id: z.string(),
  forked_from_id: z.string().nullable(),
  thread_name: z.string().nullable(),
  model: z.string(),
  model_provider_id: z.string(),
  service_tier: z.string().nullable(),
  approval_policy: AskForApprovalSchema,
  approvals_reviewer: ApprovalsReviewerSchema,
  sandbox_policy: SandboxPolicySchema,
  permission_profile: PermissionProfileSchema,
  cwd: AbsPathSchema,
  reasoning_effort: z.string().nullable(),
  history_log_id: z.number().int(),
  history_entry_count: z.number().int(),
  /** Persisted event payloads of a resumed/forked history (for clients rendering from events). */
  initial_messages: z.array(z.looseObject({ type: z.string() })).nullable(),
  rollout_path: z.string().nullable(),
});

export const WarningEventSchema = z.object({ type: z.literal("warning"), message: z.string() });

export const DeprecationNoticeEventSchema = z.object({
  type: z.literal("deprecation_notice"),
  summary: z.string(),
  details: z.string().nullable(),
});

export const AgentMessageDeltaEventSchema = z.object({
  type: z.literal("agent_message_delta"),
  item_id: z.string(),
  delta: z.string(),
});

export const AgentReasoningDeltaEventSchema = z.object({
  type: z.literal("agent_reasoning_delta"),
  item_id: z.string(),
  summary_index: z.number().int(),
  delta: z.string(),
});

/** A new reasoning summary part begins (v2 `item/reasoning/summaryPartAdded`). */
export const AgentReasoningSectionBreakEventSchema = z.object({
  type: z.literal("agent_reasoning_section_break"),
  item_id: z.string(),
  summary_index: z.number().int(),
});

export const AgentReasoningRawContentDeltaEventSchema = z.object({
  type: z.literal("agent_reasoning_raw_content_delta"),
  item_id: z.string(),
  content_index: z.number().int(),
  delta: z.string(),
});

export const ExecCommandBeginEventSchema = z.object({
  type: z.literal("exec_command_begin"),
  call_id: z.string(),
  turn_id: z.string(),
  command: z.array(z.string()),
  cwd: z.string(),
  parsed_cmd: z.array(CommandActionSchema),
  source: ExecCommandSourceSchema,
  process_id: z.string().nullish(),
});

export const ExecCommandOutputDeltaEventSchema = z.object({
  type: z.literal("exec_command_output_delta"),
  call_id: z.string(),
  stream: z.enum(["stdout", "stderr"]),
  /** UTF-8 text of the chunk (Codex sends bytes; keel decodes once, in the tool). */
  chunk: z.string(),
});

/** Input a unified exec process was sent (`write_stdin`); `stdin` is empty for a poll. */
export const TerminalInteractionEventSchema = z.object({
  type: z.literal("terminal_interaction"),
  call_id: z.string(),
  process_id: z.string(),
  stdin: z.string(),
});

export const ExecApprovalRequestEventSchema = z.object({
  type: z.literal("exec_approval_request"),
  call_id: z.string(),
  approval_id: z.string().nullish(),
  turn_id: z.string(),
  command: z.array(z.string()),
  cwd: z.string(),
  reason: z.string().nullish(),
  parsed_cmd: z.array(CommandActionSchema).default(() => []),
  proposed_execpolicy_amendment: z.array(z.string()).nullish(),
  additional_permissions: RequestedPermissionsSchema.nullish(),
  available_decisions: z.array(ReviewDecisionSchema).nullish(),
  /** Input to a running terminal rather than a new command (absent: a command). */
  approval_kind: z.enum(["command", "write_stdin"]).nullish(),
  /** Set for a network approval: the host and protocol the managed proxy was asked to reach. */
  network_approval_context: z.object({ host: z.string(), protocol: z.string() }).nullish(),
  proposed_network_policy_amendments: z
    .array(z.object({ host: z.string(), action: z.enum(["allow", "deny"]) }))
    .nullish(),
});

export const ApplyPatchApprovalRequestEventSchema = z.object({
  type: z.literal("apply_patch_approval_request"),
  call_id: z.string(),
  turn_id: z.string(),
  changes: FileChangesSchema,
  reason: z.string().nullish(),
  grant_root: z.string().nullish(),
});

export const RequestPermissionsEventSchema = z.object({
  type: z.literal("request_permissions"),
  call_id: z.string(),
  turn_id: z.string(),
  cwd: z.string(),
  reason: z.string().nullish(),
  permissions: RequestedPermissionsSchema,
});

/** `request_user_input`: questions for the client (`item/tool/requestUserInput`). */
export const RequestUserInputEventSchema = z.object({
  type: z.literal("request_user_input"),
  call_id: z.string(),
  turn_id: z.string(),
  /** Already in the wire shape the client gets. */
  questions: z.array(ToolRequestUserInputQuestionSchema),
});

/** A call of a client-implemented dynamic tool (`item/tool/call`); the response is persisted. */
export const DynamicToolCallRequestEventSchema = z.object({
  type: z.literal("dynamic_tool_call_request"),
  call_id: z.string(),
  turn_id: z.string(),
  namespace: z.string().nullable(),
  tool: z.string(),
  arguments: z.unknown(),
});

export const PatchApplyBeginEventSchema = z.object({
  type: z.literal("patch_apply_begin"),
  call_id: z.string(),
  turn_id: z.string(),
  auto_approved: z.boolean(),
  changes: FileChangesSchema,
});

export const TurnDiffEventSchema = z.object({ type: z.literal("turn_diff"), unified_diff: z.string() });

export const PlanUpdateEventSchema = UpdatePlanArgsSchema.extend({ type: z.literal("plan_update") });

/** A transient stream failure that will be retried (v2 `error` with `willRetry: true`). */
export const StreamErrorEventSchema = z.object({
  type: z.literal("stream_error"),
  message: z.string(),
  additional_details: z.string().nullish(),
});

export const ItemStartedEventSchema = z.object({
  type: z.literal("item_started"),
  thread_id: z.string(),
  turn_id: z.string(),
  item: TurnItemSchema,
});

export const ShutdownCompleteEventSchema = z.object({ type: z.literal("shutdown_complete") });

/** The model started a hosted web search (`web_search_call` added); `web_search_end` has the action. */
export const WebSearchBeginEventSchema = z.object({
  type: z.literal("web_search_begin"),
  call_id: z.string(),
});

// ---------------------------------------------------------------------------------------------
// MCP (spec mcp.md). Core spellings as Codex persists them.

/** `{state:"starting"|"ready"|"cancelled"}` or `{state:"failed", error}`. */
export const McpStartupStatusSchema = z.discriminatedUnion("state", [
  z.object({ state: z.literal("starting") }),
  z.object({ state: z.literal("ready") }),
  z.object({ state: z.literal("failed"), error: z.string() }),
  z.object({ state: z.literal("cancelled") }),
]);
export type McpStartupStatus = z.infer<typeof McpStartupStatusSchema>;

/** One server of the thread changed start-up state (v2 `mcpServer/startupStatus/updated`). */
export const McpStartupUpdateEventSchema = z.object({
  type: z.literal("mcp_startup_update"),
  server: z.string(),
  status: McpStartupStatusSchema,
});

/** Every server of a start (or reload) settled. */
export const McpStartupCompleteEventSchema = z.object({
  type: z.literal("mcp_startup_complete"),
  ready: z.array(z.string()),
  failed: z.array(z.object({ server: z.string(), error: z.string() })),
  cancelled: z.array(z.string()),
});

/** `{server, tool, arguments}`: the raw (unsanitised) names and the parsed arguments. */
export const McpInvocationSchema = z.object({
  server: z.string(),
  tool: z.string(),
  arguments: z.unknown().optional(),
});
export type McpInvocation = z.infer<typeof McpInvocationSchema>;

export const McpToolCallBeginEventSchema = z.object({
  type: z.literal("mcp_tool_call_begin"),
  call_id: z.string(),
  invocation: McpInvocationSchema,
  /** keel: the tool's `readOnlyHint` annotation (v2 `mcpToolCall.readOnlyHint`). */
  read_only_hint: z.boolean().nullish(),
});

/**
 * The call ended. `result` is Rust's `Result<CallToolResult, String>` as serde writes it:
 * `{Ok: <MCP CallToolResult>}` or `{Err: "<message>"}`.
 */
export const McpToolCallEndEventSchema = z.object({
  type: z.literal("mcp_tool_call_end"),
  call_id: z.string(),
  invocation: McpInvocationSchema,
  duration: z.object({ secs: z.number(), nanos: z.number() }),
  result: z.union([z.object({ Ok: z.looseObject({}) }), z.object({ Err: z.string() })]),
  /** keel: the tool's `readOnlyHint` annotation, kept so a resumed thread shows it. */
  read_only_hint: z.boolean().nullish(),
});

/** An MCP server (or an MCP tool approval) asks the user; answered with `resolveElicitation`. */
export const ElicitationRequestEventSchema = z.object({
  type: z.literal("elicitation_request"),
  server_name: z.string(),
  /** keel's key for the answer (unique within the session). */
  id: z.string(),
  turn_id: z.string().nullable(),
  /** The MCP `elicitation/create` params (`mode`, `message`, `requestedSchema` or `url`, `_meta`). */
  request: z.looseObject({ message: z.string() }),
});

// ---------------------------------------------------------------------------------------------
// Hooks (spec hooks.md §6). `run` is the v2 HookRunSummary as the wire carries it.

export const HookRunSummarySchema = z.object({
  id: z.string(),
  eventName: z.string(),
  handlerType: z.enum(["command", "mcpTool", "prompt", "agent"]),
  executionMode: z.enum(["sync", "async"]),
  scope: z.enum(["thread", "turn"]),
  sourcePath: z.string(),
  source: z.string(),
  displayOrder: z.number().int(),
  status: z.enum(["running", "completed", "failed", "blocked", "stopped"]),
  statusMessage: z.string().nullable(),
  startedAt: z.number().int(),
  completedAt: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  entries: z.array(
    z.object({ kind: z.enum(["warning", "stop", "feedback", "context", "error"]), text: z.string() }),
  ),
});

export const HookStartedEventSchema = z.object({
  type: z.literal("hook_started"),
  turn_id: z.string().nullable(),
  run: HookRunSummarySchema,
});

export const HookCompletedEventSchema = z.object({
  type: z.literal("hook_completed"),
  turn_id: z.string().nullable(),
  run: HookRunSummarySchema,
});

// ---------------------------------------------------------------------------------------------
// The union and the envelope

/** A review task started (`enteredReviewMode`); persisted. */
export const EnteredReviewModeEventSchema = z.object({
  type: z.literal("entered_review_mode"),
  target: ReviewTargetSchema,
  user_facing_hint: z.string(),
});

/** A review task ended: the parsed answer, or null when it was interrupted; persisted. */
export const ExitedReviewModeEventSchema = z.object({
  type: z.literal("exited_review_mode"),
  review_output: ReviewOutputSchema.nullable(),
});

export const EventMsgSchema = z.discriminatedUnion("type", [
  SessionConfiguredEventSchema,
  WarningEventSchema,
  DeprecationNoticeEventSchema,
  TaskStartedEventSchema,
  TaskCompleteEventSchema,
  TurnAbortedEventSchema,
  UserMessageEventSchema,
  AgentMessageEventSchema,
  AgentMessageDeltaEventSchema,
  AgentReasoningEventSchema,
  AgentReasoningDeltaEventSchema,
  AgentReasoningSectionBreakEventSchema,
  AgentReasoningRawContentEventSchema,
  AgentReasoningRawContentDeltaEventSchema,
  TokenCountEventSchema,
  ExecCommandBeginEventSchema,
  ExecCommandOutputDeltaEventSchema,
  ExecCommandEndEventSchema,
  TerminalInteractionEventSchema,
  ExecApprovalRequestEventSchema,
  ApplyPatchApprovalRequestEventSchema,
  RequestPermissionsEventSchema,
  RequestUserInputEventSchema,
  DynamicToolCallRequestEventSchema,
  DynamicToolCallResponseEventSchema,
  PatchApplyBeginEventSchema,
  PatchApplyEndEventSchema,
  TurnDiffEventSchema,
  PlanUpdateEventSchema,
  StreamErrorEventSchema,
  ErrorEventSchema,
  ContextCompactedEventSchema,
  ThreadNameUpdatedEventSchema,
  ItemStartedEventSchema,
  ItemCompletedEventSchema,
  ShutdownCompleteEventSchema,
  WebSearchBeginEventSchema,
  WebSearchEndEventSchema,
  ViewImageToolCallEventSchema,
  McpStartupUpdateEventSchema,
  McpStartupCompleteEventSchema,
  McpToolCallBeginEventSchema,
  McpToolCallEndEventSchema,
  ElicitationRequestEventSchema,
  HookStartedEventSchema,
  HookCompletedEventSchema,
  EnteredReviewModeEventSchema,
  ExitedReviewModeEventSchema,
]);
export type EventMsg = z.infer<typeof EventMsgSchema>;
export type EventMsgType = EventMsg["type"];
export type EventMsgOf<T extends EventMsgType> = Extract<EventMsg, { type: T }>;

/** `{id, msg}`: `id` = submission/turn id that caused the event, `""` during start-up. */
export const EventSchema = z.object({ id: z.string(), msg: EventMsgSchema });
export type Event = z.infer<typeof EventSchema>;

export const INITIAL_SUBMIT_ID = "";
