import { afterEach, describe, expect, it } from "vitest";
import { KEEL_VERSION } from "../../src/cli/version.js";
import { createMcpConnectionManager } from "../../src/mcp/manager.js";
import type { McpConnectionManager, McpManagerHooks, McpServerConfig } from "../../src/mcp/types.js";
import type { McpStartupStatus } from "../../src/protocol/events.js";
import { tempDir } from "../support/tmp.js";
import { eventually, fixtureServer, logFile, readLog } from "./fixture.js";

const managers: McpConnectionManager[] = [];
afterEach(async () => {
  while (managers.length > 0) await managers.pop()!.shutdown();
});

function recorder() {
  const statuses: [string, McpStartupStatus][] = [];
  const completes: unknown[] = [];
  const hooks: McpManagerHooks = {
    onStatus: (server, status) => statuses.push([server, status]),
    onStartupComplete: (summary) => completes.push(summary),
    onElicitation: async () => ({ action: "cancel" }),
  };
  return { statuses, completes, hooks };
}

function manager(servers: McpServerConfig[], hooks: McpManagerHooks, env: Record<string, string> = {}) {
  const m = createMcpConnectionManager(servers, { cwd: tempDir("mcp-cwd-"), env, hooks });
  managers.push(m);
  return m;
}

describe("MCP connection manager (stdio)", () => {
  it("handshakes like Codex, lists tools with a progress token and reports starting → ready", async () => {
    const log = logFile();
    const r = recorder();
    const m = manager([fixtureServer("s", ["--log", log, "--instructions", "Use s."])], r.hooks);
    m.start();
    await m.waitForStarting(20_000);
    expect(r.statuses).toEqual([
      ["s", { state: "starting" }],
      ["s", { state: "ready" }],
    ]);
    await eventually(() => (r.completes.length > 0 ? true : undefined));
    expect(r.completes).toEqual([{ ready: ["s"], failed: [], cancelled: [] }]);

    const messages = readLog(log).filter((e) => e.kind === "message");
    expect(messages.map((e) => e.method)).toEqual(["initialize", "notifications/initialized", "tools/list"]);
    expect(messages[0]!.params).toEqual({
      protocolVersion: "2025-06-18",
      clientInfo: { name: "codex-mcp-client", title: "Codex", version: KEEL_VERSION },
      capabilities: { elicitation: { form: {}, url: {} }, experimental: { "codex/auth-change": {} } },
    });
    expect(messages[2]!.params).toEqual({ _meta: { progressToken: 0 } });

    const [snapshot] = m.servers();
    expect(snapshot).toMatchObject({
      name: "s",
      runtimeStatus: "connected",
      error: null,
      instructions: "Use s.",
      serverInfo: { name: "fixture", version: "1.0.0" },
      httpOrigin: null,
    });
    expect(m.tools().map((t) => t.name)).toEqual([
      "destroy",
      "echo",
      "elicit",
      "fail",
      "image",
      "plain",
      "slow",
      "structured",
      "throw",
    ]);
    expect(m.tools().find((t) => t.name === "echo")).toMatchObject({
      server: "s",
      annotations: { readOnlyHint: true },
      inputSchema: { type: "object", properties: { text: { type: "string" } } },
    });
  });

  it("applies enabled_tools, then disabled_tools, and keeps disabled servers unspawned", async () => {
    const log = logFile();
    const r = recorder();
    const m = manager(
      [
        fixtureServer("a", [], { enabled_tools: ["echo", "plain", "destroy"], disabled_tools: ["destroy"] }),
        fixtureServer("off", ["--log", log], { enabled: false }),
      ],
      r.hooks,
    );
    m.start();
    await m.waitForStarting(20_000);
    expect(m.tools().map((t) => `${t.server}/${t.name}`)).toEqual(["a/echo", "a/plain"]);
    expect(r.statuses.map(([s]) => s)).toEqual(["a", "a"]);
    expect(m.servers().map((s) => [s.name, s.runtimeStatus])).toEqual([
      ["a", "connected"],
      ["off", "disabled"],
    ]);
    expect(readLog(log)).toEqual([]);
  });

  it("calls tools and passes _meta through; isError results are returned as they are", async () => {
    const log = logFile();
    const m = manager([fixtureServer("s", ["--log", log])], recorder().hooks);
    m.start();
    await m.waitForStarting(20_000);
    expect(await m.callTool("s", "echo", { text: "hi" }, { meta: { callId: "c1" } })).toEqual({
      content: [{ type: "text", text: "hi" }],
    });
    expect(await m.callTool("s", "structured", {})).toMatchObject({ structuredContent: { answer: 42 } });
    expect(await m.callTool("s", "fail", {})).toMatchObject({ isError: true });
    const call = readLog(log).find((e) => e.method === "tools/call");
    expect(call?.params).toEqual({ name: "echo", arguments: { text: "hi" }, _meta: { callId: "c1" } });
  });

  it("reports a missing binary as a failed start with Codex's text", async () => {
    const r = recorder();
    const m = manager(
      [
        {
          ...fixtureServer("badcmd"),
          transport: { ...fixtureServer("x").transport, command: "/nonexistent/mcp-bin" } as never,
        },
      ],
      r.hooks,
    );
    m.start();
    await m.waitForStarting(20_000);
    const error =
      "MCP client for `badcmd` failed to start: MCP startup failed: No such file or directory (os error 2)";
    expect(r.statuses).toEqual([
      ["badcmd", { state: "starting" }],
      ["badcmd", { state: "failed", error }],
    ]);
    expect(m.servers()[0]).toMatchObject({ runtimeStatus: "failed", error });
  });

  it("ends the children at shutdown", async () => {
    const log = logFile();
    const m = manager([fixtureServer("s", ["--log", log])], recorder().hooks);
    m.start();
    await m.waitForStarting(20_000);
    const pid = readLog(log)[0]!.pid;
    await m.shutdown();
    expect(readLog(log).some((e) => e.kind === "stdin_eof" || e.kind === "signal")).toBe(true);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
