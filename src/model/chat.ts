import { createHash, randomUUID } from "node:crypto";
import type { ResponseItem, ToolOutput } from "../protocol/items.js";
import {
  ChatChunkSchema,
  type ChatUsage,
  type ModelRequest,
  type ModelStreamEvent,
  type TokenUsage,
} from "../protocol/model.js";
import { ModelError } from "./errors.js";
import { OUTPUT_SCHEMA_NAME } from "./responses.js";
import type { EventSourceMessage } from "./sse.js";
import type { WireAdapter } from "./wire.js";

type ChatContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: "auto" | "low" | "high" } };

/** Chat completions knows `auto`, `low` and `high`; Responses' `original` has no chat spelling. */
function chatImagePart(url: string, detail: string | undefined): ChatContentPart {
  if (detail === "auto" || detail === "low" || detail === "high")
    return { type: "image_url", image_url: { url, detail } };
  return { type: "image_url", image_url: { url } };
}
interface ChatToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}
export type ChatMessage =
  | { role: "system" | "user"; content: string | ChatContentPart[] }
  | { role: "assistant"; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

/** Chat completions has no freeform tools: a custom tool becomes a function with one `input` string. */
function customAsFunction(name: string, description: string, format: unknown) {
  const grammar = (format as { definition?: unknown } | undefined)?.definition;
  const hint = typeof grammar === "string" ? `\n\nThe input must follow this grammar:\n${grammar}` : "";
  return {
    type: "function",
    function: {
      name,
      description,
      parameters: {
        type: "object",
        properties: { input: { type: "string", description: `Raw input for ${name}.${hint}` } },
        required: ["input"],
        additionalProperties: false,
      },
    },
  };
}

interface FunctionSpec {
  name: string;
  description: string;
  parameters: unknown;
  strict?: boolean;
}

function chatFunction(name: string, f: FunctionSpec) {
  return {
    type: "function",
    function: {
      name,
      description: f.description,
      parameters: f.parameters,
      ...(f.strict === undefined ? {} : { strict: f.strict }),
    },
  };
}

/** Chat providers refuse longer function names (OpenAI's limit). */
export const CHAT_TOOL_NAME_MAX = 64;

/**
 * Chat completions has no namespaces: a namespaced tool (a client's dynamic tools, MCP tools)
 * travels as a function named `<namespace>__<name>`, and a call of that name is read back into
 * both parts. A longer name keeps its head and ends in a hash of the whole, within 64 characters.
 */
export function chatToolName(namespace: string | null | undefined, name: string): string {
  if (!namespace) return name;
  const flat = `${namespace}__${name}`;
  if (flat.length <= CHAT_TOOL_NAME_MAX) return flat;
  const hash = createHash("sha1").update(flat).digest("hex").slice(0, 12);
  return `${flat.slice(0, CHAT_TOOL_NAME_MAX - hash.length - 1)}_${hash}`;
}

function namespaceTools(tool: unknown): { namespace: string; tools: FunctionSpec[] } | null {
  const t = tool as { type: string; name?: unknown; tools?: unknown };
  if (t.type !== "namespace" || typeof t.name !== "string" || !Array.isArray(t.tools)) return null;
  const tools = (t.tools as { type?: unknown }[]).filter((f) => f.type === "function") as FunctionSpec[];
  return { namespace: t.name, tools };
}

/** What a chat tool call's name stands for: a custom tool, or a function of a namespace. */
export interface ChatToolNames {
  custom: ReadonlySet<string>;
  namespaced: ReadonlyMap<string, { namespace: string; name: string }>;
}

export function chatToolNames(tools: ModelRequest["tools"]): ChatToolNames {
  const custom = new Set<string>();
  const namespaced = new Map<string, { namespace: string; name: string }>();
  for (const tool of tools ?? []) {
    const t = tool as { type: string; name?: unknown };
    if (t.type === "custom" && typeof t.name === "string") custom.add(t.name);
    const group = namespaceTools(tool);
    for (const f of group?.tools ?? [])
      namespaced.set(chatToolName(group!.namespace, f.name), { namespace: group!.namespace, name: f.name });
  }
  return { custom, namespaced };
}

function chatTools(request: ModelRequest): unknown[] {
  const tools: unknown[] = [];
  for (const tool of request.tools ?? []) {
    const t = tool as { type: string; name?: string; description?: string; format?: unknown };
    if (t.type === "function") {
      const f = tool as FunctionSpec;
      tools.push(chatFunction(f.name, f));
    } else if (t.type === "custom" && t.name) {
      tools.push(customAsFunction(t.name, t.description ?? "", t.format));
    } else {
      const group = namespaceTools(tool);
      for (const f of group?.tools ?? []) tools.push(chatFunction(chatToolName(group!.namespace, f.name), f));
    }
    // hosted tools (web_search, …) exist only in the Responses API
  }
  return tools;
}

function outputText(output: ToolOutput): string {
  if (typeof output === "string") return output;
  return output.map((part) => ("text" in part && typeof part.text === "string" ? part.text : "")).join("");
}

/** Responses-API history → chat messages (assistant tool calls merged, results as `tool` messages). */
export function toChatMessages(instructions: string, input: readonly ResponseItem[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (instructions) messages.push({ role: "system", content: instructions });
  const pushToolCall = (call: ChatToolCall) => {
    const last = messages.at(-1);
    if (last?.role !== "assistant") messages.push({ role: "assistant", content: null, tool_calls: [call] });
    else if (last.tool_calls) last.tool_calls.push(call);
    else last.tool_calls = [call];
  };
  for (const item of input) {
    const it = item as Record<string, unknown> & { type: string };
    switch (it.type) {
      case "message": {
        const content = it.content as Array<{
          type: string;
          text?: string;
          image_url?: string;
          detail?: string;
        }>;
        if (it.role === "assistant") {
          messages.push({ role: "assistant", content: content.map((c) => c.text ?? "").join("") });
          break;
        }
        const role = it.role === "user" ? "user" : "system";
        const hasImage = content.some((c) => c.type === "input_image");
        messages.push({
          role,
          content: hasImage
            ? content.map(
                (c): ChatContentPart =>
                  c.type === "input_image"
                    ? chatImagePart(c.image_url ?? "", c.detail)
                    : { type: "text", text: c.text ?? "" },
              )
            : content.map((c) => c.text ?? "").join(""),
        });
        break;
      }
      case "function_call":
        pushToolCall({
          id: String(it.call_id),
          type: "function",
          function: {
            name: chatToolName(it.namespace as string | null | undefined, String(it.name)),
            arguments: String(it.arguments),
          },
        });
        break;
      case "custom_tool_call":
        pushToolCall({
          id: String(it.call_id),
          type: "function",
          function: { name: String(it.name), arguments: JSON.stringify({ input: it.input }) },
        });
        break;
      case "function_call_output":
      case "custom_tool_call_output":
        messages.push({
          role: "tool",
          tool_call_id: String(it.call_id),
          content: outputText(it.output as ToolOutput),
        });
        break;
      default:
        // reasoning, compaction and hosted-tool items have no chat form
        break;
    }
  }
  return messages;
}

/** The `POST /chat/completions` body. */
export function chatBody(request: ModelRequest): Record<string, unknown> {
  const tools = chatTools(request);
  return {
    model: request.model,
    messages: toChatMessages(request.instructions, request.input),
    stream: true,
    stream_options: { include_usage: true },
    ...(tools.length > 0
      ? { tools, tool_choice: "auto", parallel_tool_calls: request.parallel_tool_calls ?? false }
      : {}),
    ...(request.reasoning?.effort ? { reasoning_effort: request.reasoning.effort } : {}),
    ...(request.output_schema
      ? {
          response_format: {
            type: "json_schema",
            json_schema: { name: OUTPUT_SCHEMA_NAME, strict: true, schema: request.output_schema },
          },
        }
      : {}),
  };
}

export function normalizeChatUsage(usage: ChatUsage | null | undefined): TokenUsage | null {
  if (!usage) return null;
  return {
    input_tokens: usage.prompt_tokens,
    cached_input_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    output_tokens: usage.completion_tokens,
    reasoning_output_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
    total_tokens: usage.total_tokens,
  };
}

interface PendingCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Maps chat chunks to stream events. Chat has no item lifecycle, so items are announced when their
 * first delta arrives and completed (reasoning, message, then tool calls by index) at `[DONE]`.
 */
export function chatAdapter(providerName: string, toolNames: ChatToolNames): WireAdapter {
  let done = false;
  let finished = false;
  let created = false;
  let responseId: string | null = null;
  let text: string | undefined;
  let reasoning: string | undefined;
  let usage: TokenUsage | null = null;
  const calls = new Map<number, PendingCall>();

  const finish = (): ModelStreamEvent[] => {
    done = true;
    const events: ModelStreamEvent[] = [];
    if (reasoning !== undefined) {
      events.push({
        type: "output_item_done",
        item: { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: reasoning }] },
      });
    }
    if (text !== undefined) {
      events.push({
        type: "output_item_done",
        item: { type: "message", role: "assistant", content: [{ type: "output_text", text }] },
      });
    }
    for (const index of [...calls.keys()].sort((a, b) => a - b)) {
      events.push({ type: "output_item_done", item: toolCallItem(calls.get(index)!, toolNames) });
    }
    events.push({ type: "completed", response_id: responseId, usage });
    return events;
  };

  return {
    get done() {
      return done;
    },
    handle(message: EventSourceMessage): ModelStreamEvent[] {
      if (message.data.trim() === "[DONE]") return finish();
      let json: unknown;
      try {
        json = JSON.parse(message.data);
      } catch {
        return [];
      }
      const parsed = ChatChunkSchema.safeParse(json);
      if (!parsed.success) {
        throw new ModelError("protocol", `unreadable chat chunk from ${providerName}`, { retryable: false });
      }
      const chunk = parsed.data;
      if (chunk.error) {
        throw new ModelError("response_failed", `${providerName}: ${chunk.error.message ?? "stream error"}`, {
          retryable: true,
          ...(chunk.error.code ? { code: chunk.error.code } : {}),
        });
      }
      const events: ModelStreamEvent[] = [];
      if (!created) {
        created = true;
        responseId = chunk.id ?? null;
        events.push({ type: "created", response_id: responseId });
      }
      if (chunk.usage) usage = normalizeChatUsage(chunk.usage);
      for (const choice of chunk.choices ?? []) {
        if (choice.finish_reason) finished = true;
        const delta = choice.delta;
        if (!delta) continue;
        const thought = delta.reasoning_content ?? delta.reasoning;
        if (thought) {
          if (reasoning === undefined) {
            reasoning = "";
            events.push({ type: "output_item_added", item: { type: "reasoning", summary: [], content: [] } });
          }
          reasoning += thought;
          events.push({ type: "reasoning_content_delta", item_id: null, content_index: 0, delta: thought });
        }
        if (delta.content) {
          if (text === undefined) {
            text = "";
            events.push({
              type: "output_item_added",
              item: { type: "message", role: "assistant", content: [] },
            });
          }
          text += delta.content;
          events.push({ type: "output_text_delta", item_id: null, delta: delta.content });
        }
        for (const part of delta.tool_calls ?? []) {
          let call = calls.get(part.index);
          if (!call) {
            call = { id: part.id ?? `call_${randomUUID()}`, name: part.function?.name ?? "", arguments: "" };
            calls.set(part.index, call);
            events.push({ type: "output_item_added", item: toolCallItem(call, toolNames) });
          } else if (part.function?.name) {
            call.name += part.function.name;
          }
          const args = part.function?.arguments;
          if (args) {
            call.arguments += args;
            events.push({ type: "tool_call_input_delta", item_id: call.id, delta: args });
          }
        }
      }
      return events;
    },
    end(): ModelStreamEvent[] {
      // Some local servers close without `[DONE]`; a finish_reason means the answer is whole.
      if (finished) return finish();
      throw new ModelError("stream", "stream closed before the final chunk", { retryable: true });
    },
  };
}

function toolCallItem(call: PendingCall, toolNames: ChatToolNames): ResponseItem {
  if (toolNames.custom.has(call.name)) {
    let input = call.arguments;
    try {
      const parsed = JSON.parse(call.arguments) as { input?: unknown };
      if (typeof parsed.input === "string") input = parsed.input;
    } catch {
      // partial or non-JSON arguments: pass the raw text through
    }
    return { type: "custom_tool_call", call_id: call.id, name: call.name, input };
  }
  const namespaced = toolNames.namespaced.get(call.name);
  if (namespaced) {
    return {
      type: "function_call",
      call_id: call.id,
      name: namespaced.name,
      namespace: namespaced.namespace,
      arguments: call.arguments,
    };
  }
  return { type: "function_call", call_id: call.id, name: call.name, arguments: call.arguments };
}
