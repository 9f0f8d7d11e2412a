import { v7 as uuidv7 } from "uuid";
import type { EventMsg, TurnItem } from "../protocol/events.js";
import type { MessageItem, ReasoningItem, ResponseItem } from "../protocol/items.js";
import { messageText } from "../protocol/items.js";
import type { ModelRequest, RateLimitSnapshot, TokenUsage } from "../protocol/model.js";
import type { ModelClient } from "../model/client.js";
import type { ToolCall } from "./tool-router.js";
import { webSearchActionDetail, webSearchActionToV2 } from "../tools/web-search.js";

export interface SamplingHooks {
  emit(msg: EventMsg): void;
  /** Appends a completed output item to the history (and the rollout). */
  record(item: ResponseItem): void;
  /** A tool call is complete: start running it. */
  startTool(call: ToolCall): void;
  onRateLimits(snapshot: RateLimitSnapshot): void;
  /** The response completed: its usage is known even if tool calls are still running. */
  onUsage?(usage: TokenUsage): void;
}

export interface SamplingResult {
  usage: TokenUsage | null;
  /** Text of the last assistant message of this response, if any. */
  lastAgentMessage: string | null;
  toolCalls: number;
}

/** The tool call an output item asks for, or null for non-call items. */
export function toolCallOf(item: ResponseItem): ToolCall | null {
  switch (item.type) {
    case "function_call": {
      const fc = item as { name: string; namespace?: string | null; arguments: string; call_id: string };
      return {
        callId: fc.call_id,
        name: fc.name,
        namespace: fc.namespace ?? null,
        kind: "function",
        input: fc.arguments,
        item,
      };
    }
    case "custom_tool_call": {
      const cc = item as { name: string; input: string; call_id: string };
      return { callId: cc.call_id, name: cc.name, kind: "custom", input: cc.input, item };
    }
    case "local_shell_call": {
      const ls = item as { call_id?: string | null; id?: string | null; action: unknown };
      const callId = ls.call_id ?? ls.id ?? uuidv7();
      return { callId, name: "local_shell", kind: "local_shell", input: JSON.stringify(ls.action), item };
    }
    default:
      return null;
  }
}

/**
 * Streams one model response: forwards deltas as events (with stable item ids), records every
 * completed output item, and hands tool calls to the runner once the response has completed
 * (right after its usage is reported, as Codex orders them), or when the stream ends without it.
 */
