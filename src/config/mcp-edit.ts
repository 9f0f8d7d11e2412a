import type { McpApprovalMode } from "../mcp/types.js";
import { ConfigError } from "./errors.js";
import { userConfigFile } from "./layers.js";
import { editTomlFile } from "./toml-edit.js";
import { isTable, newTable, type TomlTable, type TomlValue } from "./toml-file.js";

/**
 * Edits of the `[mcp_servers.*]` part of `$KEEL_HOME/config.toml` (`keel mcp add|remove`, an MCP
 * approval answered "always"). Every line that does not belong to the server being written
 * survives byte for byte; the file is replaced atomically (temp file + rename), mode 0600.
 */

/** What `keel mcp add` writes: a stdio launcher or a streamable HTTP endpoint. */
export type McpServerEntry =
  | { command: string; args: string[]; env: Record<string, string> | null }
  | { url: string; bearerTokenEnvVar: string | null };

const SERVERS = "mcp_servers";

/** Writes `[mcp_servers.SERVER.tools.TOOL] approval_mode = MODE`. */
export function setMcpToolApprovalMode(
  keelHome: string,
  server: string,
  tool: string,
  mode: McpApprovalMode,
): void {
  const file = userConfigFile(keelHome);
  editTomlFile(file, (current) => {
    // A server from another layer (project, thread, `-c`) would leave a table without `command`
    // or `url` here, and every later load of config.toml would fail on it.
    const defined = isTable(current[SERVERS]) ? current[SERVERS][server] : undefined;
    if (!isTable(defined) || (defined.command === undefined && defined.url === undefined)) {
      throw new ConfigError(`MCP server \`${server}\` is not defined in ${file}`);
    }
    return [{ path: [SERVERS, server, "tools", tool, "approval_mode"], value: mode }];
  });
}

/**
 * Adds `[mcp_servers.NAME]` (and `[mcp_servers.NAME.env]`) as Codex writes them. A server of
 * that name is replaced whole, in the place its section had.
 */
export function addMcpServer(keelHome: string, name: string, entry: McpServerEntry): void {
  editTomlFile(userConfigFile(keelHome), [{ path: [SERVERS, name], value: entryTable(entry) }]);
}

/** Removes the server; false (and the file untouched) when there is none of that name. */
export function removeMcpServer(keelHome: string, name: string): boolean {
  let found = false;
  editTomlFile(userConfigFile(keelHome), (current) => {
    const servers = current[SERVERS];
    found = isTable(servers) && Object.hasOwn(servers, name);
    return found ? [{ path: [SERVERS, name], value: null }] : [];
  });
  return found;
}

function entryTable(entry: McpServerEntry): TomlTable {
  const table = newTable();
  Object.assign(table, entryKeys(entry));
  if ("command" in entry && entry.env && Object.keys(entry.env).length > 0)
    table.env = Object.assign(newTable(), entry.env);
  return table;
}

function entryKeys(entry: McpServerEntry): Record<string, TomlValue> {
  if ("url" in entry) {
    return {
      url: entry.url,
      ...(entry.bearerTokenEnvVar ? { bearer_token_env_var: entry.bearerTokenEnvVar } : {}),
    };
  }
  return { command: entry.command, ...(entry.args.length > 0 ? { args: entry.args } : {}) };
}
