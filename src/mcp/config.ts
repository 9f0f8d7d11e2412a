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
 * `McpServerConfig`s in table order. Errors carry Codex's texts and, on the next line,
 * ``in `mcp_servers.NAME` `` (or the key, for a bad value) so the user finds the place.
 */
export function parseMcpServers(raw: Readonly<Record<string, Table>>): McpServerConfig[] {
  return Object.entries(raw).map(([name, table]) => {
    try {
      return parseServer(name, table);
    } catch (error) {
      if (error instanceof ServerKeyError) {
        const where = error.key === null ? `mcp_servers.${name}` : `mcp_servers.${name}.${error.key}`;
        throw new ConfigError(`${error.message}\nin \`${where}\``);
      }
      throw error;
    }
  });
}

/** `key` set: the error is about that value (Codex then names it in the path). */
class ServerKeyError extends Error {
  constructor(
    message: string,
    readonly key: string | null,
  ) {
    super(message);
  }
}

function fail(message: string, key: string | null = null): never {
  throw new ServerKeyError(message, key);
}

/** serde's wording for a value of the wrong type: `invalid type: string "yes", expected a boolean`. */
function wrongType(value: unknown, expected: string, key: string): never {
  fail(`invalid type: ${describe(value)}, expected ${expected}`, key);
}

function describe(value: unknown): string {
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  if (typeof value === "boolean") return `boolean \`${value}\``;
  if (typeof value === "number")
    return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  if (Array.isArray(value)) return "sequence";
  return "map";
}

function parseServer(name: string, t: Table): McpServerConfig {
  const transport = parseTransport(t);
  const startupMs =
    t.startup_timeout_sec !== undefined
      ? seconds(t.startup_timeout_sec, "startup_timeout_sec", null)
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
        : seconds(t.tool_timeout_sec, "tool_timeout_sec", "tool_timeout_sec"),
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
  if (!Array.isArray(value)) wrongType(value, "a sequence", "env_vars");
  return value.map((entry, i): McpEnvVar => {
    if (typeof entry === "string") return { name: entry, source: "local" };
    const e = table(entry, `env_vars.${i}`);
    const source = e.source === undefined ? "local" : str(e.source, `env_vars.${i}.source`);
    if (source !== "local" && source !== "remote")
      fail(`unsupported env_vars source \`${source}\`; expected \`local\` or \`remote\``);
    return { name: str(e.name, `env_vars.${i}.name`), source };
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
  // Codex 0.169 also knows `writes`; keel's approval rules do not have it yet.
  if (s === "writes")
    fail("approval mode `writes` is not supported by keel; use `auto`, `prompt` or `approve`", key);
  if (!(APPROVAL_MODES as readonly string[]).includes(s))
    fail(`unknown variant \`${s}\`, expected one of \`auto\`, \`prompt\`, \`writes\`, \`approve\``, key);
  return s as McpApprovalMode;
}

/**
 * Float seconds → ms, rejecting what Rust's `Duration::try_from_secs_f64` rejects. Codex names
 * the key for `tool_timeout_sec` but only the table for `startup_timeout_sec`.
 */
function seconds(value: unknown, key: string, where: string | null): number {
  if (typeof value !== "number" || Number.isNaN(value)) wrongType(value, "f64", key);
  if (value < 0) fail("cannot convert float seconds to Duration: value is negative", where);
  if (!Number.isFinite(value))
    fail("cannot convert float seconds to Duration: value is either too big or NaN", where);
  return Math.round(value * 1000);
}

function nonNegativeInt(value: unknown, key: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) wrongType(value, "u64", key);
  if (value < 0) fail(`invalid value: integer \`${value}\`, expected u64`, key);
  return value;
}

function bool(value: unknown, key: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") wrongType(value, "a boolean", key);
  return value;
}

function str(value: unknown, key: string): string {
  if (typeof value !== "string") wrongType(value, "a string", key);
  return value;
}

function strings(value: unknown, key: string): string[] {
  if (!Array.isArray(value)) wrongType(value, "a sequence", key);
  for (const [i, v] of value.entries()) str(v, `${key}.${i}`);
  return value as string[];
}

function table(value: unknown, key: string): Table {
  if (value === null || typeof value !== "object" || Array.isArray(value)) wrongType(value, "a map", key);
  return value as Table;
}

function stringMap(value: unknown, key: string): Record<string, string> {
  const t = table(value, key);
  for (const [name, v] of Object.entries(t)) str(v, `${key}.${name}`);
  return t as Record<string, string>;
}
