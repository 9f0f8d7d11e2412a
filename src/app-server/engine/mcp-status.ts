import { parseMcpServers } from "../../mcp/config.js";
import { mcpAuthStatus } from "../../mcp/oauth/auth-status.js";
import type {
  McpConnectionManager,
  McpRuntimeStatus,
  McpServerConfig,
  McpServerSnapshot,
} from "../../mcp/types.js";
import type { McpServerStatus } from "../../protocol/v2/mcp.js";
import { loadEngineConfig } from "./config-loader.js";
import type { Engine } from "./engine.js";

/** `mcpServerStatus/list` entries (spec mcp.md §7), built from manager snapshots. */

export type StatusDetail = "full" | "toolsAndAuthOnly";

/** Codex keeps everything after `MCP client for \`N\` failed to start: ` as `toolsError`. */
function toolsError(snapshot: McpServerSnapshot | undefined): string | null {
  if (!snapshot?.error) return null;
  const marker = " failed to start: ";
  const at = snapshot.error.indexOf(marker);
  return at === -1 ? snapshot.error : snapshot.error.slice(at + marker.length);
}

function serverInfo(info: Record<string, unknown> | null): McpServerStatus["serverInfo"] {
  if (!info || typeof info.name !== "string") return null;
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    name: info.name,
    title: text(info.title),
    version: typeof info.version === "string" ? info.version : "",
    description: text(info.description),
    icons: Array.isArray(info.icons) ? info.icons : null,
    websiteUrl: text(info.websiteUrl),
  };
}

/** Every page of a list method (`resources/list`, `resources/templates/list`). */
async function allPages(
  list: (cursor?: string) => Promise<unknown>,
  key: "resources" | "resourceTemplates",
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let cursor: string | undefined;
  do {
    const page = (await list(cursor)) as Record<string, unknown> & { nextCursor?: string };
    // The manager tags each item with its `server`; the wire has the server's own objects.
    for (const { server: _server, ...item } of (page[key] as Record<string, unknown>[] | undefined) ?? []) {
      out.push(item);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}

/** Resources and templates of a connected server that advertises them; a failing listing is empty. */
async function resourcesOf(
  manager: McpConnectionManager,
  snapshot: McpServerSnapshot,
): Promise<Pick<McpServerStatus, "resources" | "resourceTemplates">> {
  if (snapshot.runtimeStatus !== "connected" || !snapshot.serverCapabilities?.resources) {
    return { resources: [], resourceTemplates: [] };
  }
  const [resources, resourceTemplates] = await Promise.all([
    allPages((c) => manager.listResources(snapshot.name, c), "resources").catch(() => []),
    allPages((c) => manager.listResourceTemplates(snapshot.name, c), "resourceTemplates").catch(() => []),
  ]);
  return {
    resources: resources as McpServerStatus["resources"],
    resourceTemplates: resourceTemplates as McpServerStatus["resourceTemplates"],
  };
}

export interface StatusInput {
  home: string;
  config: McpServerConfig;
  /** The server's snapshot in the manager that reports it (absent: never started). */
  snapshot: McpServerSnapshot | undefined;
  manager: McpConnectionManager | null;
  detail: StatusDetail;
  /** null for throw-away listings (no thread runtime to report). */
  runtimeStatus: McpRuntimeStatus | null;
  /** Resources already listed (throw-away listings); otherwise asked from `manager`. */
  listed?: Pick<McpServerStatus, "resources" | "resourceTemplates">;
}

export async function serverStatus(input: StatusInput): Promise<McpServerStatus> {
  const { config, snapshot, manager } = input;
  const tools: McpServerStatus["tools"] = {};
  for (const { server: _server, ...tool } of snapshot?.tools ?? []) tools[tool.name] = tool;
  const listed =
    input.listed ??
    (input.detail === "full" && manager && snapshot
      ? await resourcesOf(manager, snapshot)
      : { resources: [], resourceTemplates: [] });
  return {
    name: config.name,
    runtimeStatus: input.runtimeStatus,
    pluginId: null,
    httpOrigin: config.transport.type === "streamable_http" ? new URL(config.transport.url).origin : null,
    serverInfo: serverInfo(snapshot?.serverInfo ?? null),
    serverCapabilities: snapshot?.serverCapabilities ?? null,
    toolListMeta: null,
    tools,
    toolsError: toolsError(snapshot),
    ...listed,
    authStatus: await mcpAuthStatus(input.home, config),
  };
}

/** Codex lists servers by name. */
export function byName(a: McpServerConfig, b: McpServerConfig): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The configured servers for a cwd (and a thread's own `config`), as a fresh load sees them. */
export function configuredServers(
  engine: Engine,
  cwd: string | null,
  requestConfig?: Readonly<Record<string, unknown>> | null,
): McpServerConfig[] {
  const loaded = loadEngineConfig(engine.config, cwd ? { cwd } : {}, requestConfig);
  return parseMcpServers(loaded.mcpServers);
}
