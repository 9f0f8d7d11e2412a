import { afterEach, describe, expect, it } from "vitest";
import { KEEL_VERSION } from "../../src/cli/version.js";
import { createMcpConnectionManager } from "../../src/mcp/manager.js";
import {
  McpCallError,
  type McpConnectionManager,
  type McpElicitationResult,
  type McpManagerHooks,
  McpRequiredServersError,
  type McpServerConfig,
} from "../../src/mcp/types.js";
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
  it("spawns nothing when shut down before it started (a thread closed at once)", async () => {
    const log = logFile();
    const r = recorder();
    const m = manager([fixtureServer("s", ["--log", log])], r.hooks);
    await m.shutdown();
    m.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(r.statuses).toEqual([]);
    expect(readLog(log)).toEqual([]);
  });

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

async function ready(servers: McpServerConfig[], env: Record<string, string> = {}) {
  const r = recorder();
  const m = manager(servers, r.hooks, env);
  m.start();
  await m.waitForStarting(20_000);
  return { m, r };
}

describe("MCP tool calls", () => {
  it("times out with Codex's text and cancels the request on the server", async () => {
    const log = logFile();
    const { m } = await ready([fixtureServer("s", ["--log", log], { tool_timeout_sec: 1.5 })]);
    const error = await m.callTool("s", "slow", { ms: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpCallError);
    expect((error as Error).message).toBe(
      "tool call failed for `s/slow`\n\nCaused by:\n    timed out awaiting tools/call after 1s",
    );
    const call = readLog(log).find((e) => e.method === "tools/call")!;
    const cancel = await eventually(() => readLog(log).find((e) => e.method === "notifications/cancelled"));
    expect(cancel.params).toEqual({ requestId: call.id, reason: "MCP request cancelled by caller" });
  });

  it("sends notifications/cancelled when the caller aborts", async () => {
    const log = logFile();
    const { m } = await ready([fixtureServer("s", ["--log", log])]);
    const abort = new AbortController();
    const pending = m
      .callTool("s", "slow", { ms: 10_000 }, { signal: abort.signal })
      .catch((e: unknown) => e);
    await eventually(() => readLog(log).find((e) => e.method === "tools/call"));
    abort.abort();
    expect(await pending).toBeInstanceOf(McpCallError);
    const cancel = await eventually(() => readLog(log).find((e) => e.method === "notifications/cancelled"));
    expect(cancel.params).toMatchObject({ reason: "MCP request cancelled by caller" });
    await eventually(() => readLog(log).find((e) => e.kind === "slow_cancelled"));
  });

  it("reports a JSON-RPC error as `Mcp error: <code>: <message>`", async () => {
    const { m } = await ready([fixtureServer("s")]);
    await expect(m.callTool("s", "throw", {})).rejects.toThrow(
      new McpCallError("tool call failed for `s/throw`\n\nCaused by:\n    Mcp error: -32603: boom"),
    );
  });
});

describe("MCP server start-up", () => {
  it("gives the child only the whitelisted environment, then env_vars, then env; cwd defaults to the thread's", async () => {
    const log = logFile();
    const own = {
      HOME: "/home/u",
      PATH: "/usr/bin:/bin",
      LANG: "C.UTF-8",
      TZ: "UTC",
      OPENAI_API_KEY: "sk-secret",
      KEEL_HOME: "/k",
      HTTPS_PROXY: "http://proxy",
      MY_VAR: "mine",
      REMOTE_ONLY: "r",
      OVERRIDDEN: "from keel",
    };
    const cwd = tempDir("mcp-thread-cwd-");
    const r = recorder();
    const m = createMcpConnectionManager(
      [
        fixtureServer("s", ["--log", log], {
          env_vars: ["MY_VAR", { name: "REMOTE_ONLY", source: "remote" }, "OVERRIDDEN", "UNSET_VAR"],
          env: { OVERRIDDEN: "from env", EXTRA: "x" },
        }),
      ],
      { cwd, env: own, hooks: r.hooks },
    );
    managers.push(m);
    m.start();
    await m.waitForStarting(20_000);
    const start = readLog(log).find((e) => e.kind === "start")!;
    expect(start.cwd).toBe(cwd);
    expect(start.env).toEqual({
      HOME: "/home/u",
      PATH: "/usr/bin:/bin",
      LANG: "C.UTF-8",
      TZ: "UTC",
      MY_VAR: "mine",
      OVERRIDDEN: "from env",
      EXTRA: "x",
    });
  });

  it("uses the configured cwd when there is one", async () => {
    const log = logFile();
    const dir = tempDir("mcp-own-cwd-");
    await ready([fixtureServer("s", ["--log", log], { cwd: dir })]);
    expect(readLog(log)[0]).toMatchObject({ kind: "start", cwd: dir });
  });

  it("fails a server that does not finish tools/list within startup_timeout", async () => {
    const { m, r } = await ready([
      // Generous timeouts: spawning node alone can take a second on a loaded machine.
      fixtureServer("late", ["--tools-delay-ms", "30000"], { startup_timeout_ms: 4000 }),
      fixtureServer("slowinit", ["--start-delay-ms", "30000"], { startup_timeout_sec: 4.5 }),
      fixtureServer("fine", [], {}),
    ]);
    const prefix = (name: string) => `MCP client for \`${name}\` failed to start: MCP startup failed: `;
    expect(r.statuses).toContainEqual([
      "late",
      { state: "failed", error: `${prefix("late")}timed out awaiting tools/list after 4s` },
    ]);
    // Codex prints the time left here (`4.499999529s`); keel the timeout.
    expect(r.statuses).toContainEqual([
      "slowinit",
      {
        state: "failed",
        error: `${prefix("slowinit")}timed out handshaking with MCP server after 4.5s: deadline has elapsed`,
      },
    ]);
    expect(m.servers().map((s) => s.runtimeStatus)).toEqual(["failed", "failed", "connected"]);
  });

  it("waitForRequired rejects with every failed required server", async () => {
    const r = recorder();
    const m = manager(
      [
        { ...fixtureServer("ok"), required: true },
        { ...fixtureServer("bad"), required: true, transport: { ...stdio("/nonexistent/x") } },
        { ...fixtureServer("optional"), transport: { ...stdio("/nonexistent/y") } },
      ],
      r.hooks,
    );
    m.start();
    const error = await m.waitForRequired().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpRequiredServersError);
    expect((error as Error).message).toBe(
      "required MCP servers failed to initialize: bad: No such file or directory (os error 2)",
    );
  });

  it("reload starts new servers, stops removed ones and re-reports running ones", async () => {
    const logA = logFile();
    const a = fixtureServer("a", ["--log", logA]);
    const b = fixtureServer("b");
    const logGone = logFile();
    const { m, r } = await ready([a, fixtureServer("gone", ["--log", logGone])]);
    r.statuses.length = 0;
    m.reload([a, b]);
    await eventually(() => (r.completes.length === 2 ? true : undefined));
    expect(r.statuses).toEqual([
      ["b", { state: "starting" }],
      ["a", { state: "ready" }],
      ["b", { state: "ready" }],
    ]);
    expect(r.completes[1]).toEqual({ ready: ["a", "b"], failed: [], cancelled: [] });
    expect(m.servers().map((s) => s.name)).toEqual(["a", "b"]);
    expect(m.tools().some((t) => t.server === "b")).toBe(true);
    // The removed server's child ends; `a` kept its process.
    const gonePid = readLog(logGone)[0]!.pid;
    await eventually(() => (isAlive(gonePid) ? undefined : true));
    expect(
      new Set(
        readLog(logA)
          .filter((e) => e.kind === "start")
          .map((e) => e.pid),
      ).size,
    ).toBe(1);
  });

  it("reload applies a changed table of a running server: disabled, disabled_tools, new args", async () => {
    const logA = logFile();
    const logB = logFile();
    const a = fixtureServer("a", ["--log", logA]);
    const b = fixtureServer("b", ["--log", logB]);
    const { m, r } = await ready([a, b]);
    const firstPidA = readLog(logA)[0]!.pid;
    // `a` is switched off and `b` loses a tool: neither may keep being offered (fail closed).
    m.reload([
      { ...a, enabled: false },
      { ...b, disabledTools: ["destroy"] },
    ]);
    await eventually(() => (r.completes.length === 2 ? true : undefined));
    expect(m.tools().some((t) => t.server === "a")).toBe(false);
    expect(
      m
        .tools()
        .filter((t) => t.server === "b")
        .map((t) => t.name),
    ).not.toContain("destroy");
    expect(m.servers().find((s) => s.name === "a")?.runtimeStatus).toBe("disabled");
    await eventually(() => (isAlive(firstPidA) ? undefined : true));
    await expect(m.callTool("a", "echo", { text: "x" })).rejects.toThrow();
    // A server whose launch line changed runs the new one.
    const logA2 = logFile();
    m.reload([fixtureServer("a", ["--log", logA2]), { ...b, disabledTools: ["destroy"] }]);
    await eventually(() => (readLog(logA2).some((e) => e.method === "tools/list") ? true : undefined));
    await eventually(() => (m.tools().some((t) => t.server === "a") ? true : undefined));
    // An unchanged table keeps its process.
    expect(
      new Set(
        readLog(logB)
          .filter((e) => e.kind === "start")
          .map((e) => e.pid),
      ).size,
    ).toBe(2);
  });
});

