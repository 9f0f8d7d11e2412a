import { afterEach, describe, expect, it } from "vitest";
import { listMcpServersOnce } from "../../src/mcp/list-once.js";
import { createMcpConnectionManager } from "../../src/mcp/manager.js";
import type { McpConnectionManager, McpServerConfig } from "../../src/mcp/types.js";
import { tempDir } from "../support/tmp.js";
import { fixtureServer, logFile, readLog } from "./fixture.js";

const managers: McpConnectionManager[] = [];
afterEach(async () => {
  while (managers.length > 0) await managers.pop()!.shutdown();
});

async function ready(servers: McpServerConfig[]) {
  const m = createMcpConnectionManager(servers, {
    cwd: tempDir("mcp-res-"),
    env: {},
    hooks: { onStatus: () => {}, onElicitation: async () => ({ action: "cancel" }) },
  });
  managers.push(m);
  m.start();
  await m.waitForStarting(20_000);
  return m;
}

const missing = (name: string): McpServerConfig => ({
  ...fixtureServer(name),
  transport: { type: "stdio", command: "/nonexistent/x", args: [], env: null, envVars: [], cwd: null },
});

describe("MCP resources", () => {
  it("lists one server's page, or every ready server's resources (all pages), sorted by server", async () => {
    const m = await ready([fixtureServer("zeta"), fixtureServer("alpha"), missing("broken")]);
    expect(await m.listResources("zeta")).toEqual({
      server: "zeta",
      resources: [{ server: "zeta", uri: "fixture://first", name: "first", mimeType: "text/plain" }],
      nextCursor: "page2",
    });
    expect(await m.listResources("zeta", "page2")).toEqual({
      server: "zeta",
      resources: [{ server: "zeta", uri: "fixture://second", name: "second", mimeType: "text/plain" }],
    });
    const all = (await m.listResources()) as { resources: { server: string; uri: string }[] };
    expect(all.resources.map((r) => `${r.server} ${r.uri}`)).toEqual([
      "alpha fixture://first",
      "alpha fixture://second",
      "zeta fixture://first",
      "zeta fixture://second",
    ]);
    expect(await m.listResourceTemplates()).toEqual({
      resourceTemplates: [
        { server: "alpha", uriTemplate: "fixture://items/{id}", name: "item" },
        { server: "zeta", uriTemplate: "fixture://items/{id}", name: "item" },
      ],
    });
    expect(await m.readResource("alpha", "fixture://first")).toEqual({
      contents: [{ uri: "fixture://first", mimeType: "text/plain", text: "contents of fixture://first" }],
    });
    await expect(m.readResource("broken", "fixture://first")).rejects.toThrow("unknown MCP server 'broken'");
  });
});

describe("listMcpServersOnce", () => {
  it("reports every server with tools and resources, then ends the throw-away children", async () => {
    const log = logFile();
    const listing = await listMcpServersOnce(
      [
        fixtureServer("s", ["--log", log, "--instructions", "hi"], { enabled_tools: ["echo"] }),
        missing("bad"),
        fixtureServer("off", [], { enabled: false }),
      ],
      { cwd: tempDir("mcp-once-"), env: {} },
    );
    expect(listing.map((s) => [s.name, s.runtimeStatus])).toEqual([
      ["s", "connected"],
      ["bad", "failed"],
      ["off", "disabled"],
    ]);
    expect(listing[0]).toMatchObject({
      instructions: "hi",
      tools: [{ name: "echo" }],
      resources: [{ uri: "fixture://first" }, { uri: "fixture://second" }],
      resourceTemplates: [{ uriTemplate: "fixture://items/{id}" }],
    });
    expect(listing[1]!.error).toBe(
      "MCP client for `bad` failed to start: MCP startup failed: No such file or directory (os error 2)",
    );
    const pid = readLog(log)[0]!.pid;
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
