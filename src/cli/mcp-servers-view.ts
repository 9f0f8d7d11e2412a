import { UserError } from "../lib/errors.js";

/**
 * How `keel mcp list` and `keel mcp get` show configured servers: Codex 0.169's JSON shapes (snake
 * case, nulls kept, durations as floats) and its text tables. Values that may hold secrets (env,
 * static headers) are masked as `*****`.
 */

type Raw = Record<string, unknown>;

export interface ServerView {
  name: string;
  enabled: boolean;
  /** Set when requirements.toml turned the server off: `requirements (<file>)`. */
  disabledReason: string | null;
  transport: StdioView | HttpView;
  enabledTools: string[] | null;
  disabledTools: string[] | null;
  startupTimeoutSec: number | null;
  toolTimeoutSec: number | null;
}

interface StdioView {
  type: "stdio";
  command: string;
  args: string[];
  env: Record<string, string> | null;
  envVars: unknown[];
  cwd: string | null;
}

interface HttpView {
  type: "streamable_http";
  url: string;
  bearerTokenEnvVar: string | null;
  httpHeaders: Record<string, string> | null;
  envHttpHeaders: Record<string, string> | null;
  httpHeadersHelper: boolean;
}

const MASK = "*****";

/** The servers of the merged config, sorted by name; a table that is neither stdio nor HTTP fails. */
export function serverViews(
  servers: Record<string, Raw>,
  disabledReasons: Readonly<Record<string, string>> = {},
): ServerView[] {
  return Object.keys(servers)
    .sort()
    .map((name) => serverView(name, servers[name] ?? {}, disabledReasons[name] ?? null));
}

function serverView(name: string, raw: Raw, disabledReason: string | null): ServerView {
  return {
    name,
    enabled: raw.enabled !== false,
    disabledReason,
    transport: transportView(name, raw),
    enabledTools: stringList(raw.enabled_tools),
    disabledTools: stringList(raw.disabled_tools),
    startupTimeoutSec:
      typeof raw.startup_timeout_sec === "number"
        ? raw.startup_timeout_sec
        : typeof raw.startup_timeout_ms === "number"
          ? raw.startup_timeout_ms / 1000
          : null,
    toolTimeoutSec: typeof raw.tool_timeout_sec === "number" ? raw.tool_timeout_sec : null,
  };
}

function transportView(name: string, raw: Raw): StdioView | HttpView {
  if (typeof raw.command === "string") {
    return {
      type: "stdio",
      command: raw.command,
      args: stringList(raw.args) ?? [],
      env: stringMap(raw.env),
      envVars: Array.isArray(raw.env_vars) ? raw.env_vars : [],
      cwd: typeof raw.cwd === "string" ? raw.cwd : null,
    };
  }
  if (typeof raw.url === "string") {
    return {
      type: "streamable_http",
      url: raw.url,
      bearerTokenEnvVar: typeof raw.bearer_token_env_var === "string" ? raw.bearer_token_env_var : null,
      httpHeaders: stringMap(raw.http_headers),
      envHttpHeaders: stringMap(raw.env_http_headers),
      httpHeadersHelper: raw.http_headers_helper !== undefined,
    };
  }
  throw new UserError(`invalid transport in \`mcp_servers.${name}\``, 1);
}

function stringList(value: unknown): string[] | null {
  return Array.isArray(value) ? value.map(String) : null;
}

function stringMap(value: unknown): Record<string, string> | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = String((value as Raw)[key]);
  return sorted;
}

/** Codex's `auth_status` for `list --json` (keel does not probe servers for OAuth support). */
function authStatus(view: ServerView): "unsupported" | "bearer_token" | "unknown" {
  if (view.transport.type === "stdio" || !view.enabled) return "unsupported";
  return view.transport.bearerTokenEnvVar ? "bearer_token" : "unknown";
}

const AUTH_LABEL = { unsupported: "Unsupported", bearer_token: "Bearer token", unknown: "Unknown" } as const;

// Durations are floats in Codex's JSON (`5.0`); JSON.stringify would write `5`.
const FLOAT_MARK = "\u0000f64:";

function float(value: number | null): string | null {
  return value === null ? null : `${FLOAT_MARK}${Number.isInteger(value) ? value.toFixed(1) : String(value)}`;
}

function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/"\\u0000f64:([^"]+)"/g, "$1");
}

function transportJson(t: StdioView | HttpView): Record<string, unknown> {
  if (t.type === "stdio") {
    return { type: t.type, command: t.command, args: t.args, env: t.env, env_vars: t.envVars, cwd: t.cwd };
  }
  return {
    type: t.type,
    url: t.url,
    bearer_token_env_var: t.bearerTokenEnvVar,
    http_headers: t.httpHeaders,
    env_http_headers: t.envHttpHeaders,
    http_headers_helper: t.httpHeadersHelper ? "<redacted>" : null,
  };
}

