import { createMcpConnectionManager, type McpManagerOptions } from "./manager.js";
import type { McpServerConfig, McpServerSnapshot } from "./types.js";

/** A server as `mcpServerStatus/list` without a thread sees it. */
export interface McpServerListing extends McpServerSnapshot {
  /** Every resource / template (all pages); empty unless `detail` is `full` and it is connected. */
  resources: Record<string, unknown>[];
  resourceTemplates: Record<string, unknown>[];
}

export interface ListOnceOptions extends Omit<McpManagerOptions, "hooks"> {
  /** `full` (default) also lists resources and templates. */
  detail?: "full" | "toolsAndAuthOnly";
}

/**
 * Connects to every enabled server on throw-away connections, reads what `mcpServerStatus/list`
 * reports, and closes them all again, whatever happened (Codex does this when no thread is named).
 */
export async function listMcpServersOnce(
  servers: readonly McpServerConfig[],
  options: ListOnceOptions,
): Promise<McpServerListing[]> {
  const { detail = "full", ...managerOptions } = options;
  const manager = createMcpConnectionManager(servers, {
    ...managerOptions,
    hooks: { onStatus: () => {}, onElicitation: async () => ({ action: "cancel" }) },
  });
  try {
    manager.start();
    // Each server's own startup timeout bounds this.
    await manager.waitForStarting(2 ** 31 - 1);
    const full = detail === "full";
    const [resources, templates] = full
      ? await Promise.all([
          byServer(manager.listResources(), "resources"),
          byServer(manager.listResourceTemplates(), "resourceTemplates"),
        ])
      : [new Map(), new Map()];
    return manager.servers().map((snapshot) => ({
      ...snapshot,
      resources: resources.get(snapshot.name) ?? [],
      resourceTemplates: templates.get(snapshot.name) ?? [],
    }));
  } finally {
    await manager.shutdown();
  }
}

/** The combined listing's items grouped by their `server` tag (which is dropped). */
async function byServer(
  listing: Promise<unknown>,
  key: string,
): Promise<Map<string, Record<string, unknown>[]>> {
  const items = ((await listing) as Record<string, Record<string, unknown>[]>)[key] ?? [];
  const out = new Map<string, Record<string, unknown>[]>();
  for (const { server, ...item } of items) {
    const name = String(server);
    out.set(name, [...(out.get(name) ?? []), item]);
  }
  return out;
}
