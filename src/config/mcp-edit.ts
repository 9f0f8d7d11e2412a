import fs from "node:fs";
import type { McpApprovalMode } from "../mcp/types.js";
import { ConfigError } from "./errors.js";
import { userConfigFile } from "./layers.js";
import {
  insertSections,
  removeBlocks,
  tomlAssignments,
  tomlBlocks,
  tomlHeader,
  verifiedEdit,
} from "./toml-blocks.js";
import {
  isTable,
  newTable,
  parseTomlText,
  type TomlTable,
  type TomlValue,
  writeTextAtomic,
} from "./toml-file.js";

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
  const { file, text } = readConfigText(keelHome);
  const intended = parseTomlText(text, file);
  // A server from another layer (project, thread, `-c`) would leave a table without `command`
  // or `url` here, and every later load of config.toml would fail on it.
  const defined = isTable(intended[SERVERS]) ? intended[SERVERS][server] : undefined;
  if (!isTable(defined) || (defined.command === undefined && defined.url === undefined)) {
    throw new ConfigError(`MCP server \`${server}\` is not defined in ${file}`);
  }
  const toolPath = [SERVERS, server, "tools", tool];
  childTable(intended, toolPath, file).approval_mode = mode;

  const blocks = tomlBlocks(text);
  const keyPath = [...toolPath, "approval_mode"];
  const existing = blocks.find((b) => b.kind === "keyValue" && samePath(b.path, keyPath));
  const section = blocks.find((b) => b.kind === "table" && samePath(b.path, toolPath));
  let edited: string;
  if (existing?.value && existing.value.line === existing.value.endLine) {
    edited = replaceOnLine(
      text,
      existing.value.line,
      existing.value.column,
      existing.value.endColumn,
      `"${mode}"`,
    );
  } else if (section) {
    edited = insertAfterLine(text, section.endLine, `approval_mode = "${mode}"\n`);
  } else {
    edited = insertSections(text, `${tomlHeader(toolPath)}\napproval_mode = "${mode}"\n`, null);
  }
  writeTextAtomic(file, verifiedEdit(text, edited, intended, file));
}

/**
 * Adds `[mcp_servers.NAME]` (and `[mcp_servers.NAME.env]`) as Codex writes them. A server of
 * that name is replaced whole, in the place its section had.
 */
export function addMcpServer(keelHome: string, name: string, entry: McpServerEntry): void {
  const { file, text } = readConfigText(keelHome);
  const intended = parseTomlText(text, file);
  const servers = childTable(intended, [SERVERS], file);
  servers[name] = entryTable(entry);

  const removed = removeBlocks(text, [SERVERS, name]);
  const edited = insertSections(removed.text, entrySections(name, entry), removed.sectionAt);
  writeTextAtomic(file, verifiedEdit(text, edited, intended, file));
}

/** Removes the server; false (and the file untouched) when there is none of that name. */
export function removeMcpServer(keelHome: string, name: string): boolean {
  const { file, text } = readConfigText(keelHome);
  const intended = parseTomlText(text, file);
  const servers = intended[SERVERS];
  if (!isTable(servers) || !Object.hasOwn(servers, name)) return false;
  delete servers[name];
  const edited = removeBlocks(text, [SERVERS, name]).text;
  // Removing the last server's sections leaves no `mcp_servers` at all, which is what was meant.
  if (Object.keys(servers).length === 0 && !/^\s*\[?\s*mcp_servers\b/m.test(edited)) delete intended[SERVERS];
  writeTextAtomic(file, verifiedEdit(text, edited, intended, file));
  return true;
}

function entryTable(entry: McpServerEntry): TomlTable {
  const table = newTable();
  Object.assign(table, entryKeys(entry));
  if ("command" in entry && entry.env) table.env = Object.assign(newTable(), entry.env);
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

function entrySections(name: string, entry: McpServerEntry): string {
  const main = `${tomlHeader([SERVERS, name])}\n${tomlAssignments(entryKeys(entry))}`;
  if (!("command" in entry) || !entry.env || Object.keys(entry.env).length === 0) return main;
  return `${main}\n${tomlHeader([SERVERS, name, "env"])}\n${tomlAssignments(entry.env)}`;
}

function readConfigText(keelHome: string): { file: string; text: string } {
  const file = userConfigFile(keelHome);
  try {
    return { file, text: fs.readFileSync(file, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { file, text: "" };
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** The table at `path` inside `doc`, created where missing. */
function childTable(doc: TomlTable, path: readonly string[], file: string): TomlTable {
  let table = doc;
  for (const [i, key] of path.entries()) {
    const existing = table[key];
    if (existing === undefined) {
      const created = newTable();
      table[key] = created;
      table = created;
    } else if (isTable(existing)) {
      table = existing;
    } else {
      throw new ConfigError(`${file}: \`${path.slice(0, i + 1).join(".")}\` must be a table`);
    }
  }
  return table;
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

function replaceOnLine(text: string, line: number, from: number, to: number, replacement: string): string {
  const lines = text.split("\n");
  const current = lines[line - 1] ?? "";
  lines[line - 1] = current.slice(0, from) + replacement + current.slice(to);
  return lines.join("\n");
}

function insertAfterLine(text: string, line: number, insertion: string): string {
  const lines = text.split("\n");
  const before = lines.slice(0, line).join("\n");
  const after = lines.slice(line).join("\n");
  return `${before}\n${insertion}${after}`;
}
