import { afterEach, describe, expect, it } from "vitest";
import { KEEL_VERSION } from "../../src/cli/version.js";
import { parseMcpServers } from "../../src/mcp/config.js";
import { createMcpConnectionManager } from "../../src/mcp/manager.js";
import type { McpConnectionManager } from "../../src/mcp/types.js";
import type { McpStartupStatus } from "../../src/protocol/events.js";
import { tempDir } from "../support/tmp.js";
import { httpFixture, logFile, readLog } from "./fixture.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function connect(table: Record<string, unknown>, env: Record<string, string>) {
  const log = logFile();
  const fixture = await httpFixture(["--log", log]);
  cleanups.push(fixture.stop);
  const statuses: McpStartupStatus[] = [];
  const m: McpConnectionManager = createMcpConnectionManager(
    parseMcpServers({ web: { url: fixture.url, ...table } }),
    {
      cwd: tempDir("mcp-http-"),
      env,
      hooks: {
        onStatus: (_s, status) => statuses.push(status),
        onElicitation: async () => ({ action: "cancel" }),
      },
    },
  );
  cleanups.push(() => m.shutdown());
  m.start();
  await m.waitForStarting(20_000);
  return { m, log, statuses, url: fixture.url };
}

describe("streamable HTTP servers", () => {
  it("sends Codex's user-agent, the bearer token, static and env headers", async () => {
    const { m, log, url } = await connect(
      {
        bearer_token_env_var: "MY_TOKEN",
        http_headers: { "x-static": "s1" },
        env_http_headers: { "x-from-env": "HEADER_VAR", "x-missing": "UNSET_VAR" },
      },
      { MY_TOKEN: "tok-123", HEADER_VAR: "h1" },
    );
    expect(m.servers()[0]).toMatchObject({ runtimeStatus: "connected", httpOrigin: new URL(url).origin });
    expect(await m.callTool("web", "echo", { text: "over http" })).toEqual({
      content: [{ type: "text", text: "over http" }],
    });
    const requests = readLog(log).filter((e) => e.kind === "http");
    expect(requests.length).toBeGreaterThan(2);
    for (const { headers } of requests as unknown as { headers: Record<string, string> }[]) {
      expect(headers).toMatchObject({
        "user-agent": `codex-mcp-client/${KEEL_VERSION}`,
        authorization: "Bearer tok-123",
        "x-static": "s1",
        "x-from-env": "h1",
      });
      expect(headers["x-missing"]).toBeUndefined();
    }
    const methods = readLog(log)
      .filter((e) => e.kind === "message")
      .map((e) => e.method);
    expect(methods).toEqual(["initialize", "notifications/initialized", "tools/list", "tools/call"]);
    // After initialize, requests carry the session and the negotiated protocol version.
    const last = requests.at(-1) as unknown as { headers: Record<string, string> };
    expect(last.headers["mcp-protocol-version"]).toBe("2025-06-18");
    expect(last.headers["mcp-session-id"]).toEqual(expect.any(String));
    // Shutting down ends the HTTP session.
    await m.shutdown();
    expect(readLog(log).some((e) => e.kind === "http" && e.method === "DELETE")).toBe(true);
  });

  it("fails start-up when the bearer token variable is not set", async () => {
    const { m, log, statuses } = await connect({ bearer_token_env_var: "NO_SUCH_TOKEN" }, {});
    const error =
      "MCP client for `web` failed to start: MCP startup failed: Environment variable NO_SUCH_TOKEN for MCP server 'web' is not set";
    expect(statuses).toEqual([{ state: "starting" }, { state: "failed", error }]);
    expect(m.servers()[0]).toMatchObject({ runtimeStatus: "failed", error });
    expect(readLog(log).filter((e) => e.kind === "http")).toEqual([]);
  });
});
