import { ConfigError } from "../config/errors.js";
import type {
  McpApprovalMode,
  McpEnvVar,
  McpServerConfig,
  McpToolOverride,
  McpTransportConfig,
} from "./types.js";

/** Codex's defaults (spec mcp.md §1). */
export const DEFAULT_STARTUP_TIMEOUT_MS = 30_000;
export const DEFAULT_TOOL_TIMEOUT_MS = 300_000;

type Table = Record<string, unknown>;

/**
 * Validates `[mcp_servers.*]` tables (raw TOML values, layers already merged) into
 * `McpServerConfig`s in table order. Errors carry Codex's texts, suffixed with
 * `` in `mcp_servers.NAME` `` so the user finds the table.
 */
export function parseMcpServers(raw: Readonly<Record<string, Table>>): McpServerConfig[] {
  return Object.entries(raw).map(([name, table]) => {
    try {
      return parseServer(name, table);
    } catch (error) {
      if (error instanceof ServerKeyError)
        throw new ConfigError(`${error.message} in \`mcp_servers.${name}\``);
      throw error;
    }
  });
}

class ServerKeyError extends Error {}

function fail(message: string): never {
  throw new ServerKeyError(message);
}

function parseServer(name: string, t: Table): McpServerConfig {
  const transport = parseTransport(t);
  const startupMs =
    t.startup_timeout_sec !== undefined
      ? seconds(t.startup_timeout_sec, "startup_timeout_sec")
      : t.startup_timeout_ms !== undefined
        ? nonNegativeInt(t.startup_timeout_ms, "startup_timeout_ms")
        : DEFAULT_STARTUP_TIMEOUT_MS;
  return {
    name,
    transport,
    enabled: bool(t.enabled, "enabled", true),
    required: bool(t.required, "required", false),
    startupTimeoutMs: startupMs,
    toolTimeoutMs:
      t.tool_timeout_sec === undefined
        ? DEFAULT_TOOL_TIMEOUT_MS
        : seconds(t.tool_timeout_sec, "tool_timeout_sec"),
    enabledTools: t.enabled_tools === undefined ? null : strings(t.enabled_tools, "enabled_tools"),
    disabledTools: t.disabled_tools === undefined ? [] : strings(t.disabled_tools, "disabled_tools"),
    supportsParallelToolCalls: bool(t.supports_parallel_tool_calls, "supports_parallel_tool_calls", false),
    defaultToolsApprovalMode:
      t.default_tools_approval_mode === undefined
        ? "auto"
        : approvalMode(t.default_tools_approval_mode, "default_tools_approval_mode"),
    tools: toolOverrides(t.tools),
    scopes: t.scopes === undefined ? null : strings(t.scopes, "scopes"),
    oauthClientId: oauthClientId(t.oauth),
    oauthResource: t.oauth_resource === undefined ? null : str(t.oauth_resource, "oauth_resource"),
  };
}

const STDIO_ONLY = ["env", "args", "env_vars", "cwd"] as const;
const HTTP_ONLY = ["url", "bearer_token_env_var", "http_headers_helper"] as const;

function parseTransport(t: Table): McpTransportConfig {
  if (t.command !== undefined) {
    for (const key of HTTP_ONLY) if (t[key] !== undefined) fail(`${key} is not supported for stdio`);
    return {
      type: "stdio",
      command: str(t.command, "command"),
      args: t.args === undefined ? [] : strings(t.args, "args"),
      env: t.env === undefined ? null : stringMap(t.env, "env"),
      envVars: t.env_vars === undefined ? [] : envVars(t.env_vars),
      cwd: t.cwd === undefined ? null : str(t.cwd, "cwd"),
    };
  }
  if (t.url !== undefined) {
    for (const key of STDIO_ONLY)
      if (t[key] !== undefined) fail(`${key} is not supported for streamable_http`);
    // A plaintext token in config is never accepted; only the variable holding it.
    if (t.bearer_token !== undefined) fail("bearer_token is not supported for streamable_http");
    return {
      type: "streamable_http",
      url: str(t.url, "url"),
      bearerTokenEnvVar:
        t.bearer_token_env_var === undefined ? null : str(t.bearer_token_env_var, "bearer_token_env_var"),
      httpHeaders: t.http_headers === undefined ? null : stringMap(t.http_headers, "http_headers"),
      envHttpHeaders:
        t.env_http_headers === undefined ? null : stringMap(t.env_http_headers, "env_http_headers"),
    };
  }
  fail("invalid transport");
}

