import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StdioServer } from "../app-server/support.js";
import { tempDir } from "../support/tmp.js";
import { FIXTURE, fixtureToml, logFile, readLog } from "./fixture.js";

const servers: StdioServer[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.kill();
});

function start(configToml: string) {
  const home = tempDir("keel-mcp-app-");
  const cwd = path.join(tempDir("keel-mcp-app-cwd-"), "repo");
  fs.mkdirSync(path.join(cwd, ".git"), { recursive: true });
  fs.writeFileSync(path.join(home, "config.toml"), `model = "m"\n${configToml}`);
  const server = new StdioServer(home, [], cwd);
  servers.push(server);
  return { server, cwd };
}

const CRASH = `[mcp_servers.crash]\ncommand = ${JSON.stringify(process.execPath)}\nargs = ["-e", "process.exit(3)"]\nrequired = true\n`;

describe("required MCP servers on thread/start", () => {
  it("fails thread/start with Codex's error and starts no thread when a required server fails", async () => {
    const { server, cwd } = start(
      `[mcp_servers.badcmd]\ncommand = "/nonexistent/keel-mcp-bin"\nrequired = true\n${CRASH}`,
    );
    await server.initialize();
    const response = await server.request(1, "thread/start", { cwd });
    expect(response.error).toEqual({
      code: -32603,
      message:
        "error creating thread: Fatal error: Failed to initialize session: required MCP servers failed to initialize: " +
        "badcmd: No such file or directory (os error 2); crash: handshaking with MCP server failed: connection closed: initialize response: connection closed: initialize response",
    });
    const loaded = await server.request(2, "thread/loaded/list", {});
    expect(loaded.result).toMatchObject({ data: [] });
    expect(server.inbox.received.filter((m) => m.method?.startsWith("thread/"))).toEqual([]);
  });

  it("answers thread/start only once a slow required server is ready", async () => {
    const log = logFile();
    const { server, cwd } = start(
      fixtureToml("slow", ["--log", log, "--start-delay-ms", "1500"], "required = true"),
    );
    await server.initialize();
    const response = await server.request(1, "thread/start", { cwd });
    expect(response.error).toBeUndefined();
    // The reply came after the server answered the whole tools/list.
    expect(readLog(log).some((e) => e.method === "tools/list")).toBe(true);
  });

  it("takes servers from thread/start's config too", async () => {
    const log = logFile();
    const { server, cwd } = start("");
    await server.initialize();
    const response = await server.request(1, "thread/start", {
      cwd,
      config: {
        mcp_servers: {
          perthread: { command: process.execPath, args: [FIXTURE, "--log", log], required: true },
        },
      },
    });
    expect(response.error).toBeUndefined();
    const [start0] = readLog(log);
    expect(start0).toMatchObject({ kind: "start", cwd });
  });
});
