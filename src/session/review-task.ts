import type { EventMsg, TokenUsageInfo } from "../protocol/events.js";
import type { ResponseItem } from "../protocol/items.js";
import type { ReviewOutput } from "../protocol/review.js";
import type { TokenUsage } from "../protocol/model.js";
import type { SessionConfiguration } from "../permissions/index.js";
import { parseReviewOutput, renderReviewOutput, reviewResultsText } from "../review/output.js";
import {
  REVIEW_INTERRUPTED_MESSAGE,
  REVIEW_INTERRUPTED_TEXT,
  reviewResultsMessage,
} from "../review/prompts.js";
import { REVIEW_RUBRIC } from "../review/rubric.js";
import type { ActiveTurn } from "./active-turn.js";
import { runRegularTurn, type TurnHost } from "./turn.js";

/**
 * A review task (Codex `ReviewTask`): a reviewer runs the model loop on a history of its own —
 * the review rubric as base instructions, no user instructions or AGENTS.md, the target's prompt
 * as its only user message — inside the parent thread's turn. The parent sees the reviewer's
 * tool calls and approvals, but not its raw answer; it gets the parsed review instead, and keeps
 * two messages in its history so a follow-up turn can act on the findings.
 */

/** The reviewer's answer arrives as the parsed review, not as the model's text. */
function hiddenFromParent(msg: EventMsg): boolean {
  switch (msg.type) {
    case "agent_message":
    case "agent_message_delta":
    // The reviewer's tokens are its own, not the thread's.
    case "token_count":
      return true;
    case "item_started":
    case "item_completed":
      return msg.item.type === "agent_message";
    default:
      return false;
  }
}

/** The parent's settings without what only the parent's own turns use. */
function reviewerConfig(config: SessionConfiguration): SessionConfiguration {
  return {
    ...config,
    userInstructions: null,
    agentsMdDirectory: null,
    // Codex keeps the reviewer off the web.
    webSearch: { ...config.webSearch, allowed: config.webSearch?.allowed ?? null, configured: "disabled" },
  };
}

function sum(a: TokenUsage | undefined, b: TokenUsage): TokenUsage {
  const add = (k: keyof TokenUsage) => ((a?.[k] as number | undefined) ?? 0) + (b[k] as number);
  return {
    input_tokens: add("input_tokens"),
    cached_input_tokens: add("cached_input_tokens"),
    output_tokens: add("output_tokens"),
    reasoning_output_tokens: add("reasoning_output_tokens"),
    total_tokens: add("total_tokens"),
  };
}

/** The parent's host with the reviewer's own history, instructions, usage and no hooks. */
function reviewerHost(parent: TurnHost): TurnHost {
  let history: ResponseItem[] = [];
  let usage: TokenUsageInfo | null = null;
  return {
    ...parent,
    baseInstructions: REVIEW_RUBRIC,
    baseline: { environment: null, permissions: null },
    skills: null,
    hooks: null,
    config: () => reviewerConfig(parent.config()),
    history: () => history,
    record: (items) => {
      history.push(...items);
    },
    // The reviewer's context lines belong to no thread's rollout.
    persist: () => {},
    replaceHistory: (items) => {
      history = [...items];
    },
    emit: (turnId, msg) => {
      if (!hiddenFromParent(msg)) parent.emit(turnId, msg);
    },
    addUsage: (last) => {
      usage = {
        total_token_usage: sum(usage?.total_token_usage, last),
        last_token_usage: { ...last },
        model_context_window: parent.tokenInfo()?.model_context_window ?? null,
      };
      return usage;
    },
    tokenInfo: () => usage,
    contextTokens: () => usage?.last_token_usage.total_tokens ?? null,
    windowGeneration: () => 0,
    advanceWindow: () => {},
    // One short task: its history is never compacted.
    autoCompactLimit: () => null,
  };
}

/** Runs the reviewer; its last message parsed as a review, or null when it gave none. */
export async function runReviewer(
  parent: TurnHost,
  turn: ActiveTurn,
  prompt: string,
  newItemId: () => string,
): Promise<ReviewOutput | null> {
  const host = reviewerHost(parent);
  const result = await runRegularTurn(host, turn, [{ type: "text", text: prompt }], newItemId);
  return result.lastAgentMessage === null ? null : parseReviewOutput(result.lastAgentMessage);
}

/**
 * Ends review mode in the parent (Codex `exit_review_mode`): the results (or "interrupted") as
 * a user-role message, `exited_review_mode`, then the rendered review as the assistant's message.
 */
export function exitReviewMode(
  parent: TurnHost,
  turn: ActiveTurn,
  output: ReviewOutput | null,
  itemId: string,
): void {
  const userText = output ? reviewResultsMessage(reviewResultsText(output)) : REVIEW_INTERRUPTED_MESSAGE;
  const text = output ? renderReviewOutput(output) : REVIEW_INTERRUPTED_TEXT;
  parent.record([{ type: "message", role: "user", content: [{ type: "input_text", text: userText }] }]);
  parent.emit(turn.turnId, { type: "exited_review_mode", review_output: output });
  parent.record([{ type: "message", role: "assistant", content: [{ type: "output_text", text }] }]);
  const item = { thread_id: parent.threadId, turn_id: turn.turnId };
  const message = { type: "agent_message" as const, id: itemId, text, phase: null };
  parent.emit(turn.turnId, { type: "item_started", ...item, item: { ...message, text: "" } });
  parent.emit(turn.turnId, { type: "agent_message", message: text, phase: null });
  parent.emit(turn.turnId, { type: "item_completed", ...item, item: message });
}
