import { type EventMsg, type ReviewDecision, ReviewDecisionSchema } from "../protocol/events.js";
import { shellJoin } from "../rollout/turns.js";

/**
 * Approvals of `keel mcp-server` travel to the MCP client as `elicitation/create` requests with
 * Codex's extra fields (`codex_elicitation`, `codex_call_id`, …), so clients written for
 * `codex mcp-server` understand them. The answer decides: Codex reads a `decision`
 * (ReviewDecision); a plain MCP client answers `action`, where only `accept` approves. Anything
 * else (a malformed answer, a failed request, a client without elicitation) denies.
 */

type ExecRequest = Extract<EventMsg, { type: "exec_approval_request" }>;
type PatchRequest = Extract<EventMsg, { type: "apply_patch_approval_request" }>;

const EMPTY_SCHEMA = { type: "object", properties: {} };

export interface ElicitationContext {
  threadId: string;
  /** The `tools/call` request id, as a string. */
  toolCallId: string;
  eventId: string;
}

export function execApprovalParams(msg: ExecRequest, ctx: ElicitationContext): Record<string, unknown> {
  return {
    message: `Allow keel to run \`${shellJoin(msg.command)}\` in \`${msg.cwd}\`?`,
    requestedSchema: EMPTY_SCHEMA,
    threadId: ctx.threadId,
    codex_elicitation: "exec-approval",
    codex_mcp_tool_call_id: ctx.toolCallId,
    codex_event_id: ctx.eventId,
    codex_call_id: msg.call_id,
    codex_command: msg.command,
    codex_cwd: msg.cwd,
    codex_parsed_cmd: msg.parsed_cmd,
  };
}

export function patchApprovalParams(msg: PatchRequest, ctx: ElicitationContext): Record<string, unknown> {
  const lines = [...(msg.reason ? [msg.reason] : []), "Allow keel to apply proposed code changes?"];
  return {
    message: lines.join("\n"),
    requestedSchema: EMPTY_SCHEMA,
    threadId: ctx.threadId,
    codex_elicitation: "patch-approval",
    codex_mcp_tool_call_id: ctx.toolCallId,
    codex_event_id: ctx.eventId,
    codex_call_id: msg.call_id,
    ...(msg.reason ? { codex_reason: msg.reason } : {}),
    ...(msg.grant_root ? { codex_grant_root: msg.grant_root } : {}),
    codex_changes: msg.changes,
  };
}

/** The decision an elicitation answer carries; fails closed. */
export function decisionFromAnswer(answer: unknown): ReviewDecision {
  if (typeof answer !== "object" || answer === null) return "denied";
  const { decision, action } = answer as { decision?: unknown; action?: unknown };
  if (decision !== undefined) {
    const parsed = ReviewDecisionSchema.safeParse(decision);
    return parsed.success ? parsed.data : "denied";
  }
  return action === "accept" ? "approved" : "denied";
}
