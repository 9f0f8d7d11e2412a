/**
 * The script side of the model server (test/support/model-server.ts): what a test enqueues
 * (turns built from output items, raw HTTP answers, raw SSE) and how a turn is rendered for each
 * wire API, event for event as OpenAI and chat-completions servers stream them. Node built-ins only.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
// ---------------------------------------------------------------------------------------------
// Script types

export type OutputSpec =
  | { type: "message"; text: string; id?: string; phase?: string }
  | {
      type: "reasoning";
      summary: string[];
      content?: string[];
      /** Default: a random opaque string; null: the item carries none (as with `include: []`). */
      encryptedContent?: string | null;
      id?: string;
    }
  | {
      type: "function_call";
      name: string;
      arguments: string;
      callId: string;
      id?: string;
      namespace?: string;
    }
  | { type: "custom_tool_call"; name: string; input: string; callId: string; id?: string }
  | { type: "web_search_call"; action: Record<string, unknown>; id?: string }
  | { type: "raw_item"; item: Record<string, unknown> };

export interface UsageSpec {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_output_tokens: number;
  total_tokens: number;
}

export interface StreamControls {
  /** Extra response headers (e.g. `x-codex-primary-used-percent`). */
  headers?: Record<string, string>;
  /** Destroy the socket after this many SSE events. */
  cutAfter?: number;
  /** Stop writing after this many SSE events; resume after `stallMs`, or never. */
  stallAfter?: number;
  stallMs?: number;
  /** Pause between events (realistic pacing for benchmarks). */
  eventDelayMs?: number;
}

export interface TurnSpec extends StreamControls {
  kind: "turn";
  outputs: OutputSpec[];
  /** Defaults to rough counts derived from the request and output sizes. */
  usage?: Partial<UsageSpec>;
  responseId?: string;
  /** How the response ends (default completed). */
  end?:
    | { status: "completed" }
    | { status: "failed"; code: string; message: string }
    | { status: "incomplete"; reason: string };
}

export interface HttpSpec {
  kind: "http";
  status: number;
  headers?: Record<string, string>;
  /** Object → JSON; string → as is. */
  body?: unknown;
}

/** Events written verbatim (Responses: `event:` + `data:` frames; chat: `data:` frames). */
export interface RawSseSpec extends StreamControls {
  kind: "sse";
  events: Array<Record<string, unknown> | string>;
}

