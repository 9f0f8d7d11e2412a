import fs from "node:fs";
import { stringify } from "smol-toml";
import type { McpApprovalMode } from "../mcp/types.js";
import { ConfigError } from "./errors.js";
import { userConfigFile } from "./layers.js";
import { isTable, newTable, readTomlFile, type TomlTable } from "./toml-file.js";

/**
 * Writes `[mcp_servers.SERVER.tools.TOOL] approval_mode = MODE` to `$KEEL_HOME/config.toml`
 * (an MCP approval answered "always"). Atomic (temp file + rename).
 */
export function setMcpToolApprovalMode(
  keelHome: string,
  server: string,
  tool: string,
  mode: McpApprovalMode,
): void {
  const file = userConfigFile(keelHome);
  const doc = readTomlFile(file).table ?? newTable();
  const servers = childTable(doc, "mcp_servers", file);
  const entry = childTable(servers, server, file);
  const tools = childTable(entry, "tools", file);
  const toolEntry = childTable(tools, tool, file);
  toolEntry.approval_mode = mode;
  fs.mkdirSync(keelHome, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, `${stringify(doc)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function childTable(parent: TomlTable, key: string, file: string): TomlTable {
  const existing = parent[key];
  if (existing === undefined) {
    const created = newTable();
    parent[key] = created;
    return created;
  }
  if (!isTable(existing)) throw new ConfigError(`${file}: \`${key}\` must be a table`);
  return existing;
}
