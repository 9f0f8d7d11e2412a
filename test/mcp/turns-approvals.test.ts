import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Message } from "../app-server-engine/support.js";
import { turnCompleted } from "../app-server-engine/support.js";
import { readLog } from "./fixture.js";
import { completedItem, type McpTurnFixture, mcpThread, outputOf, startMcpTurn } from "./turns-support.js";

/**
 * MCP tool approvals and server elicitations over the app-server (spec mcp.md §5, §6;
 * acceptance tests 6 and 7): `mcpServer/elicitation/request`, the answers, persistence.
 */

const toolCalls = (t: McpTurnFixture) =>
  readLog(t.log)
    .filter((e) => e.method === "tools/call")
    .map((e) => (e.params as { name: string }).name);

async function answerApproval(t: McpTurnFixture, result: Record<string, unknown>): Promise<Message> {
  const request = await t.peer.serverRequest("mcpServer/elicitation/request");
  t.peer.send({ id: request.id, result });
  const resolved = await t.peer.notification("serverRequest/resolved");
  expect(resolved.params).toEqual({ threadId: t.threadId, requestId: request.id });
  return request;
}

describe("MCP tool approvals", () => {
  it("asks before a tool without annotations, after its item started; accept runs it", async () => {
    const t = await mcpThread();
    const turnId = await startMcpTurn(t, [{ name: "plain", args: { a: 1 }, callId: "c1" }]);
    await t.peer.notification("item/started", (p) => p.item.id === "c1");
    const request = await answerApproval(t, { action: "accept", content: null, _meta: null });
    expect(request.params).toEqual({
      threadId: t.threadId,
      turnId,
      serverName: "fx",
      mode: "form",
      message: 'Allow the fx MCP server to run tool "plain"?',
      requestedSchema: { type: "object", properties: {} },
      _meta: {
        codex_approval_kind: "mcp_tool_call",
        persist: ["session", "always"],
        tool_name: "plain",
        tool_description: "Says plain.",
        tool_params: { a: 1 },
        tool_params_display: [{ name: "a", value: 1, display_name: "a" }],
      },
    });
    expect(await completedItem(t.peer, "c1")).toMatchObject({ status: "completed" });
    await turnCompleted(t.peer, turnId);
    expect(toolCalls(t)).toEqual(["plain"]);
  });

  it("decline and cancel refuse with Codex's texts and fail the item without a result", async () => {
    const t = await mcpThread();
    const turnId = await startMcpTurn(t, [
      { name: "plain", callId: "c_decline" },
      { name: "destroy", callId: "c_cancel" },
    ]);
    await answerApproval(t, { action: "decline" });
    expect(await completedItem(t.peer, "c_decline")).toMatchObject({
      status: "failed",
      result: null,
      error: { message: "user rejected MCP tool call" },
    });
    await answerApproval(t, { action: "cancel" });
    expect(await completedItem(t.peer, "c_cancel")).toMatchObject({
      error: { message: "user cancelled MCP tool call" },
    });
    await turnCompleted(t.peer, turnId);
    const body = t.fx.model.requests[1]!.body;
    expect(outputOf(body, "c_decline")[1]).toEqual({
      type: "input_text",
      text: "user rejected MCP tool call",
    });
    expect(outputOf(body, "c_cancel")[1]).toEqual({
      type: "input_text",
      text: "user cancelled MCP tool call",
    });
    expect(toolCalls(t)).toEqual([]);
  });

  it("persist session: no more prompts for that tool in this thread; other tools still ask", async () => {
    const t = await mcpThread();
    const first = await startMcpTurn(t, [{ name: "plain", callId: "c1" }]);
    await answerApproval(t, { action: "accept", _meta: { persist: "session" } });
    await turnCompleted(t.peer, first);
    const second = await startMcpTurn(t, [
      { name: "plain", callId: "c2" },
      { name: "destroy", callId: "c3" },
    ]);
    const request = await answerApproval(t, { action: "accept" });
    expect(request.params.message).toBe('Allow the fx MCP server to run tool "destroy"?');
    await turnCompleted(t.peer, second);
    expect(toolCalls(t)).toEqual(["plain", "plain", "destroy"]);
    // Nothing was written to config.toml for a session answer.
    expect(fs.readFileSync(path.join(t.fx.home, "config.toml"), "utf8")).not.toContain("approval_mode");
  });

  it("a session answer does not carry over to another program reloaded under the same name", async () => {
    const t = await mcpThread();
    const first = await startMcpTurn(t, [{ name: "plain", callId: "c1" }]);
    await answerApproval(t, { action: "accept", _meta: { persist: "session" } });
    await turnCompleted(t.peer, first);
    // Same server name, another launch command line.
    const config = path.join(t.fx.home, "config.toml");
    // The start-up statuses of the first launch are still unread: consume them first.
    await t.peer.notification("mcpServer/startupStatus/updated", (p) => p.status === "ready");
    fs.writeFileSync(
      config,
      fs.readFileSync(config, "utf8").replace('"Fixture instructions."', '"Replaced."'),
    );
    expect(await t.peer.request("config/mcpServer/reload", null)).toEqual({});
    await t.peer.notification("mcpServer/startupStatus/updated", (p) => p.status === "starting");
    await t.peer.notification("mcpServer/startupStatus/updated", (p) => p.status === "ready");
    const second = await startMcpTurn(t, [{ name: "plain", callId: "c2" }]);
    const request = await answerApproval(t, { action: "accept" });
    expect(request.params.message).toBe('Allow the fx MCP server to run tool "plain"?');
    await turnCompleted(t.peer, second);
  });

  it('persist always: writes approval_mode = "approve" for the tool to config.toml', async () => {
    const t = await mcpThread();
    const turnId = await startMcpTurn(t, [{ name: "destroy", callId: "c1" }]);
    await answerApproval(t, { action: "accept", content: {}, _meta: { persist: "always" } });
    await turnCompleted(t.peer, turnId);
    expect(toolCalls(t)).toEqual(["destroy"]);
    const toml = fs.readFileSync(path.join(t.fx.home, "config.toml"), "utf8");
    expect(toml).toMatch(/\[mcp_servers\.fx\.tools\.destroy\]\napproval_mode = "approve"/);
  });

  it('approval_mode = "prompt" asks even for a read-only tool, without persist choices', async () => {
    const t = await mcpThread({ serverToml: 'default_tools_approval_mode = "prompt"' });
    const turnId = await startMcpTurn(t, [{ name: "echo", args: { text: "x" }, callId: "c1" }]);
    const request = await answerApproval(t, { action: "accept" });
    expect(request.params._meta).not.toHaveProperty("persist");
    expect(request.params._meta.tool_annotations).toEqual({ readOnlyHint: true });
    await turnCompleted(t.peer, turnId);
    expect(toolCalls(t)).toEqual(["echo"]);
  });

  it("policy never in a sandbox: a tool that needs approval is refused, read-only and approve-mode tools run", async () => {
    const t = await mcpThread({
      topLevel: { approval_policy: "never" },
      extraToml: '[mcp_servers.fx.tools.plain]\napproval_mode = "approve"\n',
    });
    const turnId = await startMcpTurn(t, [
      { name: "destroy", callId: "c_destroy" },
      { name: "echo", args: { text: "x" }, callId: "c_echo" },
      { name: "plain", callId: "c_plain" },
    ]);
    await turnCompleted(t.peer, turnId);
    const body = t.fx.model.requests[1]!.body;
    expect(outputOf(body, "c_destroy")[1].text).toBe(
      "MCP tool call requires approval, but approval policy is never",
    );
    expect(toolCalls(t)).toEqual(["echo", "plain"]);
    expect(t.peer.received.some((m) => m.method === "mcpServer/elicitation/request")).toBe(false);
  });
});