export function listJson(views: ServerView[]): string {
  return toJson(
    views.map((v) => ({
      name: v.name,
      enabled: v.enabled,
      disabled_reason: v.disabledReason,
      transport: transportJson(v.transport),
      startup_timeout_sec: float(v.startupTimeoutSec),
      tool_timeout_sec: float(v.toolTimeoutSec),
      auth_status: authStatus(v),
    })),
  );
}

export function getJson(v: ServerView): string {
  return toJson({
    name: v.name,
    enabled: v.enabled,
    disabled_reason: v.disabledReason,
    transport: transportJson(v.transport),
    enabled_tools: v.enabledTools,
    disabled_tools: v.disabledTools,
    startup_timeout_sec: float(v.startupTimeoutSec),
    tool_timeout_sec: float(v.toolTimeoutSec),
  });
}

function masked(map: Record<string, string> | null): string[] {
  return Object.keys(map ?? {}).map((key) => `${key}=${MASK}`);
}

function envVarName(entry: unknown): string {
  return typeof entry === "object" && entry !== null ? String((entry as Raw).name) : String(entry);
}

function stdioEnv(t: StdioView): string {
  const parts = [...masked(t.env), ...t.envVars.map((e) => `${envVarName(e)}=${MASK}`)];
  return parts.length > 0 ? parts.join(", ") : "-";
}

function plainPairs(map: Record<string, string> | null): string {
  const parts = Object.entries(map ?? {}).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(", ") : "-";
}

/** Columns padded to their widest cell and joined by two spaces, the last one padded too. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}\n`;
  return line(header) + rows.map(line).join("");
}

export function listText(views: ServerView[], program: string): string {
  if (views.length === 0)
    return `No MCP servers configured yet. Try \`${program} mcp add my-tool -- my-command\`.\n`;
  const status = (v: ServerView) =>
    v.enabled ? "enabled" : v.disabledReason ? `disabled: ${v.disabledReason}` : "disabled";
  const stdio: string[][] = [];
  const http: string[][] = [];
  for (const v of views) {
    const t = v.transport;
    const auth = AUTH_LABEL[authStatus(v)];
    if (t.type === "stdio") {
      const args = t.args.length > 0 ? t.args.join(" ") : "-";
      stdio.push([v.name, t.command, args, stdioEnv(t), t.cwd ?? "-", status(v), auth]);
    } else {
      http.push([v.name, t.url, t.bearerTokenEnvVar ?? "-", status(v), auth]);
    }
  }
  const tables: string[] = [];
  if (stdio.length > 0)
    tables.push(table(["Name", "Command", "Args", "Env", "Cwd", "Status", "Auth"], stdio));
  if (http.length > 0) tables.push(table(["Name", "Url", "Bearer Token Env Var", "Status", "Auth"], http));
  return tables.join("\n");
}

export function getText(v: ServerView, program: string): string {
  if (!v.enabled) return `${v.name} (${v.disabledReason ? `disabled: ${v.disabledReason}` : "disabled"})\n`;
  const lines = [v.name, "  enabled: true"];
  if (v.enabledTools) lines.push(`  enabled_tools: ${v.enabledTools.join(", ")}`);
  if (v.disabledTools) lines.push(`  disabled_tools: ${v.disabledTools.join(", ")}`);
  const t = v.transport;
  lines.push(`  transport: ${t.type}`);
  if (t.type === "stdio") {
    lines.push(`  command: ${t.command}`, `  args: ${t.args.length > 0 ? t.args.join(" ") : "-"}`);
    lines.push(`  cwd: ${t.cwd ?? "-"}`, `  env: ${stdioEnv(t)}`);
  } else {
    lines.push(`  url: ${t.url}`, `  bearer_token_env_var: ${t.bearerTokenEnvVar ?? "-"}`);
    const headers = masked(t.httpHeaders);
    lines.push(`  http_headers: ${headers.length > 0 ? headers.join(", ") : "-"}`);
    lines.push(`  env_http_headers: ${plainPairs(t.envHttpHeaders)}`);
    lines.push(`  http_headers_helper: ${t.httpHeadersHelper ? "<redacted>" : "-"}`);
  }
  if (v.startupTimeoutSec !== null) lines.push(`  startup_timeout_sec: ${v.startupTimeoutSec}`);
  if (v.toolTimeoutSec !== null) lines.push(`  tool_timeout_sec: ${v.toolTimeoutSec}`);
  lines.push(`  remove: ${program} mcp remove ${v.name}`);
  return `${lines.join("\n")}\n`;
}
