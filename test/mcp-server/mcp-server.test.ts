import fs from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  customToolCall,
  failedTurn,
  functionCall,
  mockProviderToml,
  type ModelServer,
  stall,
  startModelServer,
  textTurn,
  turn,
} from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { fixtureToml } from "../mcp/fixture.js";

/**
 * `keel mcp-server` from a real MCP client (the SDK's Client over stdio) with a real model server,
 * real sandbox and real files: the tools, a turn whose command needs approval (asked as an
 * elicitation), the answer deciding, and `keel-reply` continuing the thread.
 */

const bin = path.resolve(import.meta.dirname, "../../bin/keel");
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

type Answer = Record<string, unknown>;

async function connect(answer: Answer, reuse?: { server: ModelServer; home: string; cwd: string }) {
  const server: ModelServer = reuse?.server ?? (await startModelServer());
  const home = reuse?.home ?? tempDir("keel-mcp-home-");
  const cwd = reuse?.cwd ?? tempDir("keel-mcp-cwd-");
  if (!reuse) fs.writeFileSync(path.join(home, "config.toml"), mockProviderToml(server.url));
  const transport = new StdioClientTransport({
    command: bin,
    args: ["mcp-server"],
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, KEEL_HOME: home, TMPDIR: "/tmp" },
    stderr: "pipe",
  });
  const client = new Client({ name: "test-client", version: "1.0.0" }, { capabilities: { elicitation: {} } });
  const elicitations: Record<string, unknown>[] = [];
  const notifications: Record<string, unknown>[] = [];
  client.setRequestHandler(ElicitRequestSchema, async () => answer as never);
  client.fallbackNotificationHandler = async (n) => {
    notifications.push(n as Record<string, unknown>);
  };
  await client.connect(transport);
  // The SDK drops the fields it does not know (`codex_*`) from the request it hands the handler:
  // record the raw messages to see what keel sent.
  const deliver = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage) => {
    if ("method" in message && message.method === "elicitation/create") {
      elicitations.push((message as { params: Record<string, unknown> }).params);
    }
    deliver?.(message);
  };
  cleanups.push(async () => {
    await client.close();
    if (!reuse) await server.close();
  });
  return { client, server, home, cwd, elicitations, notifications };
}

const outsideDir = () => tempDir("keel-mcp-outside-");

/** A turn that runs `touch made.txt` (inside the workspace) and tries a write outside it. */
function scriptTouch(server: ModelServer, outside: string) {
  const cmd = `touch made.txt; touch ${outside}/escaped.txt || true`;
  server.enqueue(
    turn([functionCall("exec_command", { cmd }, "call_1")]),
    textTurn("first done"),
    textTurn("second answer"),
  );
}

function startArgs(cwd: string) {
  return {
    prompt: "make the file",
    "approval-policy": "untrusted",
    sandbox: "workspace-write",
    cwd,
    // /tmp would be writable in workspace-write: keep the sandbox to the workspace alone.
    config: {
      "sandbox_workspace_write.exclude_slash_tmp": true,
      "sandbox_workspace_write.exclude_tmpdir_env_var": true,
    },
  };
}