describe("server elicitation", () => {
  it("forwards elicitation/create to the client and the accepted content to the server", async () => {
    const t = await mcpThread({ extraToml: '[mcp_servers.fx.tools.elicit]\napproval_mode = "approve"\n' });
    const turnId = await startMcpTurn(t, [{ name: "elicit", callId: "c1" }]);
    const request = await t.peer.serverRequest("mcpServer/elicitation/request");
    expect(request.params).toEqual({
      threadId: t.threadId,
      turnId,
      serverName: "fx",
      mode: "form",
      message: "What is your name?",
      requestedSchema: {
        type: "object",
        properties: { name: { type: "string" } },
        required: ["name"],
      },
      _meta: null,
    });
    t.peer.send({ id: request.id, result: { action: "accept", content: { name: "Bob" }, _meta: null } });
    await turnCompleted(t.peer, turnId);
    const answer = readLog(t.log).find((e) => e.kind === "elicitation_answer");
    expect(answer?.answer).toEqual({ action: "accept", content: { name: "Bob" } });
  });

  it("with approval policy never declines without asking the client", async () => {
    const t = await mcpThread({
      topLevel: { approval_policy: "never" },
      extraToml: '[mcp_servers.fx.tools.elicit]\napproval_mode = "approve"\n',
    });
    const turnId = await startMcpTurn(t, [{ name: "elicit", callId: "c1" }]);
    await turnCompleted(t.peer, turnId);
    const answer = readLog(t.log).find((e) => e.kind === "elicitation_answer");
    expect(answer?.answer).toEqual({ action: "decline" });
    expect(t.peer.received.some((m) => m.method === "mcpServer/elicitation/request")).toBe(false);
  });
});