export type ScriptedResponse = TurnSpec | HttpSpec | RawSseSpec;
/** What `enqueue` accepts: a spec, a bare `{status, headers?, body?}`, or a function of the request. */
export type ScriptEntry =
  | ScriptedResponse
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | ((request: RecordedRequest) => ScriptedResponse);

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/responses`. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON body, or null. */
  // biome-ignore lint/suspicious/noExplicitAny: tests index into arbitrary request JSON
  body: any;
  rawBody: string;
  wire: "responses" | "chat" | "other";
}

// ---------------------------------------------------------------------------------------------
// Builders

export const hex = (bytes: number) => randomBytes(bytes).toString("hex");
export const newCallId = () => `call_${hex(12)}`;

export function message(text: string, options: { id?: string; phase?: string } = {}): OutputSpec {
  return { type: "message", text, ...options };
}

export function reasoning(
  summary: string | string[],
  options: { content?: string | string[]; encryptedContent?: string | null; id?: string } = {},
): OutputSpec {
  const { content, ...rest } = options;
  return {
    type: "reasoning",
    summary: typeof summary === "string" ? [summary] : summary,
    ...(content === undefined ? {} : { content: typeof content === "string" ? [content] : content }),
    ...rest,
  };
}

/** `args`: an object (serialised as JSON) or the exact argument text. */
export function functionCall(
  name: string,
  args: unknown,
  callId: string = newCallId(),
  namespace?: string,
): OutputSpec {
  return {
    type: "function_call",
    name,
    arguments: typeof args === "string" ? args : JSON.stringify(args),
    callId,
    ...(namespace ? { namespace } : {}),
  };
}

export function customToolCall(name: string, input: string, callId: string = newCallId()): OutputSpec {
  return { type: "custom_tool_call", name, input, callId };
}

/** A hosted web search the model ran; `action` as the API reports it (`{type:"search",query}`, …). */
export function webSearchCall(action: Record<string, unknown>, options: { id?: string } = {}): OutputSpec {
  return { type: "web_search_call", action, ...options };
}

export function rawItem(item: Record<string, unknown>): OutputSpec {
  return { type: "raw_item", item };
}

export function turn(outputs: OutputSpec[], options: Omit<TurnSpec, "kind" | "outputs"> = {}): TurnSpec {
  return { kind: "turn", outputs, ...options };
}

export function textTurn(text: string, options: Omit<TurnSpec, "kind" | "outputs"> = {}): TurnSpec {
  return turn([message(text)], options);
}

export function functionCallTurn(
  name: string,
  args: unknown,
  callId?: string,
  options: Omit<TurnSpec, "kind" | "outputs"> = {},
): TurnSpec {
  return turn([functionCall(name, args, callId)], options);
}

export function customToolCallTurn(name: string, input: string, callId?: string): TurnSpec {
  return turn([customToolCall(name, input, callId)]);
}

/** Streams `response.failed` (chat: an error chunk) after the outputs. */
export function failedTurn(messageText: string, code = "server_error", outputs: OutputSpec[] = []): TurnSpec {
  return turn(outputs, { end: { status: "failed", code, message: messageText } });
}

export function incompleteTurn(reason = "max_output_tokens", outputs: OutputSpec[] = []): TurnSpec {
  return turn(outputs, { end: { status: "incomplete", reason } });
}

/** A non-2xx answer with an OpenAI-style error body. */
export function httpError(
  status: number,
  messageText?: string,
  headers: Record<string, string> = {},
): HttpSpec {
  const text = messageText ?? http.STATUS_CODES[status] ?? "error";
  const type =
    status === 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error";
  return { kind: "http", status, headers, body: { error: { message: text, type, param: null, code: null } } };
}

export function sse(
  events: Array<Record<string, unknown> | string>,
  controls: StreamControls = {},
): RawSseSpec {
  return { kind: "sse", events, ...controls };
}

/** The same stream, with the connection dropped after `afterEvents` events. */
export function cut<T extends TurnSpec | RawSseSpec>(spec: T, afterEvents: number): T {
  return { ...spec, cutAfter: afterEvents };
}

/** The same stream, going silent after `afterEvents` events (for `stallMs`, or for good). */
export function stall<T extends TurnSpec | RawSseSpec>(spec: T, afterEvents: number, stallMs?: number): T {
  return { ...spec, stallAfter: afterEvents, ...(stallMs === undefined ? {} : { stallMs }) };
}

// ---------------------------------------------------------------------------------------------
// Rendering: Responses API

export type Frame = { event?: string; data: string };

/** Splits text the way a model streams it: word-sized pieces. */
function pieces(text: string): string[] {
  const parts = text.match(/\s*\S+\s*/g) ?? [];
  return parts.length > 0 ? parts : text === "" ? [] : [text];
}

const estimate = (chars: number) => Math.ceil(chars / 4);

function usageFor(spec: TurnSpec, request: RecordedRequest): UsageSpec {
  let out = 0;
  let thought = 0;
  for (const o of spec.outputs) {
    if (o.type === "message") out += o.text.length;
    else if (o.type === "function_call") out += o.arguments.length + o.name.length;
    else if (o.type === "custom_tool_call") out += o.input.length + o.name.length;
    else if (o.type === "reasoning") thought += [...o.summary, ...(o.content ?? [])].join("").length;
  }
  const input = spec.usage?.input_tokens ?? estimate(request.rawBody.length);
  const reasoningTokens = spec.usage?.reasoning_output_tokens ?? estimate(thought);
  const output = spec.usage?.output_tokens ?? estimate(out) + reasoningTokens;
  return {
    input_tokens: input,
    cached_input_tokens: spec.usage?.cached_input_tokens ?? 0,
    output_tokens: output,
    reasoning_output_tokens: reasoningTokens,
    total_tokens: spec.usage?.total_tokens ?? input + output,
  };
}

export function responsesFrames(spec: TurnSpec, request: RecordedRequest): Frame[] {
  const frames: Frame[] = [];
  let seq = 0;
  const emit = (type: string, payload: Record<string, unknown>) =>
    frames.push({ event: type, data: JSON.stringify({ type, sequence_number: seq++, ...payload }) });
  const body = (request.body ?? {}) as Record<string, unknown>;
  const response = {
    id: spec.responseId ?? `resp_${hex(24)}`,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status: "in_progress",
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    model: body.model ?? "mock-model",
    output: [] as unknown[],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: body.reasoning ?? { effort: null, summary: null },
    store: false,
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    usage: null as unknown,
    metadata: {},
  };
  emit("response.created", { response });
  emit("response.in_progress", { response });
  const done: unknown[] = [];
  spec.outputs.forEach((o, output_index) => {
    const item = renderItem(o, emit, output_index);
    done.push(item);
  });
  const end = spec.end ?? { status: "completed" };
  if (end.status === "completed") {
    emit("response.completed", {
      response: { ...response, status: "completed", output: done, usage: wireUsage(usageFor(spec, request)) },
    });
  } else if (end.status === "failed") {
    emit("response.failed", {
      response: {
        ...response,
        status: "failed",
        output: done,
        error: { code: end.code, message: end.message },
      },
    });
  } else {
    emit("response.incomplete", {
      response: {
        ...response,
        status: "incomplete",
        output: done,
        incomplete_details: { reason: end.reason },
      },
    });
  }
  return frames;
}

function wireUsage(u: UsageSpec) {
  return {
    input_tokens: u.input_tokens,
    input_tokens_details: { cached_tokens: u.cached_input_tokens },
    output_tokens: u.output_tokens,
    output_tokens_details: { reasoning_tokens: u.reasoning_output_tokens },
    total_tokens: u.total_tokens,
  };
}

/** Emits one output item's event sequence; returns the completed item. */
function renderItem(
  o: OutputSpec,
  emit: (type: string, payload: Record<string, unknown>) => void,
  output_index: number,
): Record<string, unknown> {
  switch (o.type) {
    case "message": {
      const id = o.id ?? `msg_${hex(24)}`;
      const phase = o.phase === undefined ? {} : { phase: o.phase };
      const part = (text: string) => ({ type: "output_text", annotations: [], logprobs: [], text });
      const base = { id, type: "message", role: "assistant", ...phase };
      emit("response.output_item.added", {
        output_index,
        item: { ...base, status: "in_progress", content: [] },
      });
      emit("response.content_part.added", { item_id: id, output_index, content_index: 0, part: part("") });
      for (const delta of pieces(o.text)) {
        emit("response.output_text.delta", {
          item_id: id,
          output_index,
          content_index: 0,
          delta,
          logprobs: [],
        });
      }
      emit("response.output_text.done", {
        item_id: id,
        output_index,
        content_index: 0,
        text: o.text,
        logprobs: [],
      });
      emit("response.content_part.done", { item_id: id, output_index, content_index: 0, part: part(o.text) });
      const item = { ...base, status: "completed", content: [part(o.text)] };
      emit("response.output_item.done", { output_index, item });
      return item;
    }
    case "reasoning": {
      const id = o.id ?? `rs_${hex(24)}`;
      emit("response.output_item.added", { output_index, item: { id, type: "reasoning", summary: [] } });
      o.summary.forEach((text, summary_index) => {
        const at = { item_id: id, output_index, summary_index };
        emit("response.reasoning_summary_part.added", { ...at, part: { type: "summary_text", text: "" } });
        for (const delta of pieces(text)) emit("response.reasoning_summary_text.delta", { ...at, delta });
        emit("response.reasoning_summary_text.done", { ...at, text });
        emit("response.reasoning_summary_part.done", { ...at, part: { type: "summary_text", text } });
      });
      (o.content ?? []).forEach((text, content_index) => {
        const at = { item_id: id, output_index, content_index };
        for (const delta of pieces(text)) emit("response.reasoning_text.delta", { ...at, delta });
        emit("response.reasoning_text.done", { ...at, text });
      });
      const item = {
        id,
        type: "reasoning",
        summary: o.summary.map((text) => ({ type: "summary_text", text })),
        ...(o.content ? { content: o.content.map((text) => ({ type: "reasoning_text", text })) } : {}),
        ...(o.encryptedContent === null
          ? {}
          : { encrypted_content: o.encryptedContent ?? `gAAAAA${hex(32)}` }),
      };
      emit("response.output_item.done", { output_index, item });
      return item;
    }
    case "function_call": {
      const id = o.id ?? `fc_${hex(24)}`;
      const base = {
        id,
        type: "function_call",
        call_id: o.callId,
        name: o.name,
        ...(o.namespace === undefined ? {} : { namespace: o.namespace }),
      };
      emit("response.output_item.added", {
        output_index,
        item: { ...base, status: "in_progress", arguments: "" },
      });
      for (const delta of pieces(o.arguments)) {
        emit("response.function_call_arguments.delta", { item_id: id, output_index, delta });
      }
      emit("response.function_call_arguments.done", { item_id: id, output_index, arguments: o.arguments });
      const item = { ...base, status: "completed", arguments: o.arguments };
      emit("response.output_item.done", { output_index, item });
      return item;
    }
    case "custom_tool_call": {
      const id = o.id ?? `ctc_${hex(24)}`;
      const base = { id, type: "custom_tool_call", call_id: o.callId, name: o.name };
      emit("response.output_item.added", {
        output_index,
        item: { ...base, status: "in_progress", input: "" },
      });
      for (const delta of o.input.match(/[^\n]*\n|[^\n]+/g) ?? []) {
        emit("response.custom_tool_call_input.delta", { item_id: id, output_index, delta });
      }
      emit("response.custom_tool_call_input.done", { item_id: id, output_index, input: o.input });
      const item = { ...base, status: "completed", input: o.input };
      emit("response.output_item.done", { output_index, item });
      return item;
    }
    case "web_search_call": {
      // As the Responses API streams it: the item without its action, three progress events,
      // then the finished item with the action taken.
      const id = o.id ?? `ws_${hex(24)}`;
      emit("response.output_item.added", {
        output_index,
        item: { id, type: "web_search_call", status: "in_progress" },
      });
      for (const phase of ["in_progress", "searching", "completed"])
        emit(`response.web_search_call.${phase}`, { item_id: id, output_index });
      const item = { id, type: "web_search_call", status: "completed", action: o.action };
      emit("response.output_item.done", { output_index, item });
      return item;
    }
    case "raw_item":
      emit("response.output_item.added", { output_index, item: o.item });
      emit("response.output_item.done", { output_index, item: o.item });
      return o.item;
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering: chat completions

export function chatFrames(spec: TurnSpec, request: RecordedRequest, reasoningField: string): Frame[] {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const id = spec.responseId ?? `chatcmpl-${hex(12)}`;
  const created = Math.floor(Date.now() / 1000);
  const frames: Frame[] = [];
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    frames.push({
      data: JSON.stringify({
        id,
        object: "chat.completion.chunk",
        created,
        model: body.model ?? "mock-model",
        choices,
        ...extra,
      }),
    });
  const delta = (d: Record<string, unknown>, finish_reason: string | null = null) =>
    chunk([{ index: 0, delta: d, logprobs: null, finish_reason }]);

  delta({ role: "assistant", content: "" });
  let toolIndex = 0;
  for (const o of spec.outputs) {
    if (o.type === "reasoning") {
      for (const p of pieces([...o.summary, ...(o.content ?? [])].join("\n"))) delta({ [reasoningField]: p });
    } else if (o.type === "message") {
      for (const p of pieces(o.text)) delta({ content: p });
    } else if (o.type === "function_call" || o.type === "custom_tool_call") {
      const args = o.type === "function_call" ? o.arguments : JSON.stringify({ input: o.input });
      const index = toolIndex++;
      delta({
        tool_calls: [{ index, id: o.callId, type: "function", function: { name: o.name, arguments: "" } }],
      });
      for (const p of pieces(args)) delta({ tool_calls: [{ index, function: { arguments: p } }] });
    }
  }
  const end = spec.end ?? { status: "completed" };
  if (end.status === "failed") {
    frames.push({ data: JSON.stringify({ error: { message: end.message, code: end.code } }) });
    return frames;
  }
  delta({}, end.status === "incomplete" ? "length" : toolIndex > 0 ? "tool_calls" : "stop");
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  if (streamOptions?.include_usage) {
    const u = usageFor(spec, request);
    chunk([], {
      usage: {
        prompt_tokens: u.input_tokens,
        completion_tokens: u.output_tokens,
        total_tokens: u.total_tokens,
        prompt_tokens_details: { cached_tokens: u.cached_input_tokens },
        completion_tokens_details: { reasoning_tokens: u.reasoning_output_tokens },
      },
    });
  }
  frames.push({ data: "[DONE]" });
  return frames;
}

export function rawFrames(spec: RawSseSpec, wire: RecordedRequest["wire"]): Frame[] {
  return spec.events.map((e) => {
    if (typeof e === "string") return { data: e };
    const type = typeof e.type === "string" && wire === "responses" ? e.type : undefined;
    return { ...(type ? { event: type } : {}), data: JSON.stringify(e) };
  });
}
