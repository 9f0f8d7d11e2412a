import { createHash } from "node:crypto";

/**
 * Model-visible names of MCP tools (spec mcp.md §3, Codex's `mcp_tool_names.rs`). Raw server and
 * tool names are user-controlled; the model only accepts `[A-Za-z0-9_]`, so names are sanitised
 * and, where two raw names sanitise alike, suffixed with a hash of the raw identity.
 */

export interface QualifiedMcpTool {
  /** Raw names, as the server and config spell them. */
  server: string;
  tool: string;
  /** `mcp__<server>` (hash-suffixed on collision). */
  namespace: string;
  /** The tool's name inside its namespace. */
  name: string;
}

const HASH_LEN = 12;

/** Every character outside `[A-Za-z0-9_]` becomes `_` (an empty name becomes `_`). */
export function sanitizeMcpName(name: string): string {
  const sanitized = name.replace(/[^A-Za-z0-9_]/g, "_");
  return sanitized === "" ? "_" : sanitized;
}

function hashSuffix(identity: string): string {
  return `_${createHash("sha1").update(identity, "utf8").digest("hex").slice(0, HASH_LEN)}`;
}

// Codex's raw identities: `server \0 namespace \0 connector` and `… \0 callable \0 tool`, where
// an MCP server's namespace is its own name and it has no connector.
const namespaceIdentity = (server: string) => `${server}\0${server}\0`;
const toolIdentity = (server: string, tool: string) => `${namespaceIdentity(server)}\0${tool}\0${tool}`;

/**
 * Namespaced names for the Responses API, one entry per distinct (server, tool), sorted by raw
 * identity. No length cap applies in this form (Codex 0.169 keeps 70+ character names).
 */
export function qualifyMcpTools(tools: readonly { server: string; name: string }[]): QualifiedMcpTool[] {
  const seen = new Set<string>();
  const candidates: QualifiedMcpTool[] = [];
  for (const { server, name: tool } of tools) {
    const identity = toolIdentity(server, tool);
    if (seen.has(identity)) continue;
    seen.add(identity);
    candidates.push({
      server,
      tool,
      namespace: `mcp__${sanitizeMcpName(server)}`,
      name: sanitizeMcpName(tool),
    });
  }

  const collidingNamespaces = collisions(
    candidates,
    (c) => c.namespace,
    (c) => c.server,
  );
  for (const c of candidates) {
    if (collidingNamespaces.has(c.namespace)) c.namespace += hashSuffix(namespaceIdentity(c.server));
  }
  const collidingTools = collisions(
    candidates,
    (c) => `${c.namespace}\0${c.name}`,
    (c) => c.tool,
  );
  for (const c of candidates) {
    if (collidingTools.has(`${c.namespace}\0${c.name}`)) c.name += hashSuffix(toolIdentity(c.server, c.tool));
  }

  candidates.sort((a, b) => compare(toolIdentity(a.server, a.tool), toolIdentity(b.server, b.tool)));
  // A sanitised raw name can still equal another's hashed name; rehash with an attempt counter.
  const used = new Set<string>();
  for (const c of candidates) {
    const base = c.name;
    for (let attempt = 1; used.has(`${c.namespace}\0${c.name}`); attempt++) {
      c.name = base + hashSuffix(`${toolIdentity(c.server, c.tool)}\0${attempt}`);
    }
    used.add(`${c.namespace}\0${c.name}`);
  }
  return candidates;
}

/** Keys shared by more than one distinct raw name. */
function collisions<T>(items: readonly T[], key: (t: T) => string, raw: (t: T) => string): Set<string> {
  const byKey = new Map<string, Set<string>>();
  for (const item of items) {
    const k = key(item);
    const set = byKey.get(k) ?? new Set<string>();
    set.add(raw(item));
    byKey.set(k, set);
  }
  return new Set([...byKey].filter(([, raws]) => raws.size > 1).map(([k]) => k));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
