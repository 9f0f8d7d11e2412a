import { describe, expect, it } from "vitest";
import { fixture, inProcessServer, text, turnCompleted } from "../app-server-engine/support.js";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { eventually, fixtureToml, logFile, readLog } from "./fixture.js";
import { completedItem, mcpThread, outputOf, startMcpTurn, WALL } from "./turns-support.js";

/**
 * MCP tools as the model sees them and what it reads back (spec mcp.md §3, §4; acceptance tests
 * 3 and 5), end to end: app-server, scripted model server, the fixture MCP server as a child.
 */

// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
const toolNames = (body: any): string[] => body.tools.map((t: any) => `${t.type}:${t.name ?? ""}`);

describe("MCP tools offered to the model", () => {
  it("sends one namespace per server, described by its instructions, after the resource tools", async () => {
    const t = await mcpThread({
      serverToml: 'enabled_tools = ["echo", "plain", "destroy"]\ndisabled_tools = ["destroy"]',
    });
    const turnId = await startMcpTurn(t, []);
    await turnCompleted(t.peer, turnId);
    const body = t.fx.model.requests[0]!.body as { tools: Record<string, unknown>[] };
    const names = toolNames(body);
    // Codex 0.169's order: command tools, resource tools, request_user_input, …, namespaces, web_search.
    const at = names.indexOf("function:write_stdin");
    expect(names.slice(at + 1, at + 5)).toEqual([
      "function:list_mcp_resources",
      "function:list_mcp_resource_templates",
      "function:read_mcp_resource",
      "function:request_user_input",
    ]);
    expect(names.indexOf("namespace:mcp__fx")).toBeGreaterThan(names.indexOf("function:request_user_input"));
    const hosted = names.findIndex((n) => n.startsWith("web_search:"));
    if (hosted !== -1) expect(names.indexOf("namespace:mcp__fx")).toBeLessThan(hosted);
    expect(body.tools.find((s) => s.name === "mcp__fx")).toEqual({
      type: "namespace",
      name: "mcp__fx",
      description: "Fixture instructions.",
      tools: [
        {
          type: "function",
          name: "echo",
          description: "Echoes the text back.",
          strict: false,
          parameters: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
        },
        {
          type: "function",
          name: "plain",
          description: "Says plain.",
          strict: false,
          parameters: { type: "object", properties: {} },
        },
      ],
    });
  });

  it("offers no MCP tools at all without a configured server", async () => {
    const t = await mcpThread({ serverToml: "enabled = false" });
    const turnId = await startMcpTurn(t, []);
    await turnCompleted(t.peer, turnId);
    const names = toolNames(t.fx.model.requests[0]!.body);
    expect(names.filter((n) => n.includes("mcp"))).toEqual([]);
  });
});

