import type { EventMsg } from "../protocol/events.js";
import type { UserInputAnswers, UserInputQuestion } from "../tools/request-user-input.js";
import type { ActiveTurn } from "./active-turn.js";

/**
 * Requests a tool hands to the client rather than to the user's approval: questions
 * (`request_user_input`) and calls of client-implemented dynamic tools. The session parks them
 * on the active turn until a front end answers; an interrupt cancels them.
 */

export type { UserInputAnswers, UserInputQuestion };

export interface UserInputRequest {
  kind: "userInput";
  callId: string;
  questions: UserInputQuestion[];
}

/** A content item of a dynamic tool's result (`DynamicToolCallOutputContentItem`). */
export type DynamicToolContentItem =
  | { type: "inputText"; text: string }
  | { type: "inputImage"; imageUrl: string };

export interface DynamicToolRequest {
  kind: "dynamicTool";
  callId: string;
  namespace: string | null;
  tool: string;
  /** The model's arguments, parsed (the wire carries JSON, not text). */
  arguments: unknown;
}

export interface DynamicToolResult {
  contentItems: DynamicToolContentItem[];
  success: boolean;
}

export type ClientRequest = UserInputRequest | DynamicToolRequest;

/** What answers each kind of client request; `null` answers a question request as cancelled. */
export type ClientResponse<R extends ClientRequest> = R extends UserInputRequest
  ? UserInputAnswers | null
  : DynamicToolResult;

/** Emits the question event and waits for the answers (null: cancelled by the front end). */
export function askClient(
  turn: ActiveTurn,
  emit: (msg: EventMsg) => void,
  request: UserInputRequest,
): Promise<UserInputAnswers | null> {
  const waiting = turn.waitForClient(request);
  emit({
    type: "request_user_input",
    call_id: request.callId,
    turn_id: turn.turnId,
    questions: request.questions,
  });
  return waiting;
}

/**
 * Emits the call, waits for the client's result and emits the response event (the rollout
 * keeps it in extended mode, so a resumed thread shows the `dynamicToolCall` item).
 */
export async function callClientTool(
  turn: ActiveTurn,
  emit: (msg: EventMsg) => void,
  request: DynamicToolRequest,
): Promise<DynamicToolResult> {
  const started = Date.now();
  const waiting = turn.waitForClient(request);
  const call = {
    call_id: request.callId,
    turn_id: turn.turnId,
    namespace: request.namespace,
    tool: request.tool,
  };
  emit({ type: "dynamic_tool_call_request", ...call, arguments: request.arguments });
  const respond = (result: DynamicToolResult) => {
    const elapsed = Date.now() - started;
    emit({
      type: "dynamic_tool_call_response",
      ...call,
      arguments: request.arguments,
      content_items: result.contentItems.map((item) =>
        item.type === "inputText"
          ? { type: "input_text", text: item.text }
          : { type: "input_image", image_url: item.imageUrl },
      ),
      success: result.success,
      error: null,
      duration: { secs: Math.floor(elapsed / 1000), nanos: (elapsed % 1000) * 1_000_000 },
    });
  };
  try {
    const result = await waiting;
    respond(result);
    return result;
  } catch (error) {
    // Interrupted: like Codex, the item still completes, as a failure without content.
    respond({ contentItems: [], success: false });
    throw error;
  }
}
