import { describe, expect, it } from "vitest";
import { collectResponse } from "../../src/model/collect.js";
import { MissingApiKeyError, ModelError } from "../../src/model/errors.js";
import type { ResponseItem } from "../../src/protocol/items.js";
import {
  customToolCall,
  cut,
  failedTurn,
  functionCall,
  functionCallTurn,
  httpError,
  incompleteTurn,
  message,
  reasoning,
  stall,
  textTurn,
  turn,
} from "../support/model-server.js";
import { drain, drainError, harness, request } from "./helpers.js";

describe("Responses API client", () => {
  it("streams a text answer and sends Codex's request shape", async () => {
    const { server, client } = await harness(
      {
        query_params: { "api-version": "2025-04-01" },
        http_headers: { "x-extra": "1" },
        env_http_headers: { "x-org": "ORG_VAR", "x-missing": "UNSET_VAR" },
      },
      { env: { MOCK_API_KEY: "sk-test", ORG_VAR: "org-7" } },
    );
    server.enqueue(
      textTurn("hello world", { responseId: "resp_1", usage: { input_tokens: 12, output_tokens: 3 } }),
    );

    const events = await drain(client.stream(request()));

    expect(events.map((e) => e.type)).toEqual([
      "created",
      "output_item_added",
      "output_text_delta",
      "output_text_delta",
      "output_item_done",
      "completed",
    ]);
    expect(
      events
        .filter((e) => e.type === "output_text_delta")
        .map((e) => e.delta)
        .join(""),
    ).toBe("hello world");
    expect(events.at(-1)).toEqual({
      type: "completed",
      response_id: "resp_1",
      usage: {
        input_tokens: 12,
        cached_input_tokens: 0,
        output_tokens: 3,
        reasoning_output_tokens: 0,
        total_tokens: 15,
      },
    });

    const [req] = server.requests;
    expect(req!.method).toBe("POST");
    expect(req!.path).toBe("/v1/responses");
    expect(req!.query).toEqual({ "api-version": "2025-04-01" });
    expect(req!.headers).toMatchObject({
      authorization: "Bearer sk-test",
      "x-extra": "1",
      "x-org": "org-7",
      "session-id": "thr_1",
      "thread-id": "thr_1",
      "x-client-request-id": "thr_1",
      "x-keel-window-id": "thr_1:0",
      originator: "keel",
      accept: "text/event-stream",
    });
    expect(req!.headers["user-agent"]).toMatch(/^keel\/\d+\.\d+\.\d+ \(.+; .+\) .+ \(keel; \d+\.\d+\.\d+\)$/);
    expect(req!.headers["x-missing"]).toBeUndefined();
    // Codex 0.169's keys in its order; the base instructions are the first developer message.
    expect(req!.body).toEqual({
      model: "mock-model",
      stream: true,
      input: [
        { type: "message", role: "developer", content: [{ type: "input_text", text: "You are keel." }] },
        ...request().input,
      ],
      tools: [],
      tool_choice: "auto",
      parallel_tool_calls: false,
      reasoning: null,
      store: false,
      include: [],
      prompt_cache_key: "thr_1",
      client_metadata: { "x-keel-window-id": "thr_1:0", session_id: "thr_1", thread_id: "thr_1" },
    });
    expect(Object.keys(req!.body)).toEqual([
      "model",
      "stream",
      "input",
      "tools",
      "tool_choice",
      "parallel_tool_calls",
      "reasoning",
      "store",
      "include",
      "prompt_cache_key",
      "client_metadata",
    ]);
  });

  it("streams reasoning summaries and raw reasoning, and asks for encrypted reasoning", async () => {
    const { server, client } = await harness();
    server.enqueue(
      turn([reasoning(["Plan the change.", "Check tests."], { content: "raw thought" }), message("Done.")], {
        usage: { input_tokens: 100, cached_input_tokens: 40, output_tokens: 30, reasoning_output_tokens: 20 },
      }),
    );

    const events = await drain(
      client.stream(request({ reasoning: { effort: "high", summary: "auto" } }), { windowGeneration: 2 }),
    );

    const body = server.requests[0]!.body;
    expect(body.include).toEqual(["reasoning.encrypted_content"]);
    expect(body.reasoning).toEqual({ effort: "high", summary: "auto" });
    expect(server.requests[0]!.headers["x-keel-window-id"]).toBe("thr_1:2");

    const parts = events.filter((e) => e.type === "reasoning_summary_part_added");
    expect(parts.map((e) => e.summary_index)).toEqual([0, 1]);
    const summary = events.flatMap((e) => (e.type === "reasoning_summary_delta" ? [e] : []));
    expect(
      summary
        .filter((e) => e.summary_index === 1)
        .map((e) => e.delta)
        .join(""),
    ).toBe("Check tests.");
    const raw = events.flatMap((e) => (e.type === "reasoning_content_delta" ? [e.delta] : []));
    expect(raw.join("")).toBe("raw thought");

    const done = events.flatMap((e) => (e.type === "output_item_done" ? [e.item] : []));
    expect(done[0]).toMatchObject({
      type: "reasoning",
      summary: [
        { type: "summary_text", text: "Plan the change." },
        { type: "summary_text", text: "Check tests." },
      ],
      content: [{ type: "reasoning_text", text: "raw thought" }],
      encrypted_content: expect.any(String),
    });
    expect(events.at(-1)).toMatchObject({
      usage: {
        input_tokens: 100,
        cached_input_tokens: 40,
        output_tokens: 30,
        reasoning_output_tokens: 20,
        total_tokens: 130,
      },
    });
  });

  it("runs a tool call, then sends its output back and gets the answer", async () => {
    const { server, client } = await harness();
    server.enqueue(functionCallTurn("exec_command", { cmd: "ls" }, "call_1"), textTurn("two files"));
    const tools = [
      {
        type: "function",
        name: "exec_command",
        description: "Run a command",
        strict: false,
        parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] },
      },
    ];

    const first = await collectResponse(client.stream(request({ tools })));
    expect(first.items).toEqual([
      expect.objectContaining({
        type: "function_call",
        name: "exec_command",
        arguments: '{"cmd":"ls"}',
        call_id: "call_1",
      }),
    ]);
    const history: ResponseItem[] = [
      ...request().input,
      ...first.items,
      { type: "function_call_output", call_id: "call_1", output: "a.txt\nb.txt" },
    ];
    const second = await collectResponse(client.stream(request({ tools, input: history })));

    expect(second.text).toBe("two files");
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]!.body.tools).toEqual(tools);
    expect(server.requests[1]!.body.input.slice(2)).toEqual([
      expect.objectContaining({ type: "function_call", call_id: "call_1" }),
      { type: "function_call_output", call_id: "call_1", output: "a.txt\nb.txt" },
    ]);
  });

  it("returns parallel tool calls of one response in order, with streamed arguments", async () => {
    const { server, client } = await harness();
    server.enqueue(
      turn([functionCall("read", { path: "a" }, "call_a"), functionCall("read", { path: "b" }, "call_b")]),
    );

    const events = await drain(client.stream(request({ parallel_tool_calls: true })));

    expect(server.requests[0]!.body.parallel_tool_calls).toBe(true);
    const done = events.flatMap((e) => (e.type === "output_item_done" ? [e.item] : []));
    expect(done.map((i) => (i as { call_id: string }).call_id)).toEqual(["call_a", "call_b"]);
    const deltas = events.flatMap((e) => (e.type === "tool_call_input_delta" ? [e.delta] : []));
    expect(deltas.join("")).toBe('{"path":"a"}{"path":"b"}');
  });

  it("passes freeform tools through and returns custom tool calls verbatim", async () => {
    const { server, client } = await harness();
    const patch = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n";
    server.enqueue(turn([customToolCall("apply_patch", patch, "call_p")]));
    const tool = {
      type: "custom",
      name: "apply_patch",
      description: "Edit files",
      format: { type: "grammar", syntax: "lark", definition: "start: begin_patch" },
    };

    const result = await collectResponse(client.stream(request({ tools: [tool] })));

    expect(server.requests[0]!.body.tools).toEqual([tool]);
    expect(result.items[0]).toMatchObject({
      type: "custom_tool_call",
      name: "apply_patch",
      call_id: "call_p",
      input: patch,
    });
  });

  it("asks for structured output with the given schema", async () => {
    const { server, client } = await harness();
    server.enqueue(textTurn('{"ok":true}'));
    const schema = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };

    await drain(client.stream(request({ output_schema: schema, verbosity: "low" })));

    expect(server.requests[0]!.body.text).toEqual({
      verbosity: "low",
      format: { type: "json_schema", name: "keel_output_schema", strict: true, schema },
    });
  });

  it("reports rate-limit headers once, before the content", async () => {
    const { server, client } = await harness();
    server.enqueue(
      textTurn("hi", {
        headers: {
          "x-codex-primary-used-percent": "12.5",
          "x-codex-primary-window-minutes": "300",
          "x-codex-primary-reset-at": "1767225600",
        },
      }),
    );

    const events = await drain(client.stream(request()));

    expect(events.slice(0, 2)).toEqual([
      {
        type: "rate_limits",
        snapshot: {
          primary: { used_percent: 12.5, window_minutes: 300, resets_at: 1767225600 },
          secondary: null,
        },
      },
      { type: "created", response_id: expect.any(String) },
    ]);
  });
});

