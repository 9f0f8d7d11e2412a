import { loadConfigFromEnv } from "../config/load.js";
import { addMcpServer, type McpServerEntry, removeMcpServer } from "../config/mcp-edit.js";
import { UserError } from "../lib/errors.js";
import { getJson, getText, listJson, listText, serverViews } from "./mcp-servers-view.js";

/** `keel mcp list|get|add|remove`: Codex 0.169's texts, JSON and exit codes (as `keel`). */

export interface McpCliIo {
  env: Readonly<Record<string, string | undefined>>;
  processCwd: string;
  stdout: (text: string) => void;
}

const PROGRAM = "keel";

function configuredServers(io: McpCliIo, cliOverrides: readonly string[]) {
  const config = loadConfigFromEnv({ env: io.env, processCwd: io.processCwd, cliOverrides });
  return serverViews(config.mcpServers, config.mcpServerDisabledReasons);
}

export function runMcpList(io: McpCliIo, flags: { json: boolean; config: readonly string[] }): number {
  const views = configuredServers(io, flags.config);
  io.stdout(flags.json ? `${listJson(views)}\n` : listText(views, PROGRAM));
  return 0;
}

export function runMcpGet(
  io: McpCliIo,
  name: string,
  flags: { json: boolean; config: readonly string[] },
): number {
  const view = configuredServers(io, flags.config).find((v) => v.name === name);
  if (!view) throw new UserError(`No MCP server named '${name}' found.`, 1);
  io.stdout(flags.json ? `${getJson(view)}\n` : getText(view, PROGRAM));
  return 0;
}

export function runMcpAdd(io: McpCliIo, keelHome: string, name: string, entry: McpServerEntry): number {
  validateServerName(name);
  addMcpServer(keelHome, name, entry);
  io.stdout(`Added global MCP server '${name}'.\n`);
  // Codex probes the URL for OAuth support; keel does not, which is Codex's "could not tell" case.
  if ("url" in entry && !entry.bearerTokenEnvVar) {
    io.stdout(`MCP server may or may not require login. Run \`${PROGRAM} mcp login ${name}\` to login.\n`);
  }
  return 0;
}

export function runMcpRemove(io: McpCliIo, keelHome: string, name: string): number {
  validateServerName(name);
  io.stdout(
    removeMcpServer(keelHome, name)
      ? `Removed global MCP server '${name}'.\n`
      : `No MCP server named '${name}' found.\n`,
  );
  return 0;
}

export function validateServerName(name: string): void {
  if (!/^[A-Za-z0-9_\-:@/.]+$/.test(name)) {
    throw new UserError(
      `invalid server name '${name}' (use letters, numbers, '-', '_', ':', '@', '/', '.')`,
      1,
    );
  }
}