export async function runSamplingRequest(
  client: ModelClient,
  request: ModelRequest,
  options: { signal: AbortSignal; windowGeneration: number; threadId: string; turnId: string },
  hooks: SamplingHooks,
): Promise<SamplingResult> {
  const result: SamplingResult = { usage: null, lastAgentMessage: null, toolCalls: 0 };
  let openMessage: string | null = null;
  let openReasoning: string | null = null;
  const item = (turnItem: TurnItem) => ({
    thread_id: options.threadId,
    turn_id: options.turnId,
    item: turnItem,
  });

  const startMessage = (id: string | null | undefined): string => {
    openMessage = id ?? uuidv7();
    hooks.emit({
      type: "item_started",
      ...item({ type: "agent_message", id: openMessage, text: "", phase: null }),
    });
    return openMessage;
  };
  const startReasoning = (id: string | null | undefined): string => {
    openReasoning = id ?? uuidv7();
    hooks.emit({
      type: "item_started",
      ...item({ type: "reasoning", id: openReasoning, summary_text: [], raw_content: [] }),
    });
    return openReasoning;
  };

  const calls: ToolCall[] = [];
  const startCalls = () => {
    for (const call of calls.splice(0)) hooks.startTool(call);
  };

  try {
    await consume();
  } finally {
    // Every call the model made gets started (and so answered), even if the stream failed.
    startCalls();
  }
  return result;

  async function consume(): Promise<void> {
    for await (const event of client.stream(request, {
      signal: options.signal,
      windowGeneration: options.windowGeneration,
      turnId: options.turnId,
    })) {
      switch (event.type) {
        case "created":
        case "tool_call_input_delta":
          break;
        case "rate_limits":
          hooks.onRateLimits(event.snapshot);
          break;
        case "retrying":
          hooks.emit({
            type: "stream_error",
            message: `Reconnecting... ${event.attempt}/${event.max_attempts}`,
            additional_details: event.message,
          });
          break;
        case "output_item_added":
          if (isAssistantMessage(event.item)) startMessage(event.item.id);
          else if (event.item.type === "reasoning") startReasoning((event.item as ReasoningItem).id);
          else if (event.item.type === "web_search_call")
            hooks.emit({ type: "web_search_begin", call_id: webSearchCallId(event.item) });
          break;
        case "output_text_delta": {
          const id = openMessage ?? startMessage(event.item_id);
          hooks.emit({ type: "agent_message_delta", item_id: id, delta: event.delta });
          break;
        }
        case "reasoning_summary_part_added": {
          const id = openReasoning ?? startReasoning(event.item_id);
          hooks.emit({
            type: "agent_reasoning_section_break",
            item_id: id,
            summary_index: event.summary_index,
          });
          break;
        }
        case "reasoning_summary_delta": {
          const id = openReasoning ?? startReasoning(event.item_id);
          hooks.emit({
            type: "agent_reasoning_delta",
            item_id: id,
            summary_index: event.summary_index,
            delta: event.delta,
          });
          break;
        }
        case "reasoning_content_delta": {
          const id = openReasoning ?? startReasoning(event.item_id);
          hooks.emit({
            type: "agent_reasoning_raw_content_delta",
            item_id: id,
            content_index: event.content_index,
            delta: event.delta,
          });
          break;
        }
        case "output_item_done": {
          const done = event.item;
          if (isAssistantMessage(done)) {
            const id = openMessage ?? startMessage(done.id);
            openMessage = null;
            const text = messageText(done);
            hooks.emit({ type: "agent_message", message: text, phase: done.phase ?? null });
            hooks.record(done);
            hooks.emit({
              type: "item_completed",
              ...item({ type: "agent_message", id, text, phase: done.phase ?? null }),
            });
            result.lastAgentMessage = text;
          } else if (done.type === "reasoning") {
            const reasoning = done as ReasoningItem;
            const id = openReasoning ?? startReasoning(reasoning.id);
            openReasoning = null;
            const summary = reasoning.summary.map((s) => s.text);
            const raw = (reasoning.content ?? []).map((c) => c.text);
            for (const text of summary) hooks.emit({ type: "agent_reasoning", text });
            for (const text of raw) hooks.emit({ type: "agent_reasoning_raw_content", text });
            hooks.record(done);
            hooks.emit({
              type: "item_completed",
              ...item({ type: "reasoning", id, summary_text: summary, raw_content: raw }),
            });
          } else if (done.type === "web_search_call") {
            const action = (done as { action?: unknown }).action;
            hooks.emit({
              type: "web_search_end",
              call_id: webSearchCallId(done),
              query: webSearchActionDetail(webSearchActionToV2(action)),
              action: action ?? { type: "other" },
            });
            hooks.record(done);
          } else {
            hooks.record(done);
            const call = toolCallOf(done);
            if (call) {
              result.toolCalls++;
              calls.push(call);
            }
          }
          break;
        }
        case "completed":
          result.usage = event.usage;
          if (event.usage) hooks.onUsage?.(event.usage);
          startCalls();
          break;
        default: {
          const unhandled: never = event;
          void unhandled;
        }
      }
    }
  }
}

/** A hosted search has no call id; its item id names it (as in Codex's `webSearch` items). */
function webSearchCallId(item: ResponseItem): string {
  const id = (item as { id?: unknown }).id;
  return typeof id === "string" ? id : "";
}

function isAssistantMessage(item: ResponseItem): item is MessageItem {
  return item.type === "message" && (item as MessageItem).role === "assistant";
}