describe("Responses API failures", () => {
  it("fails before any request when the API key variable is missing or empty", async () => {
    const { server, client } = await harness(
      { env_key: "MY_PROVIDER_KEY", env_key_instructions: "Get one at example.test." },
      { env: { MY_PROVIDER_KEY: "  " } },
    );

    const { error } = await drainError(client.stream(request()));

    expect(error).toBeInstanceOf(MissingApiKeyError);
    expect((error as Error).message).toContain("MY_PROVIDER_KEY");
    expect((error as Error).message).toContain("Get one at example.test.");
    expect(server.requests).toHaveLength(0);
  });

  it("surfaces the provider's message and status for a 400, without retrying", async () => {
    const { server, client } = await harness();
    server.enqueue(httpError(400, "Invalid value for 'model': 'nope'."));

    const { error } = await drainError(client.stream(request()));

    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: "http", status: 400, retryable: false });
    expect((error as Error).message).toBe("Mock returned HTTP 400: Invalid value for 'model': 'nope'.");
    expect(server.requests).toHaveLength(1);
  });

  it("retries a 500 with backoff and announces the retry", async () => {
    const { server, client, sleeps } = await harness();
    server.enqueue({ status: 500 }, textTurn("recovered"));

    const events = await drain(client.stream(request()));

    expect(events[0]).toEqual({
      type: "retrying",
      phase: "request",
      attempt: 1,
      max_attempts: 2,
      delay_ms: 200,
      message: expect.stringContaining("HTTP 500"),
    });
    expect(sleeps).toEqual([200]);
    expect(server.requests).toHaveLength(2);
    expect(
      (
        await collectResponse(
          (async function* () {
            yield* events;
          })(),
        )
      ).text,
    ).toBe("recovered");
  });

  it("gives up after request_max_retries and reports the last error", async () => {
    const { server, client, sleeps } = await harness({ request_max_retries: 2 });
    server.enqueue(httpError(503, "overloaded"), httpError(502), httpError(500, "still broken"));

    const { events, error } = await drainError(client.stream(request()));

    expect(error).toMatchObject({ kind: "http", status: 500, retryable: true });
    expect((error as Error).message).toContain("still broken");
    expect(events.map((e) => e.type)).toEqual(["retrying", "retrying"]);
    expect(sleeps).toEqual([200, 400]);
    expect(server.requests).toHaveLength(3);
  });

  it("waits as long as Retry-After asks on a 429 (seconds and HTTP date)", async () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    const { server, client, sleeps } = await harness({}, { now: () => now });
    server.enqueue(
      { status: 429, headers: { "retry-after": "1" }, body: { error: { message: "slow down" } } },
      { status: 429, headers: { "retry-after": new Date(now + 3000).toUTCString() } },
      textTurn("ok"),
    );

    const result = await collectResponse(client.stream(request()));

    expect(sleeps).toEqual([1000, 3000]);
    expect(result.retries.map((r) => r.message)).toEqual([
      "Mock returned HTTP 429: slow down",
      "Mock returned HTTP 429: Too Many Requests",
    ]);
    expect(result.text).toBe("ok");
  });

  it("does not retry a 429 that means the quota is used up", async () => {
    const { server, client } = await harness();
    server.enqueue({
      status: 429,
      body: { error: { message: "You exceeded your quota.", code: "insufficient_quota" } },
    });

    const { error } = await drainError(client.stream(request()));

    expect(error).toMatchObject({ status: 429, retryable: false, code: "insufficient_quota" });
    expect(server.requests).toHaveLength(1);
  });

  it("retries connection failures", async () => {
    const { server, client, sleeps } = await harness({ request_max_retries: 1 });
    const url = server.url;
    await server.close();

    const { events, error } = await drainError(client.stream(request()));

    expect(error).toMatchObject({ kind: "connection", retryable: true });
    expect((error as Error).message).toContain(`${url}/responses`);
    expect(events.map((e) => e.type)).toEqual(["retrying"]);
    expect(sleeps).toHaveLength(1);
  });

  it("reconnects silently when the stream breaks before any content", async () => {
    const { server, client, sleeps } = await harness();
    server.enqueue(cut(textTurn("lost"), 2), textTurn("second try", { responseId: "resp_2" }));

    const events = await drain(client.stream(request()));

    expect(events.map((e) => e.type)).toEqual([
      "retrying",
      "created",
      "output_item_added",
      "output_text_delta",
      "output_text_delta",
      "output_item_done",
      "completed",
    ]);
    expect(events[0]).toMatchObject({ phase: "stream", attempt: 1, max_attempts: 2 });
    expect(events[1]).toEqual({ type: "created", response_id: "resp_2" });
    expect(sleeps).toEqual([200]);
    expect(server.requests).toHaveLength(2);
  });

  it("fails after stream_max_retries broken streams", async () => {
    const { server, client } = await harness({ stream_max_retries: 1 });
    server.enqueue(cut(textTurn("a"), 1), cut(textTurn("b"), 1));

    const { events, error } = await drainError(client.stream(request()));

    expect(error).toMatchObject({ kind: "stream", retryable: true, emitted: false });
    expect(events.map((e) => e.type)).toEqual(["retrying"]);
    expect(server.requests).toHaveLength(2);
  });

  it("hands a stream broken after content to the caller as a retryable error", async () => {
    const { server, client } = await harness();
    server.enqueue(cut(textTurn("hello world"), 5), textTurn("unused"));

    const { events, error } = await drainError(client.stream(request()));

    expect(error).toMatchObject({ kind: "stream", retryable: true, emitted: true });
    expect(events.map((e) => e.type)).toEqual(["created", "output_item_added", "output_text_delta"]);
    expect(server.requests).toHaveLength(1);
  });

  it("treats a silent stream as an error after stream_idle_timeout_ms", async () => {
    const { server, client } = await harness({ stream_idle_timeout_ms: 400, stream_max_retries: 0 });
    server.enqueue(stall(textTurn("never finished"), 3));

    const { error } = await drainError(client.stream(request()));

    expect(error).toMatchObject({ kind: "idle_timeout", retryable: true });
    expect((error as Error).message).toContain("400 ms");
  });

  it("retries an idle stream that had not produced content yet", async () => {
    const { server, client } = await harness({ stream_idle_timeout_ms: 400 });
    server.enqueue(stall(textTurn("x"), 1), textTurn("fresh"));

    const result = await collectResponse(client.stream(request()));

    expect(result.text).toBe("fresh");
    expect(result.retries).toEqual([
      expect.objectContaining({ phase: "stream", message: expect.stringContaining("idle") }),
    ]);
  });

  it("surfaces response.failed with the provider's message; fatal codes are not retried", async () => {
    const { server, client } = await harness();
    server.enqueue(
      failedTurn("Your input exceeds the context window of this model.", "context_length_exceeded"),
    );

    const { error } = await drainError(client.stream(request()));

    expect(error).toMatchObject({
      kind: "response_failed",
      code: "context_length_exceeded",
      retryable: false,
    });
    expect((error as Error).message).toBe("Mock: Your input exceeds the context window of this model.");
    expect(server.requests).toHaveLength(1);
  });

  it("retries a transient response.failed", async () => {
    const { server, client } = await harness();
    server.enqueue(
      failedTurn("An error occurred while processing your request.", "server_error"),
      textTurn("ok"),
    );

    const result = await collectResponse(client.stream(request()));

    expect(result.text).toBe("ok");
    expect(result.retries).toHaveLength(1);
  });

  it("reports response.incomplete with its reason", async () => {
    const { server, client } = await harness();
    server.enqueue(incompleteTurn("max_output_tokens"));

    const { error } = await drainError(client.stream(request()));

    expect(error).toMatchObject({ kind: "incomplete", code: "max_output_tokens", retryable: false });
  });

  it("stops at once when aborted mid-stream", async () => {
    const { server, client } = await harness();
    server.enqueue(stall(textTurn("hello world and more"), 5));
    const controller = new AbortController();
    const seen: string[] = [];

    const started = Date.now();
    const { error } = await drainError(
      (async function* () {
        for await (const e of client.stream(request(), { signal: controller.signal })) {
          seen.push(e.type);
          if (e.type === "output_text_delta") controller.abort();
          yield e;
        }
      })(),
    );

    expect((error as Error).name).toBe("AbortError");
    expect(seen).toEqual(["created", "output_item_added", "output_text_delta"]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.requests).toHaveLength(1);
  });

  it("stops a retry wait when aborted", async () => {
    const { server, client } = await harness({}, { sleep: undefined });
    server.enqueue({ status: 429, headers: { "retry-after": "30" } });
    const controller = new AbortController();

    const pending = drainError(client.stream(request(), { signal: controller.signal }));
    await server.waitForModelRequests(1);
    setTimeout(() => controller.abort(), 20);
    const { events, error } = await pending;

    expect(events).toEqual([expect.objectContaining({ type: "retrying", delay_ms: 30_000 })]);
    expect((error as Error).name).toBe("AbortError");
  });
});
