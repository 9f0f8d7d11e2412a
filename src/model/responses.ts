import {
  type ModelRequest,
  type ModelStreamEvent,
  ResponsesSseEventSchema,
  type ResponsesUsage,
  type TokenUsage,
} from "../protocol/model.js";
import type { ResponseItem } from "../protocol/items.js";
import { isFatalResponseCode, ModelError } from "./errors.js";
import type { EventSourceMessage } from "./sse.js";
import type { WireAdapter } from "./wire.js";

export const OUTPUT_SCHEMA_NAME = "keel_output_schema";

/**
 * The `POST /responses` body, keys in Codex 0.169's order. The base instructions travel as the
 * first developer message (Codex sends no `instructions` key); items the API could not resolve
 * under `store: false` are left out (see `statelessInput`).
 */
export function responsesBody(
  request: ModelRequest,
  promptCacheKey: string | undefined,
  clientMetadata: Record<string, string> = {},
): Record<string, unknown> {
  const text: Record<string, unknown> = {};
  if (request.verbosity) text.verbosity = request.verbosity;
  if (request.output_schema) {
    text.format = {
      type: "json_schema",
      name: OUTPUT_SCHEMA_NAME,
      strict: true,
      schema: request.output_schema,
    };
  }
  const instructions: ResponseItem[] = request.instructions
    ? [{ type: "message", role: "developer", content: [{ type: "input_text", text: request.instructions }] }]
    : [];
  return {
    model: request.model,
    stream: true,
    ...(request.service_tier ? { service_tier: request.service_tier } : {}),
    input: [...instructions, ...statelessInput(request.input)],
    tools: request.tools ?? [],
    tool_choice: "auto",
    parallel_tool_calls: request.parallel_tool_calls ?? false,
    reasoning: request.reasoning ?? null,
    store: false,
    // Encrypted reasoning lets a stateless (store: false) conversation keep its chain of thought;
    // models without reasoning reject the include, so it follows the reasoning setting.
    include: request.reasoning ? ["reasoning.encrypted_content"] : [],
    ...(promptCacheKey ? { prompt_cache_key: promptCacheKey } : {}),
    ...(Object.keys(text).length > 0 ? { text } : {}),
    ...(Object.keys(clientMetadata).length > 0 ? { client_metadata: clientMetadata } : {}),
  };
}

/**
 * With `store: false` the API keeps nothing between requests, so a reasoning item can only be
 * passed back with its `encrypted_content`; one without it (or its id alone) is answered with
 * 404 "Item with id 'rs_…' not found". Such items are dropped, and reasoning ids, which name
 * server-side objects, are never sent.
 */
export function statelessInput(input: readonly ResponseItem[]): ResponseItem[] {
  const out: ResponseItem[] = [];
  for (const item of input) {
    if (item.type !== "reasoning") {
      out.push(item);
      continue;
    }
    const { id: _id, ...rest } = item as ResponseItem & { id?: unknown; encrypted_content?: unknown };
    if (typeof rest.encrypted_content === "string" && rest.encrypted_content !== "")
      out.push(rest as ResponseItem);
  }
  return out;
}

export function normalizeResponsesUsage(usage: ResponsesUsage | null | undefined): TokenUsage | null {
  if (!usage) return null;
  return {
    input_tokens: usage.input_tokens,
    cached_input_tokens: usage.input_tokens_details?.cached_tokens ?? 0,
    output_tokens: usage.output_tokens,
    reasoning_output_tokens: usage.output_tokens_details?.reasoning_tokens ?? 0,
    total_tokens: usage.total_tokens,
  };
}

const HANDLED = new Set(ResponsesSseEventSchema.options.map((o) => o.shape.type.value as string));

/** Maps Responses API SSE events to stream events; stops at `response.completed`. */
export function responsesAdapter(providerName: string): WireAdapter {
  let done = false;
  return {
    get done() {
      return done;
    },
    handle(message: EventSourceMessage): ModelStreamEvent[] {
      let json: unknown;
      try {
        json = JSON.parse(message.data);
      } catch {
        return []; // keep-alives and non-JSON noise
      }
      const type = (json as { type?: unknown } | null)?.type;
      if (typeof type !== "string" || !HANDLED.has(type)) return [];
      const parsed = ResponsesSseEventSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ModelError(
          "protocol",
          `unreadable ${type} event from ${providerName}: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`.trim(),
          { retryable: false },
        );
      }
      const ev = parsed.data;
      switch (ev.type) {
        case "response.created":
          return [{ type: "created", response_id: ev.response.id ?? null }];
        case "response.output_item.added":
          return [{ type: "output_item_added", item: ev.item }];
        case "response.output_item.done":
          return [{ type: "output_item_done", item: ev.item }];
        case "response.output_text.delta":
          return [{ type: "output_text_delta", item_id: ev.item_id ?? null, delta: ev.delta }];
        case "response.reasoning_summary_text.delta":
          return [
            {
              type: "reasoning_summary_delta",
              item_id: ev.item_id ?? null,
              summary_index: ev.summary_index,
              delta: ev.delta,
            },
          ];
        case "response.reasoning_summary_part.added":
          return [
            {
              type: "reasoning_summary_part_added",
              item_id: ev.item_id ?? null,
              summary_index: ev.summary_index,
            },
          ];
        case "response.reasoning_text.delta":
          return [
            {
              type: "reasoning_content_delta",
              item_id: ev.item_id ?? null,
              content_index: ev.content_index,
              delta: ev.delta,
            },
          ];
        case "response.function_call_arguments.delta":
        case "response.custom_tool_call_input.delta":
          return [{ type: "tool_call_input_delta", item_id: ev.item_id ?? null, delta: ev.delta }];
        case "response.completed":
          done = true;
          return [
            {
              type: "completed",
              response_id: ev.response.id ?? null,
              usage: normalizeResponsesUsage(ev.response.usage),
            },
          ];
        case "response.failed":
          throw failure(providerName, ev.response.error?.code, ev.response.error?.message);
        case "error":
          throw failure(providerName, ev.code, ev.message);
        case "response.incomplete": {
          const reason = ev.response.incomplete_details?.reason ?? "unknown";
          throw new ModelError("incomplete", `incomplete response from ${providerName}: ${reason}`, {
            retryable: false,
            code: reason,
          });
        }
      }
    },
    end(): ModelStreamEvent[] {
      throw new ModelError("stream", "stream closed before response.completed", { retryable: true });
    },
  };
}

function failure(providerName: string, code: string | null | undefined, message: string | null | undefined) {
  const text = message ?? "response.failed without a message";
  return new ModelError("response_failed", `${providerName}: ${text}`, {
    retryable: !isFatalResponseCode(code),
    ...(code ? { code } : {}),
  });
}
