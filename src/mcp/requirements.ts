import type { ConfigRequirements } from "../config/requirements.js";
import { displayRequirementSource } from "../permissions/constraint.js";

type Table = Record<string, unknown>;

/** A server's identity as requirements.toml names it: its stdio command, or its URL. */
export type McpServerIdentity = { command: string } | { url: string };

export interface McpServersAfterRequirements {
  /** The raw tables, with `enabled = false` on every server the requirements do not allow. */
  servers: Record<string, Table>;
  /** Why a server was turned off, by name: `requirements (<source>)`, as Codex shows it. */
  disabledReasons: Record<string, string>;
}

/**
 * Requirements `[mcp_servers.NAME.identity]` are an allow-list (Codex 0.169): once the table is
 * present, a configured server runs only if its name is listed and its identity matches exactly
 * (the same stdio `command` string, or the same `url`). Every other server — from any layer,
 * thread/start's `config` included — is disabled, never dropped, so `keel mcp list` can say why.
 */
export function applyMcpServerRequirements(
  servers: Readonly<Record<string, Table>>,
  requirements: ConfigRequirements,
): McpServersAfterRequirements {
  const allowlist = requirements.toml?.mcp_servers;
  if (!allowlist || !requirements.source) return { servers: { ...servers }, disabledReasons: {} };
  const reason = `requirements (${displayRequirementSource(requirements.source)})`;
  const result: McpServersAfterRequirements = { servers: {}, disabledReasons: {} };
  for (const [name, table] of Object.entries(servers)) {
    const required = allowlist[name]?.identity;
    if (required && identityMatches(required, table)) {
      result.servers[name] = table;
    } else {
      result.servers[name] = { ...table, enabled: false };
      result.disabledReasons[name] = reason;
    }
  }
  return result;
}

function identityMatches(identity: McpServerIdentity, table: Table): boolean {
  if ("command" in identity) return table.url === undefined && table.command === identity.command;
  return table.command === undefined && table.url === identity.url;
}