describe("MCP call results as the model reads them", () => {
  it("maps echo, structured, image, fail and throw as Codex does, with their items", async () => {
    // No sandbox and no one to ask: every tool runs without a prompt (§5).
    const t = await mcpThread({ topLevel: { approval_policy: "never", sandbox_mode: "danger-full-access" } });
    const turnId = await startMcpTurn(t, [
      { name: "echo", args: { text: "hi" }, callId: "c_echo" },
      { name: "structured", callId: "c_struct" },
      { name: "image", callId: "c_image" },
      { name: "fail", callId: "c_fail" },
      { name: "throw", callId: "c_throw" },
    ]);
    const started = await t.peer.notification(
      "item/started",
      (p) => p.item.type === "mcpToolCall" && p.item.id === "c_echo",
    );
    expect(started.params.item).toEqual({
      type: "mcpToolCall",
      id: "c_echo",
      server: "fx",
      tool: "echo",
      status: "inProgress",
      arguments: { text: "hi" },
      result: null,
      error: null,
      durationMs: null,
      readOnlyHint: true,
      appContext: null,
      mcpAppUi: null,
      pluginId: null,
    });
    const echo = await completedItem(t.peer, "c_echo");
    expect(echo).toMatchObject({
      status: "completed",
      result: { content: [{ type: "text", text: "hi" }], structuredContent: null },
      error: null,
    });
    expect(echo.durationMs).toEqual(expect.any(Number));
    expect(await completedItem(t.peer, "c_struct")).toMatchObject({
      status: "completed",
      readOnlyHint: null,
      result: { structuredContent: { answer: 42 } },
    });
    // isError: failed, but the result is kept and there is no error.
    expect(await completedItem(t.peer, "c_fail")).toMatchObject({
      status: "failed",
      result: { content: [{ type: "text", text: "it failed" }] },
      error: null,
    });
    const thrown = await completedItem(t.peer, "c_throw");
    expect(thrown).toMatchObject({ status: "failed", result: null });
    expect(thrown.error.message).toMatch(/^tool call error: tool call failed for `fx\/throw`/);
    await turnCompleted(t.peer, turnId);

    const body = t.fx.model.requests[1]!.body;
    const echoOut = outputOf(body, "c_echo");
    expect(echoOut).toHaveLength(2);
    expect(echoOut[0].type).toBe("input_text");
    expect(echoOut[0].text).toMatch(WALL);
    expect(echoOut[1]).toEqual({ type: "input_text", text: "hi" });
    expect(outputOf(body, "c_struct")).toMatch(/^Wall time: \d+\.\d{4} seconds\nOutput:\n\{"answer":42\}$/);
    const image = outputOf(body, "c_image");
    expect(image[1]).toMatchObject({ type: "input_image", detail: "high" });
    expect(image[1].image_url).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(
      outputOf(body, "c_fail")
        .map((p: { text: string }) => p.text)
        .slice(1),
    ).toEqual(["it failed"]);
    const throwOut = outputOf(body, "c_throw");
    expect(throwOut[0].text).toMatch(WALL);
    // (The text after the code is the MCP client's; the SDK's own prefix may precede "boom".)
    expect(throwOut[1].text).toMatch(
      /^tool call error: tool call failed for `fx\/throw`\n\nCaused by:\n {4}Mcp error: -32603: .*boom$/,
    );

    // The server saw Codex's `_meta` (the progress token is the client's own).
    const calls = readLog(t.log).filter((e) => e.method === "tools/call");
    const echoCall = calls.find((c) => (c.params as { name: string }).name === "echo")!;
    expect(echoCall.params).toMatchObject({
      name: "echo",
      arguments: { text: "hi" },
      _meta: {
        callId: "c_echo",
        threadId: t.threadId,
        sessionId: t.threadId,
        "x-codex-turn-metadata": {
          session_id: t.threadId,
          thread_id: t.threadId,
          turn_id: turnId,
          model: "mock-model",
          sandbox_mode: "danger-full-access",
        },
      },
    });
    expect((echoCall.params as { _meta: { itemId?: string } })._meta.itemId).toMatch(/^fc_/);
  });

  it("answers bad arguments, flat names and unknown tools without calling the server or an item", async () => {
    const t = await mcpThread({ topLevel: { approval_policy: "never", sandbox_mode: "danger-full-access" } });
    const turnId = await startMcpTurn(t, [
      { name: "echo", args: "{not json", callId: "c_bad" },
      { name: "mcp__fx__echo", args: {}, callId: "c_flat", namespace: "" },
      { name: "nosuch", args: {}, callId: "c_unknown" },
      { name: "plain", args: "", callId: "c_empty" },
    ]);
    await turnCompleted(t.peer, turnId);
    const body = t.fx.model.requests[1]!.body;
    expect(outputOf(body, "c_bad")).toMatch(/^err: /);
    expect(outputOf(body, "c_flat")).toBe("unsupported call: mcp__fx__echo");
    expect(outputOf(body, "c_unknown")).toBe("unsupported call: mcp__fxnosuch");
    const calls = readLog(t.log).filter((e) => e.method === "tools/call");
    // Only `plain` ran, and empty arguments are left out of the request.
    expect(calls.map((c) => c.params)).toEqual([
      expect.objectContaining({ name: "plain", _meta: expect.any(Object) }),
    ]);
    expect(calls[0]!.params).not.toHaveProperty("arguments");
    const items = t.peer.received.filter(
      (m) => m.method === "item/started" && m.params.item.type === "mcpToolCall",
    );
    expect(items.map((m) => m.params.item.id)).toEqual(["c_empty"]);
  });
});

describe("MCP calls in a stored thread", () => {
  it("thread/read shows the mcpToolCall items (extended history)", async () => {
    const t = await mcpThread({
      topLevel: { approval_policy: "never", sandbox_mode: "danger-full-access" },
      threadParams: { persistExtendedHistory: true },
    });
    const turnId = await startMcpTurn(t, [
      { name: "echo", args: { text: "hi" }, callId: "c1" },
      { name: "fail", callId: "c2" },
    ]);
    await turnCompleted(t.peer, turnId);
    const read = await t.peer.request("thread/read", { threadId: t.threadId, includeTurns: true });
    const items = read.thread.turns.at(-1).items.filter((i: { type: string }) => i.type === "mcpToolCall");
    expect(items).toEqual([
      expect.objectContaining({
        server: "fx",
        tool: "echo",
        status: "completed",
        arguments: { text: "hi" },
        result: { content: [{ type: "text", text: "hi" }], structuredContent: null, _meta: null },
        error: null,
        readOnlyHint: true,
      }),
      expect.objectContaining({ tool: "fail", status: "failed", error: null, readOnlyHint: null }),
    ]);
  });
});

