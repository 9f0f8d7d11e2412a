import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.js";
import { StdioServer } from "./support.js";

const servers: StdioServer[] = [];
function start(configToml: string, args: string[] = []) {
  const home = tempDir("keel-app-server-config-");
  const cwd = path.join(tempDir("keel-app-server-cwd-"), "repo");
  fs.mkdirSync(path.join(cwd, ".git"), { recursive: true });
  const userConfig = path.join(home, "config.toml");
  fs.writeFileSync(userConfig, configToml);
  const server = new StdioServer(home, args, cwd);
  servers.push(server);
  return { server, home, cwd, userConfig };
}

afterEach(() => {
  for (const server of servers.splice(0)) server.kill();
});

const BROKEN =
  'model = "m"\n\n[model_providers.broken]\nbase_url = "http://127.0.0.1:9/v1"\nwire_api = "grpc"\n';

describe("configuration errors over the app-server", () => {
  it("a broken provider on thread/start is −32600 with the CLI's located message", async () => {
    const { server, cwd, userConfig } = start(BROKEN);
    await server.initialize();
    const response = await server.request(1, "thread/start", { cwd, modelProvider: "broken" });
    expect(response.error).toEqual({
      code: -32600,
      message: `failed to load configuration: ${userConfig}:5:1: unknown value \`grpc\` for \`model_providers.broken.wire_api\`; expected one of \`responses\`, \`chat\``,
    });
    // Asking for a writable sandbox would mark the project trusted: nothing is written first.
    const writable = await server.request(3, "thread/start", {
      cwd,
      modelProvider: "broken",
      sandbox: "workspace-write",
    });
    expect((writable.error as { code: number }).code).toBe(-32600);
    expect(fs.readFileSync(userConfig, "utf8")).toBe(BROKEN);
    // A thread that does not use it starts.
    const ok = await server.request(2, "thread/start", { cwd });
    expect(ok.error).toBeUndefined();
  });

  it("unrecognized keys arrive as one warning notification in Codex's words", async () => {
    const { server, cwd, userConfig } = start('model = "m"\nbogus_top = 1\n[tui]\nfine = 1\n');
    await server.initialize();
    const response = await server.request(1, "thread/start", { cwd });
    const threadId = (response.result as { thread: { id: string } }).thread.id;
    const warning = await server.inbox.next((m) => m.method === "warning");
    expect(warning.params).toEqual({
      threadId,
      message: `keel is ignoring 1 unrecognized configuration setting. Check for typos or deprecated settings.\n  user (${userConfig}): \`bogus_top\` is ignored.`,
    });
  });

  it("--strict-config: the server does not start with an unrecognized key (exit 1)", async () => {
    const { server, userConfig } = start('model = "m"\nbogus_top = 1\n', ["--strict-config"]);
    expect(await server.exited).toBe(1);
    expect(server.stderr).toBe(
      `keel: ${userConfig}:2:1: unknown configuration field \`bogus_top\`\n  |\n2 | bogus_top = 1\n  | ^^^^^^^^^\n`,
    );
  });

  it("--strict-config: an unrecognized key in a request's config is −32600", async () => {
    const { server, cwd } = start('model = "m"\n', ["--strict-config"]);
    await server.initialize();
    const response = await server.request(1, "thread/start", { cwd, config: { bogus_flag: true } });
    expect(response.error).toEqual({
      code: -32600,
      message: "failed to load configuration: -c override: unknown configuration field `bogus_flag`",
    });
    expect((await server.request(2, "thread/start", { cwd })).error).toBeUndefined();
  });
});