describe("keel mcp-server", () => {
  it("lists the keel and keel-reply tools with Codex's parameters and result schema", async () => {
    const { client } = await connect({ action: "decline" });
    expect(client.getServerVersion()).toMatchObject({ name: "keel-mcp-server", title: "keel" });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["keel", "keel-reply"]);
    const [start, reply] = tools;
    expect(Object.keys(start?.inputSchema.properties ?? {}).sort()).toEqual([
      "approval-policy",
      "base-instructions",
      "compact-prompt",
      "config",
      "cwd",
      "developer-instructions",
      "model",
      "profile",
      "prompt",
      "sandbox",
    ]);
    expect(start?.inputSchema.required).toEqual(["prompt"]);
    expect(Object.keys(reply?.inputSchema.properties ?? {}).sort()).toEqual([
      "conversationId",
      "prompt",
      "threadId",
    ]);
    for (const tool of tools) {
      expect(tool.outputSchema).toEqual({
        type: "object",
        properties: { threadId: { type: "string" }, content: { type: "string" } },
        required: ["threadId", "content"],
      });
    }
  });

  it("asks for the command's approval; accepted, it runs in the sandbox; keel-reply continues", async () => {
    const { client, server, cwd, elicitations, notifications } = await connect({
      action: "accept",
      content: {},
    });
    const outside = outsideDir();
    scriptTouch(server, outside);

    const first = await client.callTool({ name: "keel", arguments: startArgs(cwd) });
    expect(first.isError).toBeFalsy();
    const threadId = (first.structuredContent as { threadId: string }).threadId;
    expect(first.content).toEqual([{ type: "text", text: "first done" }]);
    expect(first.structuredContent).toEqual({ threadId, content: "first done" });

    expect(elicitations).toHaveLength(1);
    expect(elicitations[0]).toMatchObject({
      message: `Allow keel to run \`/bin/bash -lc 'touch made.txt; touch ${outside}/escaped.txt || true'\` in \`${cwd}\`?`,
      requestedSchema: { type: "object", properties: {} },
      threadId,
      codex_elicitation: "exec-approval",
      codex_call_id: "call_1",
      codex_command: ["/bin/bash", "-lc", `touch made.txt; touch ${outside}/escaped.txt || true`],
      codex_cwd: cwd,
    });
    expect(typeof elicitations[0]?.codex_event_id).toBe("string");
    expect(typeof elicitations[0]?.codex_mcp_tool_call_id).toBe("string");
    // Ran, inside the sandbox: the workspace file exists, the write outside it was refused.
    expect(fs.existsSync(path.join(cwd, "made.txt"))).toBe(true);
    expect(fs.existsSync(path.join(outside, "escaped.txt"))).toBe(false);

    // Progress as `codex/event` notifications tied to the tools/call request and the thread.
    const events = notifications
      .filter((n) => n.method === "codex/event")
      .map((n) => n.params as { _meta: { threadId: string }; msg: { type: string } });
    const types = events.map((e) => e.msg.type);
    expect(types[0]).toBe("session_configured");
    expect(types).toContain("exec_approval_request");
    expect(types.at(-1)).toBe("task_complete");
    expect(new Set(events.map((e) => e._meta.threadId))).toEqual(new Set([threadId]));

    const second = await client.callTool({ name: "keel-reply", arguments: { threadId, prompt: "and now?" } });
    expect(second.structuredContent).toEqual({ threadId, content: "second answer" });
    // The same thread: the third model request carries the first turn's history.
    const requests = server.modelRequests();
    expect(requests).toHaveLength(3);
    const input = JSON.stringify(requests[2]?.body);
    expect(input).toContain("make the file");
    expect(input).toContain("and now?");
  });

  it("declined, the command does not run; a Codex-style `decision` answer decides too", async () => {
    const { client, server, cwd, elicitations } = await connect({ action: "decline" });
    const outside = outsideDir();
    scriptTouch(server, outside);
    const result = await client.callTool({ name: "keel", arguments: startArgs(cwd) });
    expect(result.structuredContent).toMatchObject({ content: "first done" });
    expect(elicitations).toHaveLength(1);
    expect(fs.existsSync(path.join(cwd, "made.txt"))).toBe(false);
    const output = JSON.stringify(server.modelRequests()[1]?.body);
    expect(output).toContain("rejected");

    // `action: accept` but `decision: denied` (Codex's field wins): still not run.
    const codexStyle = await connect({ action: "accept", content: {}, decision: "denied" });
    scriptTouch(codexStyle.server, outside);
    await codexStyle.client.callTool({ name: "keel", arguments: startArgs(codexStyle.cwd) });
    expect(codexStyle.elicitations).toHaveLength(1);
    expect(fs.existsSync(path.join(codexStyle.cwd, "made.txt"))).toBe(false);
  });

  it("declines an approval of the session's own MCP tool instead of waiting forever", async () => {
    const { client, server, home, cwd } = await connect({ action: "accept", content: {} });
    // The user's config.toml has an MCP server; its tool `plain` has no annotations: it asks.
    fs.appendFileSync(path.join(home, "config.toml"), `\n${fixtureToml("fx", [], "required = true")}`);
    server.enqueue(turn([functionCall("plain", {}, "c1", "mcp__fx")]), textTurn("done"));
    const result = await client.callTool({ name: "keel", arguments: startArgs(cwd) }, undefined, {
      timeout: 30_000,
    });
    expect(result.structuredContent).toMatchObject({ content: "done" });
    expect(JSON.stringify(server.modelRequests()[1]?.body)).toContain("user rejected MCP tool call");
  }, 60_000);

  it("asks for a patch's approval with its changes; accepted, the patch applies", async () => {
    const { client, server, cwd, elicitations } = await connect({ action: "accept", content: {} });
    const patch = "*** Begin Patch\n*** Add File: added.txt\n+hello\n*** End Patch\n";
    server.enqueue(turn([customToolCall("apply_patch", patch, "call_p")]), textTurn("patched"));
    const result = await client.callTool({
      name: "keel",
      // A model whose tools include apply_patch (the `model` argument is honoured).
      arguments: {
        prompt: "patch it",
        model: "gpt-5.5",
        "approval-policy": "untrusted",
        sandbox: "read-only",
        cwd,
      },
    });
    expect(result.structuredContent).toMatchObject({ content: "patched" });
    expect(elicitations).toHaveLength(1);
    expect(elicitations[0]).toMatchObject({
      // The reason first, as Codex words it.
      message: `${path.join(cwd, "added.txt")} is outside the writable roots of the sandbox\nAllow keel to apply proposed code changes?`,
      codex_reason: `${path.join(cwd, "added.txt")} is outside the writable roots of the sandbox`,
      codex_elicitation: "patch-approval",
      codex_call_id: "call_p",
      codex_changes: { [path.join(cwd, "added.txt")]: { type: "add", content: "hello\n" } },
    });
    expect(fs.readFileSync(path.join(cwd, "added.txt"), "utf8")).toBe("hello\n");
  });

  it("keel-reply continues a thread started by an earlier server process", async () => {
    const first = await connect({ action: "decline" });
    first.server.enqueue(textTurn("one"), textTurn("two"));
    const started = await first.client.callTool({
      name: "keel",
      arguments: { prompt: "remember 42", cwd: first.cwd },
    });
    const threadId = (started.structuredContent as { threadId: string }).threadId;
    await first.client.close();

    const second = await connect({ action: "decline" }, first);
    const reply = await second.client.callTool({
      name: "keel-reply",
      arguments: { conversationId: threadId, prompt: "what was it?" },
    });
    expect(reply.structuredContent).toEqual({ threadId, content: "two" });
    expect(JSON.stringify(first.server.modelRequests()[1]?.body)).toContain("remember 42");
  });

  it("a failed turn is an error result; a cancelled tools/call interrupts its turn", async () => {
    const { client, server, cwd, notifications } = await connect({ action: "decline" });
    server.enqueue(failedTurn("the model broke"));
    const failed = await client.callTool({ name: "keel", arguments: { prompt: "go", cwd } });
    expect(failed.isError).toBe(true);
    expect(JSON.stringify(failed.content)).toContain("the model broke");

    // The model stalls mid-answer; the client gives up on the call (notifications/cancelled).
    server.enqueue(stall(textTurn("never finished"), 2, 60_000));
    const controller = new AbortController();
    const pending = client.callTool({ name: "keel", arguments: { prompt: "slow", cwd } }, undefined, {
      signal: controller.signal,
    });
    await server.waitForModelRequests(2);
    controller.abort();
    await expect(pending).rejects.toThrow();
    // The interrupted thread is free again: its next turn runs (a stalled turn would refuse it).
    const configured = notifications
      .map((n) => n.params as { _meta: { threadId: string }; msg: { type: string } })
      .filter((p) => p.msg.type === "session_configured");
    const threadId = configured.at(-1)?._meta.threadId;
    server.enqueue(textTurn("after"));
    await expect
      .poll(
        async () =>
          (await client.callTool({ name: "keel-reply", arguments: { threadId, prompt: "again" } })).content,
      )
      .toEqual([{ type: "text", text: "after" }]);
  });

  it("a broken config.toml fails the call with its reason, and the server stays up", async () => {
    const server = await startModelServer();
    cleanups.push(() => server.close());
    const home = tempDir("keel-mcp-home-");
    const cwd = tempDir("keel-mcp-cwd-");
    fs.writeFileSync(path.join(home, "config.toml"), "model = \n");
    const { client } = await connect({ action: "decline" }, { server, home, cwd });
    const result = await client.callTool({ name: "keel", arguments: { prompt: "x", cwd } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(
      /Failed to start keel session: .*config\.toml:1:\d+: TOML syntax error/,
    );
    expect((await client.listTools()).tools).toHaveLength(2);
  });

  it("answers bad arguments and unknown threads with an error result", async () => {
    const { client } = await connect({ action: "decline" });
    expect(await client.callTool({ name: "keel", arguments: {} })).toEqual({
      content: [
        { type: "text", text: "Failed to parse configuration for keel tool: missing field `prompt`" },
      ],
      isError: true,
    });
    const unknown = "01a23c02-5028-75d0-8f11-b6e721abd784";
    expect(
      await client.callTool({ name: "keel-reply", arguments: { threadId: unknown, prompt: "x" } }),
    ).toEqual({
      content: [{ type: "text", text: `Session not found for thread_id: ${unknown}` }],
      isError: true,
    });
    const bad = await client.callTool({ name: "keel", arguments: { prompt: "x", sandbox: "everything" } });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toContain("unknown variant `everything` for `sandbox`");
  });
});