function stdio(command: string): McpServerConfig["transport"] {
  return { type: "stdio", command, args: [], env: null, envVars: [], cwd: null };
}

describe("MCP elicitation", () => {
  it("passes elicitation/create to the hook and the answer back to the server (content only on accept)", async () => {
    const log = logFile();
    const asked: unknown[] = [];
    let answer: McpElicitationResult = { action: "accept", content: { name: "Bob" } };
    const hooks: McpManagerHooks = {
      onStatus: () => {},
      onElicitation: async (server, request) => {
        asked.push({ server, request });
        return answer;
      },
    };
    const m = manager([fixtureServer("s", ["--log", log])], hooks);
    m.start();
    await m.waitForStarting(20_000);
    await m.callTool("s", "elicit", {});
    expect(asked).toEqual([
      {
        server: "s",
        request: {
          mode: "form",
          message: "What is your name?",
          requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
          _meta: null,
        },
      },
    ]);
    answer = { action: "decline", content: { ignored: true } };
    await m.callTool("s", "elicit", {});
    expect(
      readLog(log)
        .filter((e) => e.kind === "elicitation_answer")
        .map((e) => e.answer),
    ).toEqual([{ action: "accept", content: { name: "Bob" } }, { action: "decline" }]);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("waitForStarting", () => {
  it("returns after maxMs while a server is still starting; it becomes ready later", async () => {
    const r = recorder();
    const m = manager([fixtureServer("late", ["--start-delay-ms", "2000"])], r.hooks);
    m.start();
    await m.waitForStarting(50);
    expect(m.servers()[0]!.runtimeStatus).toBe("starting");
    expect(m.tools()).toEqual([]);
    await m.waitForStarting(20_000);
    expect(m.servers()[0]!.runtimeStatus).toBe("connected");
  });
});
