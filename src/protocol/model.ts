import { z } from "zod";
import { type TokenUsage, TokenUsageSchema } from "./rollout.js";
import { ResponseItemSchema } from "./items.js";

/**
 * The model client's wire types: what a turn asks of the model (`ModelRequest`), the events the
 * client streams back (`ModelStreamEvent`), and the inbound provider payloads it validates
 * (Responses API SSE events, chat-completions chunks). snake_case, like the provider APIs.
 */

// ---------------------------------------------------------------------------------------------
// Request

/** A function tool: arguments are JSON matching `parameters` (a JSON Schema object). */
export const FunctionToolSpecSchema = z.looseObject({
  type: z.literal("function"),
  name: z.string(),
  description: z.string(),
  strict: z.boolean().optional(),
  parameters: z.record(z.string(), z.unknown()),
});
export type FunctionToolSpec = z.infer<typeof FunctionToolSpecSchema>;

/** A freeform ("custom") tool: the model sends raw text, optionally constrained by a grammar. */
export const CustomToolSpecSchema = z.looseObject({
  type: z.literal("custom"),
  name: z.string(),
  description: z.string(),
  format: z
    .looseObject({
      type: z.string(),
      syntax: z.string().optional(),
      definition: z.string().optional(),
    })
    .optional(),
});
export type CustomToolSpec = z.infer<typeof CustomToolSpecSchema>;

/** Any tool; hosted tools (`web_search`, `local_shell`, …) pass through to the Responses API. */
export const ToolSpecSchema = z.union([
  FunctionToolSpecSchema,
  CustomToolSpecSchema,
  z.looseObject({ type: z.string() }),
]);
export type ToolSpec = z.infer<typeof ToolSpecSchema>;

/** `max` and `ultra`: efforts of newer catalog models (Codex 0.169). */
export const ReasoningEffortSchema = z.enum([
  "none",
  "minimal",
  "low",
  "medium",
  "high",
  "xhigh",
  "max",
  "ultra",
]);
export const ReasoningSummarySchema = z.enum(["auto", "concise", "detailed", "none"]);

export const ReasoningSettingsSchema = z.object({
  effort: ReasoningEffortSchema.optional(),
  summary: ReasoningSummarySchema.optional(),
});
export type ReasoningSettings = z.infer<typeof ReasoningSettingsSchema>;

export const ModelRequestSchema = z.object({
  model: z.string(),
  /** Base instructions (the system prompt). */
  instructions: z.string(),
  input: z.array(ResponseItemSchema),
  tools: z.array(ToolSpecSchema).default([]),
  parallel_tool_calls: z.boolean().default(false),
  /** Absent for models without reasoning support. */
  reasoning: ReasoningSettingsSchema.optional(),
  /** JSON Schema the final answer must match (`--output-schema`). */
  output_schema: z.record(z.string(), z.unknown()).optional(),
  verbosity: z.enum(["low", "medium", "high"]).optional(),
  service_tier: z.string().optional(),
  /** Defaults to the client's thread id. */
  prompt_cache_key: z.string().optional(),
});
export type ModelRequest = z.input<typeof ModelRequestSchema>;

// ---------------------------------------------------------------------------------------------
// Stream events (client → turn loop)

// One definition of token usage for the stream, the rollout and the events.
export { type TokenUsage, TokenUsageSchema };

export const RateLimitWindowSchema = z.object({
  used_percent: z.number(),
  window_minutes: z.number().nullable(),
  /** Unix seconds. */
  resets_at: z.number().nullable(),
});
export const RateLimitSnapshotSchema = z.object({
  primary: RateLimitWindowSchema.nullable(),
  secondary: RateLimitWindowSchema.nullable(),
});
export type RateLimitSnapshot = z.infer<typeof RateLimitSnapshotSchema>;