function envVars(value: unknown): McpEnvVar[] {
  if (!Array.isArray(value)) fail("invalid type for `env_vars`: expected an array");
  return value.map((entry): McpEnvVar => {
    if (typeof entry === "string") return { name: entry, source: "local" };
    if (entry === null || typeof entry !== "object" || Array.isArray(entry))
      fail("invalid type for `env_vars` entry: expected a string or a table");
    const e = entry as Table;
    const source = e.source === undefined ? "local" : str(e.source, "env_vars.source");
    if (source !== "local" && source !== "remote")
      fail(`unsupported env_vars source \`${source}\`; expected \`local\` or \`remote\``);
    return { name: str(e.name, "env_vars.name"), source };
  });
}

function toolOverrides(value: unknown): Record<string, McpToolOverride> {
  if (value === undefined) return {};
  const tools = table(value, "tools");
  const out: Record<string, McpToolOverride> = {};
  for (const [tool, raw] of Object.entries(tools)) {
    const t = table(raw, `tools.${tool}`);
    out[tool] = {
      ...(t.approval_mode === undefined
        ? {}
        : { approvalMode: approvalMode(t.approval_mode, `tools.${tool}.approval_mode`) }),
      ...(t.output_token_limit === undefined
        ? {}
        : { outputTokenLimit: nonNegativeInt(t.output_token_limit, `tools.${tool}.output_token_limit`) }),
    };
  }
  return out;
}

function oauthClientId(value: unknown): string | null {
  if (value === undefined) return null;
  const o = table(value, "oauth");
  return o.client_id === undefined ? null : str(o.client_id, "oauth.client_id");
}

const APPROVAL_MODES: readonly McpApprovalMode[] = ["auto", "prompt", "approve"];

function approvalMode(value: unknown, key: string): McpApprovalMode {
  const s = str(value, key);
  if (!(APPROVAL_MODES as readonly string[]).includes(s))
    fail(`unknown variant \`${s}\` for \`${key}\`, expected one of \`auto\`, \`prompt\`, \`approve\``);
  return s as McpApprovalMode;
}

/** Float seconds → ms, rejecting what Rust's `Duration::try_from_secs_f64` rejects. */
function seconds(value: unknown, key: string): number {
  if (typeof value !== "number" || Number.isNaN(value))
    fail(`invalid type for \`${key}\`: expected a number`);
  if (value < 0) fail("cannot convert float seconds to Duration: value is negative");
  if (!Number.isFinite(value))
    fail("cannot convert float seconds to Duration: value is either too big or NaN");
  return Math.round(value * 1000);
}

function nonNegativeInt(value: unknown, key: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
    fail(`invalid value for \`${key}\`: expected a non-negative integer`);
  return value;
}

function bool(value: unknown, key: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") fail(`invalid type for \`${key}\`: expected a boolean`);
  return value;
}

function str(value: unknown, key: string): string {
  if (typeof value !== "string") fail(`invalid type for \`${key}\`: expected a string`);
  return value;
}

function strings(value: unknown, key: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    fail(`invalid type for \`${key}\`: expected an array of strings`);
  return value as string[];
}

function table(value: unknown, key: string): Table {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    fail(`invalid type for \`${key}\`: expected a table`);
  return value as Table;
}

function stringMap(value: unknown, key: string): Record<string, string> {
  const t = table(value, key);
  for (const v of Object.values(t))
    if (typeof v !== "string") fail(`invalid type for \`${key}\`: expected strings`);
  return t as Record<string, string>;
}
