import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureToml, logFile, readLog } from "../mcp/fixture.js";
import { textTurn } from "../support/model-server.js";
import {
  type Fixture,
  fixture,
  type Message,
  type Peer,
  stdioServer,
  text,
  turnCompleted,
} from "./support.js";

/** Spec mcp.md §2 and §7 through the real app-server (`keel app-server` over stdio). */

const RESOURCE_SERVER = path.resolve(import.meta.dirname, "../support/mcp-oauth-server.mjs");

/** A stdio server with resources (the OAuth fixture in `--stdio` mode). */
function resourceServerToml(name: string): string {
  return `[mcp_servers.${name}]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(RESOURCE_SERVER)}, "--stdio"]\n`;
}

const statusOf = (peer: Peer, name: string, status: string) =>
  peer.notification("mcpServer/startupStatus/updated", (p) => p.name === name && p.status === status, 20_000);

/** Everything received, in order: responses as `#id`, start-up statuses as `status:NAME:STATE`. */
function trail(peer: Peer): string[] {
  return peer.received.map((m: Message) =>
    m.method === "mcpServer/startupStatus/updated"
      ? `status:${m.params.name}:${m.params.status}`
      : (m.method ?? `#${m.id}`),
  );
}

async function startThread(fx: Fixture, peer: Peer, params: Record<string, unknown> = {}) {
  const response = await peer.call("thread/start", { cwd: fx.workspace, ...params });
  expect(response.error).toBeUndefined();
  return { id: response.result.thread.id as string, responseId: response.id as number };
}

describe("mcpServer/startupStatus/updated on the wire", () => {
  it("thread/start: reply, thread/started, the starting burst, then ready; a disabled server says nothing", async () => {
    const fx = await fixture({
      extraToml: fixtureToml("alpha") + fixtureToml("beta") + fixtureToml("off", [], "enabled = false"),
    });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const thread = await startThread(fx, peer);
    const alphaReady = await statusOf(peer, "alpha", "ready");
    await statusOf(peer, "beta", "ready");

    const order = trail(peer).filter(
      (t) => t.startsWith("status:") || t === "thread/started" || t === `#${thread.responseId}`,
    );
    expect(order.slice(0, 4)).toEqual([
      `#${thread.responseId}`,
      "thread/started",
      "status:alpha:starting",
      "status:beta:starting",
    ]);
    expect(order.slice(4).sort()).toEqual(["status:alpha:ready", "status:beta:ready"]);
    expect(alphaReady.params).toEqual({
      threadId: thread.id,
      name: "alpha",
      status: "ready",
      error: null,
      failureReason: null,
    });
  });

  it("reports a server that cannot start as failed with Codex's text", async () => {
    const fx = await fixture({
      extraToml: `[mcp_servers.broken]\ncommand = "/nonexistent/keel-mcp-server"\n`,
    });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const thread = await startThread(fx, peer);
    const failed = await statusOf(peer, "broken", "failed");
    expect(failed.params).toEqual({
      threadId: thread.id,
      name: "broken",
      status: "failed",
      error:
        "MCP client for `broken` failed to start: MCP startup failed: No such file or directory (os error 2)",
      failureReason: null,
    });
  });

  it("thread/resume: the starting burst precedes the response", async () => {
    const fx = await fixture({ extraToml: fixtureToml("alpha") });
    const first = stdioServer(fx, "first");
    await first.peer.initialize();
    const { id: threadId } = await startThread(fx, first.peer);
    fx.model.enqueue(textTurn("done"));
    const { turn } = await first.peer.request("turn/start", { threadId, input: text("hi") });
    await turnCompleted(first.peer, turn.id);
    first.peer.close();
    await first.exited;

    const second = stdioServer(fx, "second");
    await second.peer.initialize();
    const response = await second.peer.call("thread/resume", { threadId });
    expect(response.error).toBeUndefined();
    await statusOf(second.peer, "alpha", "ready");
    const seen = trail(second.peer);
    const at = seen.indexOf(`#${response.id}`);
    expect(seen.indexOf("status:alpha:starting")).toBeGreaterThan(-1);
    expect(seen.indexOf("status:alpha:starting")).toBeLessThan(at);
    expect(seen.indexOf("status:alpha:ready")).toBeGreaterThan(seen.indexOf("status:alpha:starting"));
  });
});