export const ModelStreamEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("created"), response_id: z.string().nullable() }),
  z.object({ type: z.literal("rate_limits"), snapshot: RateLimitSnapshotSchema }),
  z.object({ type: z.literal("output_item_added"), item: ResponseItemSchema }),
  z.object({ type: z.literal("output_text_delta"), item_id: z.string().nullable(), delta: z.string() }),
  z.object({
    type: z.literal("reasoning_summary_delta"),
    item_id: z.string().nullable(),
    summary_index: z.number(),
    delta: z.string(),
  }),
  z.object({
    type: z.literal("reasoning_summary_part_added"),
    item_id: z.string().nullable(),
    summary_index: z.number(),
  }),
  z.object({
    type: z.literal("reasoning_content_delta"),
    item_id: z.string().nullable(),
    content_index: z.number(),
    delta: z.string(),
  }),
  /** Streamed arguments of a function call or input of a custom tool call. */
  z.object({ type: z.literal("tool_call_input_delta"), item_id: z.string().nullable(), delta: z.string() }),
  z.object({ type: z.literal("output_item_done"), item: ResponseItemSchema }),
  z.object({
    type: z.literal("completed"),
    response_id: z.string().nullable(),
    usage: TokenUsageSchema.nullable(),
  }),
  /**
   * A failed attempt is about to be retried (Codex's `stream_error`): UIs show
   * "Reconnecting… attempt/max_attempts". `phase` says which budget is used.
   */
  z.object({
    type: z.literal("retrying"),
    phase: z.enum(["request", "stream"]),
    attempt: z.number(),
    max_attempts: z.number(),
    delay_ms: z.number(),
    message: z.string(),
  }),
]);
export type ModelStreamEvent = z.infer<typeof ModelStreamEventSchema>;

// ---------------------------------------------------------------------------------------------
// Inbound: Responses API SSE payloads (only the fields keel reads; the rest is kept)

const ProviderErrorSchema = z.looseObject({
  code: z.string().nullish(),
  message: z.string().nullish(),
  type: z.string().nullish(),
});

const ResponsesUsageSchema = z.looseObject({
  input_tokens: z.number(),
  input_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  output_tokens: z.number(),
  output_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
  total_tokens: z.number(),
});
export type ResponsesUsage = z.infer<typeof ResponsesUsageSchema>;

const ResponseObjectSchema = z.looseObject({
  id: z.string().nullish(),
  usage: ResponsesUsageSchema.nullish(),
  error: ProviderErrorSchema.nullish(),
  incomplete_details: z.looseObject({ reason: z.string().nullish() }).nullish(),
});

const itemId = z.string().nullish();
export const ResponsesSseEventSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("response.created"), response: ResponseObjectSchema }),
  z.looseObject({ type: z.literal("response.completed"), response: ResponseObjectSchema }),
  z.looseObject({ type: z.literal("response.failed"), response: ResponseObjectSchema }),
  z.looseObject({ type: z.literal("response.incomplete"), response: ResponseObjectSchema }),
  z.looseObject({ type: z.literal("response.output_item.added"), item: ResponseItemSchema }),
  z.looseObject({ type: z.literal("response.output_item.done"), item: ResponseItemSchema }),
  z.looseObject({ type: z.literal("response.output_text.delta"), item_id: itemId, delta: z.string() }),
  z.looseObject({
    type: z.literal("response.reasoning_summary_text.delta"),
    item_id: itemId,
    summary_index: z.number(),
    delta: z.string(),
  }),
  z.looseObject({
    type: z.literal("response.reasoning_summary_part.added"),
    item_id: itemId,
    summary_index: z.number(),
  }),
  z.looseObject({
    type: z.literal("response.reasoning_text.delta"),
    item_id: itemId,
    content_index: z.number(),
    delta: z.string(),
  }),
  z.looseObject({
    type: z.literal("response.function_call_arguments.delta"),
    item_id: itemId,
    delta: z.string(),
  }),
  z.looseObject({
    type: z.literal("response.custom_tool_call_input.delta"),
    item_id: itemId,
    delta: z.string(),
  }),
  z.looseObject({
    type: z.literal("error"),
    code: z.string().nullish(),
    message: z.string().nullish(),
  }),
]);
export type ResponsesSseEvent = z.infer<typeof ResponsesSseEventSchema>;

/** Error body of a non-2xx answer (OpenAI and most compatible servers). */
export const ProviderErrorBodySchema = z.looseObject({
  error: z.union([ProviderErrorSchema, z.string()]),
});

// ---------------------------------------------------------------------------------------------
// Inbound: chat-completions stream chunks

export const ChatUsageSchema = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});
export type ChatUsage = z.infer<typeof ChatUsageSchema>;

export const ChatChunkSchema = z.looseObject({
  id: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().nullish(),
        delta: z
          .looseObject({
            content: z.string().nullish(),
            /** Reasoning text: `reasoning_content` (LM Studio, DeepSeek) or `reasoning` (Ollama). */
            reasoning_content: z.string().nullish(),
            reasoning: z.string().nullish(),
            tool_calls: z
              .array(
                z.looseObject({
                  index: z.number(),
                  id: z.string().nullish(),
                  function: z
                    .looseObject({ name: z.string().nullish(), arguments: z.string().nullish() })
                    .nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: ChatUsageSchema.nullish(),
  error: ProviderErrorSchema.nullish(),
});
export type ChatChunk = z.infer<typeof ChatChunkSchema>;
