import type { McpConnectionManager, McpServerConfig } from "../../mcp/types.js";
import type {
  ListMcpServerStatusParams,
  McpResourceReadParams,
  McpServerStatus,
} from "../../protocol/v2/mcp.js";
import { internalError, RpcError } from "../errors.js";
import { paginate } from "../handlers/thread.js";
import type { HandlerModule } from "../router.js";
import type { Engine } from "./engine.js";
import type { LoadedThread } from "./loaded-thread.js";
import { mcpOAuthLoginHandler } from "./mcp-oauth.js";
import { byName, configuredServers, serverStatus } from "./mcp-status.js";
import { wire } from "./wire-errors.js";

/**
 * MCP methods of the app-server (spec mcp.md §7): status listing, reload, direct tool calls and
 * resource reads, OAuth login. With a `threadId` they use that thread's live clients; without
 * one, throw-away connections to the configured servers.
 */
export function mcpHandlers(engine: Engine): HandlerModule {
  return {
    resource: "mcp",
    handlers: {
      "mcpServerStatus/list": (params) => wire(() => listStatus(engine, params)),
      "config/mcpServer/reload": () => wire(() => reloadAll(engine)),
      "mcpServer/tool/call": (params) =>
        wire(async () => {
          const manager = managerOf(engine.require(params.threadId), params.server);
          const meta = params._meta;
          return mcpCall(() =>
            manager.callTool(params.server, params.tool, params.arguments, {
              ...(meta && typeof meta === "object" ? { meta: meta as Record<string, unknown> } : {}),
            }),
          );
        }),
      "mcpServer/resource/read": (params) => wire(() => readResource(engine, params)),
      "mcpServer/oauth/login": mcpOAuthLoginHandler(engine),
    },
  };
}

function unknownServer(server: string): RpcError {
  return internalError(`unknown MCP server '${server}'`);
}

function managerOf(thread: LoadedThread, server: string): McpConnectionManager {
  const manager = thread.session.mcp;
  if (!manager) throw unknownServer(server);
  return manager;
}

/** An MCP JSON-RPC error keeps its code and the SDK's message (`MCP error -32602: …`). */
async function mcpCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "number" && Number.isInteger(code))
      throw new RpcError(code, (error as Error).message);
    throw error;
  }
}

async function listStatus(engine: Engine, params: ListMcpServerStatusParams) {
  const detail = params.detail ?? "full";
  const wanted = (c: McpServerConfig) => params.serverName == null || c.name === params.serverName;
  const home = engine.config.keelHome;
  if (params.threadId != null) {
    const session = engine.require(params.threadId).session;
    const configs = session.mcpServerConfigs().filter(wanted).sort(byName);
    const page = paginate(configs, params.cursor, params.limit);
    const manager = session.mcp;
    const snapshots = new Map((manager?.servers() ?? []).map((s) => [s.name, s] as const));
    const data = await Promise.all(
      page.data.map((config) => {
        const snapshot = snapshots.get(config.name);
        return serverStatus({
          home,
          config,
          snapshot,
          manager,
          detail,
          runtimeStatus: config.enabled ? (snapshot?.runtimeStatus ?? "notStarted") : "disabled",
        });
      }),
    );
    return { data, nextCursor: page.nextCursor };
  }
  const configs = configuredServers(engine, null).filter(wanted).sort(byName);
  const page = paginate(configs, params.cursor, params.limit);
  const { listMcpServersOnce } = await import("../../mcp/list-once.js");
  const { mcpOAuthProviderFor } = await import("../../mcp/oauth/provider.js");
  const listings = new Map(
    (
      await listMcpServersOnce(page.data, {
        cwd: engine.config.processCwd,
        env: engine.config.env,
        authProvider: (server) => mcpOAuthProviderFor(home, server),
        detail,
      })
    ).map((l) => [l.name, l] as const),
  );
  const data = await Promise.all(
    page.data.map((config) => {
      const listing = listings.get(config.name);
      return serverStatus({
        home,
        config,
        snapshot: listing,
        manager: null,
        detail,
        runtimeStatus: null,
        listed: {
          resources: (listing?.resources ?? []) as McpServerStatus["resources"],
          resourceTemplates: (listing?.resourceTemplates ?? []) as McpServerStatus["resourceTemplates"],
        },
      });
    }),
  );
  return { data, nextCursor: page.nextCursor };
}

/**
 * Connects the enabled servers among `configs` without a thread (a resource read), waits until
 * each is ready or failed, runs `use`, then closes them. No server enabled: `use(null)`.
 */
async function withThrowawayManager<T>(
  engine: Engine,
  configs: readonly McpServerConfig[],
  use: (manager: McpConnectionManager | null) => Promise<T>,
): Promise<T> {
  if (!configs.some((c) => c.enabled)) return use(null);
  const { createMcpConnectionManager } = await import("../../mcp/manager.js");
  const { mcpOAuthProviderFor } = await import("../../mcp/oauth/provider.js");
  let settle: () => void = () => {};
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const manager = createMcpConnectionManager(configs, {
    authProvider: (server) => mcpOAuthProviderFor(engine.config.keelHome, server),
    cwd: engine.config.processCwd,
    env: engine.config.env,
    hooks: {
      onStatus: () => {},
      onStartupComplete: () => settle(),
      // Nobody is there to answer a server's question during a listing.
      onElicitation: async () => ({ action: "cancel" }),
    },
  });
  try {
    manager.start();
    await settled;
    return await use(manager);
  } finally {
    await manager.shutdown();
  }
}

async function readResource(engine: Engine, params: McpResourceReadParams) {
  const read = async (manager: McpConnectionManager | null) => {
    if (!manager) throw unknownServer(params.server);
    const result = (await mcpCall(() => manager.readResource(params.server, params.uri))) as {
      contents?: unknown[];
    };
    return { contents: (result.contents ?? []) as never[], originCallId: null };
  };
  if (params.threadId != null) return read(engine.require(params.threadId).session.mcp);
  const config = configuredServers(engine, null).filter((c) => c.name === params.server && c.enabled);
  return withThrowawayManager(engine, config, read);
}

/**
 * `config/mcpServer/reload`: every loaded thread re-reads its servers (its cwd, its own
 * `config`); new ones start, removed ones stop, running ones report `ready` again.
 */
async function reloadAll(engine: Engine): Promise<Record<string, never>> {
  const threads = engine.loadedThreads();
  // Load every thread's configuration before touching any, so a bad file changes nothing.
  const plans = threads.map((thread) => ({
    thread,
    servers: configuredServers(engine, thread.session.snapshot().cwd, thread.facts.requestConfig),
  }));
  await Promise.all(plans.map(({ thread, servers }) => thread.session.reloadMcp(servers)));
  return {};
}
