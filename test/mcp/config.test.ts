import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { parseMcpServers } from "../../src/mcp/config.js";
import { world } from "../config/helpers.js";

describe("[mcp_servers] config", () => {
  it("fills Codex's defaults for a stdio server", () => {
    expect(parseMcpServers({ s: { command: "srv" } })).toEqual([
      {
        name: "s",
        transport: { type: "stdio", command: "srv", args: [], env: null, envVars: [], cwd: null },
        enabled: true,
        required: false,
        startupTimeoutMs: 30_000,
        toolTimeoutMs: 300_000,
        enabledTools: null,
        disabledTools: [],
        supportsParallelToolCalls: false,
        defaultToolsApprovalMode: "auto",
        tools: {},
        scopes: null,
        oauthClientId: null,
        oauthResource: null,
      },
    ]);
  });

  it("reads every key, the ms alias, env_vars forms and per-tool overrides", () => {
    const [stdio, http] = parseMcpServers({
      "my server.v2": {
        command: "srv",
        args: ["-x"],
        env: { A: "1" },
        env_vars: ["B", { name: "C", source: "remote" }],
        cwd: "/w",
        startup_timeout_ms: 1500,
        tool_timeout_sec: 1.5,
        enabled: false,
        required: true,
        enabled_tools: ["echo"],
        disabled_tools: ["destroy"],
        supports_parallel_tool_calls: true,
        default_tools_approval_mode: "prompt",
        tools: { echo: { approval_mode: "approve", output_token_limit: 100 } },
        name: "legacy, ignored",
      },
      h: {
        url: "http://127.0.0.1:1/mcp",
        bearer_token_env_var: "TOKEN",
        http_headers: { "x-a": "1" },
        env_http_headers: { "x-b": "B" },
        startup_timeout_sec: 2,
        scopes: ["read"],
        oauth: { client_id: "cid" },
        oauth_resource: "res",
      },
    });
    expect(stdio).toMatchObject({
      name: "my server.v2",
      transport: {
        type: "stdio",
        args: ["-x"],
        env: { A: "1" },
        envVars: [
          { name: "B", source: "local" },
          { name: "C", source: "remote" },
        ],
        cwd: "/w",
      },
      startupTimeoutMs: 1500,
      toolTimeoutMs: 1500,
      enabled: false,
      required: true,
      enabledTools: ["echo"],
      disabledTools: ["destroy"],
      supportsParallelToolCalls: true,
      defaultToolsApprovalMode: "prompt",
      tools: { echo: { approvalMode: "approve", outputTokenLimit: 100 } },
    });
    expect(http).toMatchObject({
      transport: {
        type: "streamable_http",
        url: "http://127.0.0.1:1/mcp",
        bearerTokenEnvVar: "TOKEN",
        httpHeaders: { "x-a": "1" },
        envHttpHeaders: { "x-b": "B" },
      },
      startupTimeoutMs: 2000,
      scopes: ["read"],
      oauthClientId: "cid",
      oauthResource: "res",
    });
  });

  it.each([
    [{ args: [] }, "invalid transport"],
    [{ command: "c", url: "http://x" }, "url is not supported for stdio"],
    [{ command: "c", bearer_token_env_var: "T" }, "bearer_token_env_var is not supported for stdio"],
    [{ command: "c", http_headers_helper: "h" }, "http_headers_helper is not supported for stdio"],
    [{ url: "http://x", env: {} }, "env is not supported for streamable_http"],
    [{ url: "http://x", args: [] }, "args is not supported for streamable_http"],
    [{ url: "http://x", env_vars: [] }, "env_vars is not supported for streamable_http"],
    [{ url: "http://x", cwd: "/" }, "cwd is not supported for streamable_http"],
    [{ url: "http://x", bearer_token: "t" }, "bearer_token is not supported for streamable_http"],
    [
      { command: "c", startup_timeout_sec: -0.5 },
      "cannot convert float seconds to Duration: value is negative",
    ],
    [
      { command: "c", env_vars: [{ name: "X", source: "cloud" }] },
      "unsupported env_vars source `cloud`; expected `local` or `remote`",
    ],
  ])("rejects %j with Codex's text", (table, text) => {
    expect(() => parseMcpServers({ bad: table })).toThrow(new ConfigError(`${text}\nin \`mcp_servers.bad\``));
  });

  // Value errors name the key, as codex 0.169 prints them (captured with `codex exec`).
  it.each([
    [
      { command: "c", tool_timeout_sec: -1 },
      "cannot convert float seconds to Duration: value is negative",
      "tool_timeout_sec",
    ],
    [
      { command: "c", default_tools_approval_mode: "bogus" },
      "unknown variant `bogus`, expected one of `auto`, `prompt`, `writes`, `approve`",
      "default_tools_approval_mode",
    ],
    [{ command: "c", enabled: "yes" }, 'invalid type: string "yes", expected a boolean', "enabled"],
    [{ command: "c", args: ["a", 1] }, "invalid type: integer `1`, expected a string", "args.1"],
    [
      { command: "c", tools: { echo: { approval_mode: "never" } } },
      "unknown variant `never`, expected one of `auto`, `prompt`, `writes`, `approve`",
      "tools.echo.approval_mode",
    ],
  ])("rejects %j naming the key", (table, text, key) => {
    expect(() => parseMcpServers({ bad: table })).toThrow(
      new ConfigError(`${text}\nin \`mcp_servers.bad.${key}\``),
    );
  });

  it("fails the config load with the spec's text", () => {
    const w = world();
    w.user('[mcp_servers.web]\nurl = "http://127.0.0.1:9/mcp"\ncwd = "/tmp"\n');
    expect(() => w.load()).toThrow("cwd is not supported for streamable_http\nin `mcp_servers.web`");
  });

  it("takes servers from per-thread config overrides (thread/start `config`)", () => {
    const w = world();
    w.user('[mcp_servers.base]\ncommand = "a"\n');
    const loaded = w.load({
      sessionConfig: {
        mcp_servers: { extra: { command: "b", args: ["--x"] } },
        "mcp_servers.dotted.command": "c",
      },
    });
    expect(parseMcpServers(loaded.mcpServers).map((s) => s.name)).toEqual(["base", "extra", "dotted"]);
  });
});
