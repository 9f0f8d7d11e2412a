import type { EventMsgOf } from "../../protocol/events.js";
import type { DynamicToolCallItemSchema } from "../../protocol/v2/items.js";
import type { ServerRequestResult } from "../../protocol/v2/registry.js";
import type {
  DynamicToolContentItem,
  DynamicToolResult,
  Session,
  UserInputAnswers,
} from "../../session/index.js";
import type { ThreadRequestOutcome } from "../subscriptions.js";
import type { AnyRequest } from "./approvals.js";
import { elicitationResultFromV2, elicitationServerRequest } from "./mcp-wire.js";
import type { z } from "zod";

/**
 * Tool calls the client answers (spec app-server.md §9.4, §9.5): `request_user_input` questions
 * become `item/tool/requestUserInput`, dynamic tool calls `item/tool/call` bracketed by
 * `dynamicToolCall` items. The answers go back to the session, which hands them to the model.
 */

export type ClientRequestEvent =
  | EventMsgOf<"request_user_input">
  | EventMsgOf<"dynamic_tool_call_request">
  | EventMsgOf<"elicitation_request">;

type DynamicToolCallItem = z.infer<typeof DynamicToolCallItemSchema>;

/** The server request for a client-request event. */
export function clientServerRequest(event: ClientRequestEvent, threadId: string, turnId: string): AnyRequest {
  if (event.type === "elicitation_request") return elicitationServerRequest(event, threadId);
  if (event.type === "request_user_input") {
    return {
      method: "item/tool/requestUserInput",
      params: {
        threadId,
        turnId,
        itemId: event.call_id,
        questions: event.questions,
        isBlocking: true,
        autoResolutionMs: null,
      },
    };
  }
  return {
    method: "item/tool/call",
    params: {
      threadId,
      turnId,
      callId: event.call_id,
      namespace: event.namespace,
      tool: event.tool,
      arguments: event.arguments as never,
    },
  };
}

/**
 * Hands the outcome to the session. A client error answers a question with no answers (as
 * Codex does: the model goes on without them) and fails a dynamic tool call with the message.
 */
export function settleClientRequest(
  session: Session,
  event: ClientRequestEvent,
  outcome: ThreadRequestOutcome<unknown>,
): void {
  if (outcome.kind === "withdrawn") return;
  if (event.type === "elicitation_request") {
    // A client that fails the request cancels it (the server, or the tool call, is told so).
    const result =
      outcome.kind === "answered"
        ? elicitationResultFromV2(outcome.result as ServerRequestResult<"mcpServer/elicitation/request">)
        : { action: "cancel" as const };
    session.resolveElicitation(event.id, result);
    return;
  }
  if (event.type === "request_user_input") {
    const answers: UserInputAnswers =
      outcome.kind === "answered"
        ? { answers: (outcome.result as ServerRequestResult<"item/tool/requestUserInput">).answers }
        : { answers: {} };
    session.resolveUserInput(event.call_id, answers);
    return;
  }
  const result: DynamicToolResult =
    outcome.kind === "answered"
      ? (outcome.result as ServerRequestResult<"item/tool/call">)
      : { contentItems: [{ type: "inputText", text: outcome.error.message }], success: false };
  session.resolveDynamicTool(event.call_id, result);
}

/** The `dynamicToolCall` item as its call starts. */
export function dynamicToolItemStarted(event: EventMsgOf<"dynamic_tool_call_request">): DynamicToolCallItem {
  return {
    type: "dynamicToolCall",
    id: event.call_id,
    namespace: event.namespace,
    tool: event.tool,
    arguments: event.arguments as DynamicToolCallItem["arguments"],
    status: "inProgress",
    contentItems: null,
    success: null,
    durationMs: null,
  };
}

/** The `dynamicToolCall` item once the client answered (core spellings in the event). */
export function dynamicToolItemCompleted(
  event: EventMsgOf<"dynamic_tool_call_response">,
  durationMs: number | null,
): DynamicToolCallItem {
  const success = event.success ?? false;
  return {
    type: "dynamicToolCall",
    id: event.call_id,
    namespace: event.namespace ?? null,
    tool: event.tool,
    arguments: (event.arguments ?? null) as DynamicToolCallItem["arguments"],
    status: success ? "completed" : "failed",
    contentItems: (event.content_items ?? []).map(contentItemToV2),
    success,
    durationMs,
  };
}

function contentItemToV2(item: { type: string; [k: string]: unknown }): DynamicToolContentItem {
  return item.type === "input_image"
    ? { type: "inputImage", imageUrl: String(item.image_url ?? "") }
    : { type: "inputText", text: String(item.text ?? "") };
}