describe("mcpServerStatus/list", () => {
  it("reports a thread's servers (connected, failed, disabled), both detail levels, serverName and pages", async () => {
    const fx = await fixture({
      extraToml:
        fixtureToml(
          "alpha",
          ["--name", "alpha-server", "--instructions", "use alpha"],
          'disabled_tools = ["destroy"]',
        ) +
        resourceServerToml("docs") +
        `[mcp_servers.broken]\ncommand = "/nonexistent/keel-mcp-server"\n` +
        fixtureToml("off", [], "enabled = false"),
    });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { id: threadId } = await startThread(fx, peer);
    await statusOf(peer, "alpha", "ready");
    await statusOf(peer, "docs", "ready");
    await statusOf(peer, "broken", "failed");

    const full = await peer.request("mcpServerStatus/list", { threadId });
    expect(full.nextCursor).toBeNull();
    expect(full.data.map((s: Message) => [s.name, s.runtimeStatus, s.authStatus])).toEqual([
      ["alpha", "connected", "unsupported"],
      ["broken", "failed", "unsupported"],
      ["docs", "connected", "unsupported"],
      ["off", "disabled", "unsupported"],
    ]);
    const [alpha, broken, docs, off] = full.data as Message[];
    // Tools keyed by their raw names, filtered like the model's, as the server listed them.
    expect(Object.keys(alpha!.tools).sort()).toEqual(
      ["echo", "elicit", "fail", "image", "plain", "slow", "structured", "throw"].sort(),
    );
    expect(alpha!.tools.echo).toEqual({
      name: "echo",
      description: "Echoes the text back.",
      inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
      annotations: { readOnlyHint: true },
    });
    expect(alpha).toMatchObject({
      serverInfo: { name: "alpha-server", title: null, description: null, icons: null, websiteUrl: null },
      serverCapabilities: { tools: {} },
      toolsError: null,
      httpOrigin: null,
      pluginId: null,
      toolListMeta: null,
    });
    // Each server's own objects, without the manager's `server` tag.
    expect(alpha!.resources.map((r: Message) => Object.keys(r).sort())).toEqual([
      ["mimeType", "name", "uri"],
      ["mimeType", "name", "uri"],
    ]);
    expect(broken).toMatchObject({
      tools: {},
      serverInfo: null,
      toolsError: "MCP startup failed: No such file or directory (os error 2)",
    });
    expect(docs!.resources).toEqual([{ uri: "file:///readme.txt", name: "readme", mimeType: "text/plain" }]);
    expect(docs!.resourceTemplates).toEqual([{ uriTemplate: "file:///{name}", name: "files" }]);
    expect(off).toMatchObject({ tools: {}, serverInfo: null, toolsError: null });

    const lean = await peer.request("mcpServerStatus/list", { threadId, detail: "toolsAndAuthOnly" });
    const leanDocs = lean.data.find((s: Message) => s.name === "docs");
    expect(leanDocs).toMatchObject({ resources: [], resourceTemplates: [], runtimeStatus: "connected" });
    expect(Object.keys(leanDocs.tools)).toEqual(["whoami"]);

    const one = await peer.request("mcpServerStatus/list", { threadId, serverName: "docs" });
    expect(one.data.map((s: Message) => s.name)).toEqual(["docs"]);
    expect(await peer.request("mcpServerStatus/list", { threadId, serverName: "nope" })).toEqual({
      data: [],
      nextCursor: null,
    });

    const page1 = await peer.request("mcpServerStatus/list", { threadId, limit: 3 });
    expect(page1.data.map((s: Message) => s.name)).toEqual(["alpha", "broken", "docs"]);
    expect(page1.nextCursor).toBe("3");
    const page2 = await peer.request("mcpServerStatus/list", {
      threadId,
      limit: 3,
      cursor: page1.nextCursor,
    });
    expect(page2).toMatchObject({ data: [{ name: "off" }], nextCursor: null });

    expect((await peer.call("mcpServerStatus/list", { threadId: "no-such-thread" })).error).toEqual({
      code: -32600,
      message: "thread not found: no-such-thread",
    });
  });

  it("without threadId connects afresh (runtimeStatus null) and closes the connections again", async () => {
    const log = logFile();
    const fx = await fixture({
      extraToml: fixtureToml("alpha", ["--log", log]) + fixtureToml("off", [], "enabled = false"),
    });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const listed = await peer.request("mcpServerStatus/list", {});
    expect(listed.data.map((s: Message) => [s.name, s.runtimeStatus])).toEqual([
      ["alpha", null],
      ["off", null],
    ]);
    expect(Object.keys(listed.data[0].tools)).toContain("echo");
    expect(listed.data[0].serverInfo).toMatchObject({ name: "fixture" });
    // A real child answered, and it is gone once the listing is done.
    const starts = readLog(log).filter((e) => e.kind === "start");
    expect(starts).toHaveLength(1);
    expect(() => process.kill(starts[0]!.pid, 0)).toThrow();
    // No thread: no start-up notifications.
    expect(peer.received.some((m) => m.method === "mcpServer/startupStatus/updated")).toBe(false);
  });
});

