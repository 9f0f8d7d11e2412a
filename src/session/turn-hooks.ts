import {
  type HookToolCall,
  hookContextMessage,
  type HookTurn,
  type PostToolDecision,
  type PreToolDecision,
  type SessionHooks,
  type SessionStartSource,
} from "../hooks/session-hooks.js";
import type { ResponseItem } from "../protocol/items.js";
import { approvalCommandText } from "../tools/runtime/hook-calls.js";
import type { ActiveTurn } from "./active-turn.js";
import type { ApprovalRequest, ApprovalResponse, ToolHooks } from "./tool-router.js";

/** What the turn loop needs to run hooks; absent when the session has none. */
export interface TurnHookHost {
  hooks: SessionHooks;
  /** The SessionStart source for the thread's first turn; null once it was taken. */
  takeSessionStart(): SessionStartSource | null;
  /** Stop-hook blocks in a row after which keel ends the turn anyway. */
  stopHookMaxBlocks: number;
}

export const DEFAULT_STOP_HOOK_MAX_BLOCKS = 8;

/** The wrapper a Stop block's reason reaches the model in (Codex's wording). */
export function hookPromptText(runId: string, reason: string): string {
  return `<hook_prompt hook_run_id="${runId}">${reason}</hook_prompt>`;
}

/** Why keel ended a turn a Stop hook kept blocking (Codex would loop without end). */
export function stopLimitWarning(limit: number): string {
  return (
    `Stop hooks blocked the end of this turn ${limit} times in a row; keel ends the turn now ` +
    "(raise `stop_hook_max_blocks` in config.toml to allow more)."
  );
}

/**
 * The tool orchestrator's view of the hooks for one turn: PreToolUse / PostToolUse decisions,
 * with the context they add kept per call until the turn records the call's output.
 */
export function toolHooksFor(hooks: SessionHooks, turn: HookTurn): ToolHooks {
  const pending = new Map<string, ResponseItem[]>();
  const keep = (callId: string, texts: readonly string[]) => {
    if (texts.length === 0) return;
    pending.set(callId, [...(pending.get(callId) ?? []), ...texts.map(hookContextMessage)]);
  };
  return {
    async preToolUse(call: HookToolCall): Promise<PreToolDecision> {
      const { contexts, ...decision } = await hooks.preToolUse(turn, call);
      keep(call.callId, contexts);
      return decision;
    },
    async postToolUse(call: HookToolCall, response: unknown): Promise<PostToolDecision> {
      const { contexts, ...decision } = await hooks.postToolUse(turn, call, response);
      keep(call.callId, contexts);
      return decision;
    },
    permissionRequest(call: HookToolCall) {
      return hooks.permissionRequest(turn, call);
    },
    takeContext(callId: string): ResponseItem[] {
      const items = pending.get(callId) ?? [];
      pending.delete(callId);
      return items;
    },
  };
}

export function hookTurn(turn: ActiveTurn, config: HookTurn["config"], emit: HookTurn["emit"]): HookTurn {
  return { turnId: turn.turnId, config, emit, signal: turn.signal };
}

/**
 * PermissionRequest (spec hooks.md §4): before a command approval reaches the client, hooks may
 * answer it. Null: no hook decided, ask the user as usual.
 */
export async function approvalFromHooks(
  hooks: SessionHooks,
  turn: HookTurn,
  request: ApprovalRequest,
): Promise<ApprovalResponse | null> {
  if (request.kind !== "exec") return null;
  const command = approvalCommandText(request.command);
  const decision = await hooks.permissionRequest(turn, {
    callId: request.callId,
    toolName: "Bash",
    toolInput: { command, ...(request.reason ? { description: request.reason } : {}) },
  });
  if (decision === null) return null;
  return { decision: decision.behavior === "allow" ? "approved" : "denied" };
}
