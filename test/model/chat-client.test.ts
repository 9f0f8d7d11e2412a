import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chatToolName, toChatMessages } from "../../src/model/chat.js";
import { collectResponse } from "../../src/model/collect.js";
import type { ResponseItem } from "../../src/protocol/items.js";
import {
  customToolCall,
  cut,
  functionCall,
  message,
  reasoning,
  sse,
  textTurn,
  turn,
} from "../support/model-server.js";
import { drain, drainError, harness, request } from "./helpers.js";

const chat = { wire_api: "chat" as const, env_key: undefined };

describe("chat completions client", () => {
  it("streams text and reads usage from the last chunk", async () => {
    const { server, client } = await harness(chat);
    server.enqueue(
      textTurn("hello there", {
        responseId: "chatcmpl-1",
        usage: { input_tokens: 9, cached_input_tokens: 4, output_tokens: 2 },
      }),
    );

    const events = await drain(client.stream(request()));

    const req = server.requests[0]!;
    expect(req.path).toBe("/v1/chat/completions");
    expect(req.headers.authorization).toBeUndefined();
    expect(req.body).toEqual({
      model: "mock-model",
      messages: [
        { role: "system", content: "You are keel." },
        { role: "user", content: "hi" },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(events.map((e) => e.type)).toEqual([
      "created",
      "output_item_added",
      "output_text_delta",
      "output_text_delta",
      "output_item_done",
      "completed",
    ]);
    expect(events.at(-2)).toEqual({
      type: "output_item_done",
      item: { type: "message", role: "assistant", content: [{ type: "output_text", text: "hello there" }] },
    });
    expect(events.at(-1)).toEqual({
      type: "completed",
      response_id: "chatcmpl-1",
      usage: {
        input_tokens: 9,
        cached_input_tokens: 4,
        output_tokens: 2,
        reasoning_output_tokens: 0,
        total_tokens: 11,
      },
    });
  });

  it("assembles streamed tool calls, mapping custom tools back to custom_tool_call", async () => {
    const { server, client } = await harness(chat);
    const patch = "*** Begin Patch\n*** End Patch\n";
    server.enqueue(
      turn([
        message("Let me look."),
        functionCall("exec_command", { cmd: "ls" }, "call_1"),
        customToolCall("apply_patch", patch, "call_2"),
      ]),
    );
    const tools = [
      {
        type: "function",
        name: "exec_command",
        description: "Run",
        parameters: { type: "object", properties: {} },
      },
      {
        type: "custom",
        name: "apply_patch",
        description: "Patch",
        format: { type: "grammar", syntax: "lark", definition: "start: x" },
      },
      { type: "web_search" },
    ];

    const result = await collectResponse(client.stream(request({ tools, parallel_tool_calls: true })));

    expect(result.items).toEqual([
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "Let me look." }] },
      { type: "function_call", call_id: "call_1", name: "exec_command", arguments: '{"cmd":"ls"}' },
      { type: "custom_tool_call", call_id: "call_2", name: "apply_patch", input: patch },
    ]);
    const body = server.requests[0]!.body;
    expect(body.parallel_tool_calls).toBe(true);
    expect(body.tools).toHaveLength(2);
    expect(body.tools[0]).toEqual({
      type: "function",
      function: { name: "exec_command", description: "Run", parameters: { type: "object", properties: {} } },
    });
    expect(body.tools[1].function.parameters.required).toEqual(["input"]);
    expect(body.tools[1].function.parameters.properties.input.description).toContain("start: x");
  });

  it("offers a namespace's tools (a client's dynamic tools) as <namespace>__<name> functions and reads calls back", async () => {
    const { server, client } = await harness(chat);
    server.enqueue(turn([functionCall("crm__lookup", { id: 7 }, "call_1")]));
    const tools = [
      {
        type: "namespace",
        name: "crm",
        description: "Customer records",
        tools: [
          {
            type: "function",
            name: "lookup",
            description: "Find one",
            strict: false,
            parameters: { type: "object" },
          },
        ],
      },
    ];
    const history: ResponseItem[] = [
      { type: "message", role: "user", content: [{ type: "input_text", text: "find 6" }] },
      { type: "function_call", name: "lookup", namespace: "crm", arguments: '{"id":6}', call_id: "c0" },
      { type: "function_call_output", call_id: "c0", output: "none" },
    ];

    const result = await collectResponse(client.stream(request({ tools, input: history })));

    expect(result.items).toEqual([
      { type: "function_call", call_id: "call_1", name: "lookup", namespace: "crm", arguments: '{"id":7}' },
    ]);
    const body = server.requests[0]!.body;
    expect(body.tools).toEqual([
      {
        type: "function",
        function: {
          name: "crm__lookup",
          description: "Find one",
          parameters: { type: "object" },
          strict: false,
        },
      },
    ]);
    expect(body.messages[2].tool_calls[0].function.name).toBe("crm__lookup");
  });

  it("flattens a long MCP namespace + tool to at most 64 characters and maps the call back", async () => {
    const { server, client } = await harness(chat);
    const namespace = `mcp__${"s".repeat(40)}`;
    const name = `tool_${"t".repeat(40)}`;
    const flat = chatToolName(namespace, name);
    expect(flat.length).toBe(64);
    expect(flat).toMatch(/^mcp__s{40}__tool_[0-9a-f]{12}$/);
    server.enqueue(turn([functionCall(flat, {}, "call_1")]));
    const tools = [
      {
        type: "namespace",
        name: namespace,
        description: "d",
        tools: [{ type: "function", name, description: "x", strict: false, parameters: { type: "object" } }],
      },
    ];
    const history: ResponseItem[] = [
      { type: "message", role: "user", content: [{ type: "input_text", text: "go" }] },
      { type: "function_call", name, namespace, arguments: "{}", call_id: "c0" },
      { type: "function_call_output", call_id: "c0", output: "ok" },
    ];
    const result = await collectResponse(client.stream(request({ tools, input: history })));
    expect(result.items).toEqual([
      { type: "function_call", call_id: "call_1", name, namespace, arguments: "{}" },
    ]);
    const body = server.requests[0]!.body;
    expect(body.tools[0].function.name).toBe(flat);
    // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
    const assistant = body.messages.find((m: any) => m.tool_calls);
    expect(assistant.tool_calls[0].function.name).toBe(flat);
  });

  it("flattened names are short, stable and tell distinct tools apart", () => {
    const part = fc.stringMatching(/^[A-Za-z0-9_]{1,60}$/);
    const longPart = fc.stringMatching(/^[A-Za-z0-9_]{30,60}$/);
    fc.assert(
      fc.property(longPart, part, part, (server, a, b) => {
        const x = chatToolName(`mcp__${server}`, a);
        expect(x.length).toBeLessThanOrEqual(64);
        expect(chatToolName(`mcp__${server}`, a)).toBe(x);
        if (a !== b) expect(chatToolName(`mcp__${server}`, b)).not.toBe(x);
      }),
    );
  });

  it("sends tool results back as tool messages after the assistant's calls", async () => {
    const { server, client } = await harness(chat);
    server.enqueue(textTurn("done"));
    const history: ResponseItem[] = [
      { type: "message", role: "developer", content: [{ type: "input_text", text: "sandbox: read-only" }] },
      { type: "message", role: "user", content: [{ type: "input_text", text: "list files" }] },
      { type: "reasoning", summary: [{ type: "summary_text", text: "think" }], encrypted_content: "x" },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "Checking." }] },
      { type: "function_call", name: "exec_command", arguments: '{"cmd":"ls"}', call_id: "c1" },
      { type: "custom_tool_call", name: "apply_patch", input: "P", call_id: "c2" },
      { type: "function_call_output", call_id: "c1", output: [{ type: "input_text", text: "a.txt" }] },
      { type: "custom_tool_call_output", call_id: "c2", output: "patched" },
    ];

    await drain(client.stream(request({ input: history })));

    expect(server.requests[0]!.body.messages).toEqual([
      { role: "system", content: "You are keel." },
      { role: "system", content: "sandbox: read-only" },
      { role: "user", content: "list files" },
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          { id: "c1", type: "function", function: { name: "exec_command", arguments: '{"cmd":"ls"}' } },
          { id: "c2", type: "function", function: { name: "apply_patch", arguments: '{"input":"P"}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "a.txt" },
      { role: "tool", tool_call_id: "c2", content: "patched" },
    ]);
  });

  it("maps images in user messages to image_url parts", () => {
    expect(
      toChatMessages("", [
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "what is this?" },
            { type: "input_image", image_url: "data:image/png;base64,AAA" },
            { type: "input_image", image_url: "data:image/png;base64,BBB", detail: "high" },
            { type: "input_image", image_url: "data:image/png;base64,CCC", detail: "original" },
          ],
        },
      ]),
    ).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "what is this?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAA" } },
          { type: "image_url", image_url: { url: "data:image/png;base64,BBB", detail: "high" } },
          // `original` has no chat spelling: the provider's default applies.
          { type: "image_url", image_url: { url: "data:image/png;base64,CCC" } },
        ],
      },
    ]);
  });

  it("turns reasoning deltas (reasoning_content or Ollama's reasoning) into a reasoning item", async () => {
    for (const field of ["reasoning_content", "reasoning"]) {
      const { server, client } = await harness(chat, {}, { chatReasoningField: field });
      server.enqueue(turn([reasoning("step one"), message("answer")]));

      const result = await collectResponse(client.stream(request({ reasoning: { effort: "low" } })));

      expect(server.requests[0]!.body.reasoning_effort).toBe("low");
      expect(result.items[0]).toEqual({
        type: "reasoning",
        summary: [],
        content: [{ type: "reasoning_text", text: "step one" }],
      });
      expect(result.text).toBe("answer");
    }
  });

  it("surfaces an Ollama-style error body", async () => {
    const { server, client } = await harness(chat);
    server.enqueue({ status: 404, body: { error: 'model "llama9" not found, try pulling it first' } });

    const { error } = await drainError(client.stream(request()));

    expect(error).toMatchObject({ kind: "http", status: 404, retryable: false });
    expect((error as Error).message).toBe(
      'Mock returned HTTP 404: model "llama9" not found, try pulling it first',
    );
  });

  it("accepts a stream that ends after finish_reason without [DONE], and retries one that does not", async () => {
    const { server, client } = await harness(chat);
    const chunk = (delta: object, finish_reason: string | null = null) => ({
      id: "c",
      choices: [{ index: 0, delta, finish_reason }],
    });
    server.enqueue(cut(textTurn("lost"), 1), sse([chunk({ content: "fine" }), chunk({}, "stop")]));

    const result = await collectResponse(client.stream(request()));

    expect(result.text).toBe("fine");
    expect(result.retries).toHaveLength(1);
    expect(result.usage).toBeNull();
  });
});