describe("mcpServer/tool/call and mcpServer/resource/read", () => {
  it("calls a tool directly: no approval, no items, the raw result; unknown servers are -32603", async () => {
    const log = logFile();
    const fx = await fixture({
      topLevel: { approval_policy: "untrusted" },
      extraToml: fixtureToml("alpha", ["--log", log]),
    });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { id: threadId } = await startThread(fx, peer);
    await statusOf(peer, "alpha", "ready");

    // `destroy` needs approval inside a turn; called directly it just runs.
    const destroyed = await peer.request("mcpServer/tool/call", {
      threadId,
      server: "alpha",
      tool: "destroy",
    });
    expect(destroyed).toEqual({ content: [{ type: "text", text: "destroyed" }] });
    const echoed = await peer.request("mcpServer/tool/call", {
      threadId,
      server: "alpha",
      tool: "echo",
      arguments: { text: "hi" },
      _meta: { origin: "test" },
    });
    expect(echoed.content[0].text).toContain("hi");
    const call = readLog(log).find(
      (e) => e.kind === "message" && e.method === "tools/call" && (e as Message).params?.name === "echo",
    ) as Message;
    expect(call.params.arguments).toEqual({ text: "hi" });
    expect(call.params._meta).toMatchObject({ origin: "test" });
    const structured = await peer.request("mcpServer/tool/call", {
      threadId,
      server: "alpha",
      tool: "structured",
    });
    expect(structured).toEqual({
      content: [{ type: "text", text: '{"answer":42}' }],
      structuredContent: { answer: 42 },
    });
    const failed = await peer.request("mcpServer/tool/call", { threadId, server: "alpha", tool: "fail" });
    expect(failed).toEqual({ content: [{ type: "text", text: "it failed" }], isError: true });

    expect(peer.received.some((m) => m.method === "mcpServer/elicitation/request")).toBe(false);
    expect(peer.received.some((m) => m.method === "item/started")).toBe(false);
    expect(
      (await peer.call("mcpServer/tool/call", { threadId, server: "nope", tool: "echo" })).error,
    ).toEqual({
      code: -32603,
      message: "unknown MCP server 'nope'",
    });
    expect(
      (await peer.call("mcpServer/tool/call", { threadId: "no-such-thread", server: "alpha", tool: "echo" }))
        .error,
    ).toEqual({ code: -32600, message: "thread not found: no-such-thread" });
  });

  it("reads a resource with and without a thread; MCP errors keep their code", async () => {
    const fx = await fixture({ extraToml: resourceServerToml("docs") });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { id: threadId } = await startThread(fx, peer);
    await statusOf(peer, "docs", "ready");
    const expected = {
      contents: [
        { uri: "file:///readme.txt", mimeType: "text/plain", text: "hello from a protected resource" },
      ],
      originCallId: null,
    };
    expect(
      await peer.request("mcpServer/resource/read", { threadId, server: "docs", uri: "file:///readme.txt" }),
    ).toEqual(expected);
    expect(
      await peer.request("mcpServer/resource/read", { server: "docs", uri: "file:///readme.txt" }),
    ).toEqual(expected);
    const missing = await peer.call("mcpServer/resource/read", {
      threadId,
      server: "docs",
      uri: "file:///nope",
    });
    expect(missing.error).toEqual({
      code: -32002,
      message: "MCP error -32002: Resource file:///nope not found",
    });
    expect(
      (await peer.call("mcpServer/resource/read", { threadId, server: "nope", uri: "x:" })).error,
    ).toEqual({
      code: -32603,
      message: "unknown MCP server 'nope'",
    });
    expect((await peer.call("mcpServer/resource/read", { server: "nope", uri: "x:" })).error).toEqual({
      code: -32603,
      message: "unknown MCP server 'nope'",
    });
  });
});

describe("config/mcpServer/reload", () => {
  it("starts a server added to config.toml in every loaded thread; running ones report ready again", async () => {
    const fx = await fixture({ extraToml: fixtureToml("alpha") });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { id: threadId } = await startThread(fx, peer);
    await statusOf(peer, "alpha", "ready");

    fs.appendFileSync(path.join(fx.home, "config.toml"), fixtureToml("beta"));
    expect(await peer.request("config/mcpServer/reload", null)).toEqual({});
    const betaStarting = await statusOf(peer, "beta", "starting");
    expect(betaStarting.params.threadId).toBe(threadId);
    await statusOf(peer, "alpha", "ready");
    await statusOf(peer, "beta", "ready");
    const listed = await peer.request("mcpServerStatus/list", { threadId });
    expect(listed.data.map((s: Message) => [s.name, s.runtimeStatus])).toEqual([
      ["alpha", "connected"],
      ["beta", "connected"],
    ]);
    const called = await peer.request("mcpServer/tool/call", { threadId, server: "beta", tool: "plain" });
    expect(called.content).toHaveLength(1);
  });

  it("gives a thread that had no server its first one", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { id: threadId } = await startThread(fx, peer);
    fs.appendFileSync(path.join(fx.home, "config.toml"), fixtureToml("late"));
    expect(await peer.request("config/mcpServer/reload")).toEqual({});
    await statusOf(peer, "late", "ready");
    const listed = await peer.request("mcpServerStatus/list", { threadId });
    expect(listed.data.map((s: Message) => [s.name, s.runtimeStatus])).toEqual([["late", "connected"]]);
  });
});
