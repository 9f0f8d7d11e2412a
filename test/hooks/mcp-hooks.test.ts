import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, inProcessServer, text, turnCompleted } from "../app-server-engine/support.js";
import { eventually, fixtureToml, logFile, readLog } from "../mcp/fixture.js";
import { outputOf } from "../mcp/turns-support.js";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { hookScript, hooksJson, inputOf, payloads, schemaErrors, textOf, trustAll } from "./support.js";

/**
 * PreToolUse / PostToolUse on MCP tool calls (spec hooks.md §2, §4): the tool is
 * `mcp__<server>__<tool>`, its input the call's arguments. A user's hook that blocks an MCP tool
 * must keep the server from ever receiving the call.
 */

async function mcpHookThread(groups: Parameters<typeof hooksJson>[0] | string, approvalPolicy = "never") {
  const log = logFile();
  const fx = await fixture({
    topLevel: { approval_policy: approvalPolicy, sandbox_mode: "danger-full-access" },
    extraToml: `\n${fixtureToml("fx", ["--log", log])}`,
  });
  fs.writeFileSync(path.join(fx.home, "hooks.json"), typeof groups === "string" ? groups : hooksJson(groups));
  trustAll(fx);
  const peer = inProcessServer(fx).connect();
  await peer.initialize();
  const result = await peer.request("thread/start", { cwd: fx.workspace });
  const threadId = result.thread.id as string;
  await eventually(() => (readLog(log).some((e) => e.method === "tools/list") ? true : undefined), 20_000);
  return { fx, peer, threadId, log };
}

const toolCalls = (log: string) => readLog(log).filter((e) => e.method === "tools/call");

describe("hooks on MCP tool calls", () => {
  it("a PreToolUse block on mcp__fx__echo keeps the call from the server; the model reads Codex's text", async () => {
    const dir = tempDir("keel-mcp-hook-");
    const script = hookScript(dir, "pre", 'echo "no echo here" >&2; exit 2');
    const t = await mcpHookThread({ PreToolUse: [{ matcher: "mcp__fx__echo", command: script }] });
    t.fx.model.enqueue(
      turn([functionCall("echo", { text: "secret" }, "c_echo", "mcp__fx")]),
      textTurn("done"),
    );
    const { turn: started } = await t.peer.request("turn/start", { threadId: t.threadId, input: text("go") });
    await turnCompleted(t.peer, started.id);
    expect(outputOf(t.fx.model.requests[1]!.body, "c_echo")).toBe(
      "Tool call blocked by PreToolUse hook: no echo here. Tool: mcp__fx__echo",
    );
    expect(toolCalls(t.log)).toEqual([]);
    expect(payloads(dir, "pre")).toMatchObject([
      {
        hook_event_name: "PreToolUse",
        tool_name: "mcp__fx__echo",
        tool_input: { text: "secret" },
        tool_use_id: "c_echo",
      },
    ]);
  });

  it("PostToolUse sees the CallToolResult and its block reason replaces the output", async () => {
    const dir = tempDir("keel-mcp-hook-");
    const script = hookScript(dir, "post", 'echo "output withheld" >&2; exit 2');
    const t = await mcpHookThread({ PostToolUse: [{ matcher: "mcp__.*", command: script }] });
    t.fx.model.enqueue(turn([functionCall("echo", { text: "hi" }, "c_echo", "mcp__fx")]), textTurn("done"));
    const { turn: started } = await t.peer.request("turn/start", { threadId: t.threadId, input: text("go") });
    await turnCompleted(t.peer, started.id);
    expect(toolCalls(t.log)).toHaveLength(1);
    expect(outputOf(t.fx.model.requests[1]!.body, "c_echo")).toBe("output withheld");
    expect(payloads(dir, "post")).toMatchObject([
      {
        tool_name: "mcp__fx__echo",
        tool_input: { text: "hi" },
        tool_response: { content: [{ type: "text", text: "hi" }] },
      },
    ]);
  });

  it.each([
    ["allow", { behavior: "allow" }, ["plain"], null],
    ["deny", { behavior: "deny", message: "not this tool" }, [], "not this tool"],
  ])(
    "PermissionRequest %s answers an MCP tool approval: no elicitation reaches the client",
    async (_n, decision, called, refusal) => {
      const dir = tempDir("keel-mcp-hook-");
      const out = JSON.stringify({ hookSpecificOutput: { hookEventName: "PermissionRequest", decision } });
      const script = hookScript(dir, "perm", `echo '${out}'`);
      const t = await mcpHookThread(
        { PermissionRequest: [{ matcher: "mcp__fx__plain", command: script }] },
        "on-request",
      );
      t.fx.model.enqueue(turn([functionCall("plain", { a: 1 }, "c_plain", "mcp__fx")]), textTurn("done"));
      const { turn: started } = await t.peer.request("turn/start", {
        threadId: t.threadId,
        input: text("go"),
      });
      await turnCompleted(t.peer, started.id);
      expect(t.peer.received.some((m) => m.method === "mcpServer/elicitation/request")).toBe(false);
      expect(toolCalls(t.log).map((e) => (e.params as { name: string }).name)).toEqual(called);
      const item = await t.peer.notification(
        "item/completed",
        (p) => p.item.type === "mcpToolCall" && p.item.id === "c_plain",
      );
      if (refusal === null) expect(item.params.item.status).toBe("completed");
      else expect(item.params.item).toMatchObject({ status: "failed", error: { message: refusal } });
      const [payload] = payloads(dir, "perm");
      expect(schemaErrors("permission-request.command.input", payload)).toEqual([]);
      expect(payload).toMatchObject({ tool_name: "mcp__fx__plain", tool_input: { a: 1 } });
    },
  );
});