describe("servers still starting", () => {
  it("a turn does not wait for a slow server: its tools join the first request after it is ready", async () => {
    const t = await mcpThread({ args: ["--start-delay-ms", "4000"], waitForTools: false });
    const first = await startMcpTurn(t, []);
    await turnCompleted(t.peer, first);
    const before = toolNames(t.fx.model.requests[0]!.body);
    // The server is configured (resource tools) but not ready (no namespace).
    expect(before).toContain("function:list_mcp_resources");
    expect(before).not.toContain("namespace:mcp__fx");
    await eventually(
      () => (readLog(t.log).some((e) => e.method === "tools/list") ? true : undefined),
      20_000,
    );
    const second = await startMcpTurn(t, []);
    await turnCompleted(t.peer, second);
    expect(toolNames(t.fx.model.requests.at(-1)!.body)).toContain("namespace:mcp__fx");
  });
});

describe("resource tools", () => {
  it("answer with the listing or contents as JSON; items name the server, or `codex` for all", async () => {
    const t = await mcpThread();
    const turnId = await startMcpTurn(t, [
      { name: "list_mcp_resources", args: {}, callId: "c_all", namespace: "" },
      { name: "list_mcp_resource_templates", args: { server: "fx" }, callId: "c_tpl", namespace: "" },
      {
        name: "read_mcp_resource",
        args: { server: "fx", uri: "fixture://first" },
        callId: "c_read",
        namespace: "",
      },
      { name: "read_mcp_resource", args: { server: "fx" }, callId: "c_bad", namespace: "" },
      { name: "list_mcp_resources", args: { server: "nope" }, callId: "c_nope", namespace: "" },
    ]);
    expect(await completedItem(t.peer, "c_all")).toMatchObject({
      server: "codex",
      tool: "list_mcp_resources",
      status: "completed",
    });
    expect(await completedItem(t.peer, "c_tpl")).toMatchObject({ server: "fx", status: "completed" });
    expect(await completedItem(t.peer, "c_nope")).toMatchObject({
      server: "nope",
      status: "failed",
      result: null,
    });
    await turnCompleted(t.peer, turnId);
    const body = t.fx.model.requests[1]!.body;
    const all = JSON.parse(outputOf(body, "c_all"));
    expect(all.resources.map((r: { server: string; uri: string }) => `${r.server} ${r.uri}`)).toEqual([
      "fx fixture://first",
      "fx fixture://second",
    ]);
    expect(JSON.parse(outputOf(body, "c_tpl"))).toMatchObject({ resourceTemplates: [{ name: "item" }] });
    expect(JSON.parse(outputOf(body, "c_read")).contents[0]).toMatchObject({ uri: "fixture://first" });
    expect(outputOf(body, "c_bad")).toBe("failed to parse function arguments: missing field `uri`");
    expect(outputOf(body, "c_nope")).toMatch(/^resources\/list failed: resources\/list failed for `nope`: /);
  });
});

describe("colliding names (acceptance test 4, model side)", () => {
  it("hashes colliding servers and tools as Codex 0.169 does, and calls the right raw tool", async () => {
    const logA = logFile();
    const logB = logFile();
    const fx = await fixture({
      topLevel: { approval_policy: "never", sandbox_mode: "danger-full-access" },
      extraToml: `\n${fixtureToml("my-server.v2", ["--log", logA, "--tools", "a.b,a_b"])}${fixtureToml("my_server_v2", ["--log", logB, "--tools", "a.b,a_b"])}`,
    });
    const peer = inProcessServer(fx).connect();
    await peer.initialize();
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    for (const log of [logA, logB])
      await eventually(
        () => (readLog(log).some((e) => e.method === "tools/list") ? true : undefined),
        20_000,
      );
    fx.model.enqueue(
      turn([functionCall("a_b_ad8995bb0c4c", {}, "c1", "mcp__my_server_v2_f0158aee96e3")]),
      textTurn("done"),
    );
    const { turn: started } = await peer.request("turn/start", { threadId: thread.id, input: text("go") });
    await turnCompleted(peer, started.id);
    // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
    const namespaces = (fx.model.requests[0]!.body as any).tools.filter((s: any) => s.type === "namespace");
    // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
    expect(namespaces.map((n: any) => [n.name, n.description, n.tools.map((f: any) => f.name)])).toEqual([
      [
        "mcp__my_server_v2_4257fdaf16dc",
        "Tools in the mcp__my_server_v2_4257fdaf16dc namespace.",
        ["a_b_7014708d542b", "a_b_7e821166f8b6"],
      ],
      [
        "mcp__my_server_v2_f0158aee96e3",
        "Tools in the mcp__my_server_v2_f0158aee96e3 namespace.",
        ["a_b_4d2109f016e5", "a_b_ad8995bb0c4c"],
      ],
    ]);
    const calls = (log: string) =>
      readLog(log)
        .filter((e) => e.method === "tools/call")
        .map((e) => e.params);
    expect(calls(logA)).toEqual([]);
    expect(calls(logB)).toEqual([expect.objectContaining({ name: "a_b" })]);
    const item = peer.received.find((m) => m.method === "item/completed" && m.params.item.id === "c1");
    expect(item!.params.item).toMatchObject({ server: "my_server_v2", tool: "a_b", status: "completed" });
  });
});