describe("mcp_tool hook handlers", () => {
  const mcpHook = (input: Record<string, unknown>) => ({
    type: "mcp_tool",
    server: "fx",
    tool: "echo",
    input,
  });

  it("call the thread's MCP server with their static input; the result text is read like stdout", async () => {
    const block = JSON.stringify({ decision: "block", reason: "blocked by an MCP policy tool" });
    const t = await mcpHookThread(
      JSON.stringify({
        hooks: {
          PreToolUse: [{ matcher: "Bash", hooks: [mcpHook({ text: block })] }],
          UserPromptSubmit: [{ hooks: [mcpHook({ text: "context from the MCP hook" })] }],
        },
      }),
    );
    const listed = await t.peer.request("hooks/list", { cwds: [t.fx.workspace] });
    expect(listed.data[0].hooks).toMatchObject([
      { eventName: "preToolUse", handlerType: "mcpTool", server: "fx", tool: "echo", trustStatus: "trusted" },
      { eventName: "userPromptSubmit", handlerType: "mcpTool", server: "fx", tool: "echo" },
    ]);
    expect(listed.data[0].hooks[0]).not.toHaveProperty("command");
    t.fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: "touch hooked" }, "c_sh")]),
      textTurn("done"),
    );
    const { turn: started } = await t.peer.request("turn/start", { threadId: t.threadId, input: text("go") });
    await turnCompleted(t.peer, started.id);

    // The fixture logs a call after answering it: wait for both lines.
    await eventually(() => (toolCalls(t.log).length >= 2 ? true : undefined), 10_000);
    expect(toolCalls(t.log).map((e) => e.params)).toEqual([
      expect.objectContaining({ name: "echo", arguments: { text: "context from the MCP hook" } }),
      expect.objectContaining({ name: "echo", arguments: { text: block } }),
    ]);
    expect(fs.existsSync(path.join(t.fx.workspace, "hooked"))).toBe(false);
    const [first, second] = t.fx.model.modelRequests();
    const input = inputOf(first!);
    const userAt = input.findIndex((i) => i.role === "user" && textOf(i) === "go");
    expect(input[userAt + 1]).toMatchObject({ role: "developer" });
    expect(textOf(input[userAt + 1])).toBe("context from the MCP hook");
    expect(outputOf(second!.body, "c_sh")).toBe(
      "Command blocked by PreToolUse hook: blocked by an MCP policy tool. Command: touch hooked",
    );
    const runs = t.peer.received.filter((m) => m.method === "hook/completed").map((m) => m.params.run);
    expect(runs).toMatchObject([
      { eventName: "userPromptSubmit", handlerType: "mcpTool", status: "completed" },
      { eventName: "preToolUse", handlerType: "mcpTool", status: "blocked" },
    ]);
  });
});
