import { isDeepStrictEqual } from "node:util";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { McpStartupStatus } from "../protocol/events.js";
import {
  type ConnectOptions,
  connectMcpServer,
  errorText,
  type McpConnection,
  McpStartupError,
} from "./connection.js";
import { formatDuration } from "./duration.js";
import {
  McpCallError,
  type McpCallOptions,
  type McpCallToolResult,
  type McpConnectionManager,
  type McpManagerHooks,
  McpRequiredServersError,
  type McpServerConfig,
  type McpServerSnapshot,
  type McpTool,
} from "./types.js";

export interface McpManagerOptions {
  /** The thread's cwd (a stdio server's default cwd). */
  cwd: string;
  /** keel's environment: the source of the child env whitelist, `env_vars` and HTTP header values. */
  env: Readonly<Record<string, string | undefined>>;
  hooks: McpManagerHooks;
  /** OAuth tokens for streamable HTTP servers (the OAuth login module provides them). */
  authProvider?: (server: McpServerConfig) => OAuthClientProvider | undefined;
}

type State =
  | { kind: "disabled" }
  | { kind: "notStarted" }
  | { kind: "starting"; ready: Promise<void>; abort: AbortController }
  | { kind: "ready"; conn: McpConnection; tools: McpTool[] }
  | { kind: "failed"; cause: string; error: string }
  | { kind: "cancelled" };

interface Entry {
  config: McpServerConfig;
  state: State;
}

/** `MCP client for \`N\` failed to start: MCP startup failed: <cause>` (spec §2). */
export function startupFailureText(server: string, cause: string): string {
  return `MCP client for \`${server}\` failed to start: MCP startup failed: ${cause}`;
}

export function createMcpConnectionManager(
  servers: readonly McpServerConfig[],
  options: McpManagerOptions,
): McpConnectionManager {
  return new Manager(servers, options);
}

class Manager implements McpConnectionManager {
  private entries = new Map<string, Entry>();
  private closed = false;

  constructor(
    servers: readonly McpServerConfig[],
    private readonly options: McpManagerOptions,
  ) {
    for (const config of servers) {
      this.entries.set(config.name, { config, state: { kind: config.enabled ? "notStarted" : "disabled" } });
    }
  }

  start(): void {
    if (this.closed) return; // shut down before it started: spawn nothing
    this.launch(
      [...this.entries.values()].filter((e) => e.state.kind === "notStarted"),
      [],
    );
  }

  /** Reports the `starting` burst first, then connects each server concurrently. */
  private launch(fresh: Entry[], alreadyReady: string[]): void {
    const { hooks } = this.options;
    for (const entry of fresh) hooks.onStatus(entry.config.name, { state: "starting" });
    for (const name of alreadyReady) hooks.onStatus(name, { state: "ready" });
    const settled = fresh.map((entry) => {
      const abort = new AbortController();
      const ready = this.connect(entry, abort.signal);
      entry.state = { kind: "starting", ready, abort };
      return ready;
    });
    if (fresh.length === 0 && alreadyReady.length === 0) return;
    void Promise.all(settled).then(() => {
      if (this.closed) return;
      const summary = {
        ready: [...alreadyReady],
        failed: [] as { server: string; error: string }[],
        cancelled: [] as string[],
      };
      for (const entry of fresh) {
        const s = entry.state;
        if (s.kind === "ready") summary.ready.push(entry.config.name);
        else if (s.kind === "failed") summary.failed.push({ server: entry.config.name, error: s.error });
        else if (s.kind === "cancelled") summary.cancelled.push(entry.config.name);
      }
      hooks.onStartupComplete?.(summary);
    });
  }

  private async connect(entry: Entry, signal: AbortSignal): Promise<void> {
    const { config } = entry;
    const connectOptions: ConnectOptions = {
      cwd: this.options.cwd,
      env: this.options.env,
      onElicitation: (request, signal) => this.options.hooks.onElicitation(config.name, request, signal),
      authProvider: this.options.authProvider?.(config),
      signal,
    };
    let status: McpStartupStatus;
    try {
      const conn = await connectMcpServer(config, connectOptions);
      if (this.closed || this.entries.get(config.name) !== entry) {
        await conn.close().catch(() => {});
        entry.state = { kind: "cancelled" };
        return;
      }
      entry.state = { kind: "ready", conn, tools: filterTools(config, conn.tools) };
      status = { state: "ready" };
    } catch (error) {
      if (this.closed || this.entries.get(config.name) !== entry) {
        entry.state = { kind: "cancelled" };
        return;
      }
      const cause = error instanceof McpStartupError ? error.cause : errorText(error);
      const text = startupFailureText(config.name, cause);
      entry.state = { kind: "failed", cause, error: text };
      status = { state: "failed", error: text };
    }
    this.options.hooks.onStatus(config.name, status);
  }

  async waitForRequired(): Promise<void> {
    const required = [...this.entries.values()].filter(
      (e) => e.config.required && e.state.kind !== "disabled",
    );
    await Promise.all(required.map((e) => (e.state.kind === "starting" ? e.state.ready : undefined)));
    const failures = required.flatMap((e) =>
      e.state.kind === "failed" ? [{ server: e.config.name, cause: e.state.cause }] : [],
    );
    if (failures.length > 0) throw new McpRequiredServersError(failures);
  }

  async waitForStarting(maxMs: number): Promise<void> {
    const pending = [...this.entries.values()].flatMap((e) =>
      e.state.kind === "starting" ? [e.state.ready] : [],
    );
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(pending),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, maxMs);
      }),
    ]);
    clearTimeout(timer);
  }

  servers(): McpServerSnapshot[] {
    return [...this.entries.values()].map(({ config, state }) => ({
      name: config.name,
      runtimeStatus: runtimeStatus(state),
      error: state.kind === "failed" ? state.error : null,
      tools: state.kind === "ready" ? state.tools : [],
      instructions: state.kind === "ready" ? state.conn.instructions : null,
      serverInfo: state.kind === "ready" ? state.conn.serverInfo : null,
      serverCapabilities: state.kind === "ready" ? state.conn.serverCapabilities : null,
      httpOrigin: config.transport.type === "streamable_http" ? new URL(config.transport.url).origin : null,
    }));
  }

  tools(): McpTool[] {
    const names = [...this.entries.keys()].sort(compare);
    return names.flatMap((name) => {
      const state = this.entries.get(name)?.state;
      return state?.kind === "ready" ? state.tools : [];
    });
  }

  async callTool(
    server: string,
    tool: string,
    args: unknown,
    options: McpCallOptions = {},
  ): Promise<McpCallToolResult> {
    const entry = this.entries.get(server);
    const failure = (cause: string) =>
      new McpCallError(`tool call failed for \`${server}/${tool}\`\n\nCaused by:\n    ${cause}`);
    if (entry?.state.kind !== "ready") throw new McpCallError(`unknown MCP server '${server}'`);
    const timeoutMs = options.timeoutMs ?? entry.config.toolTimeoutMs;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signals = options.signal ? [options.signal, timeout.signal] : [timeout.signal];
    try {
      const result = await entry.state.conn.client.callTool(
        {
          name: tool,
          ...(args === undefined || args === null ? {} : { arguments: args as Record<string, unknown> }),
          ...(options.meta === undefined ? {} : { _meta: options.meta }),
        },
        undefined,
        // The SDK sends `notifications/cancelled` with the abort reason as `reason`.
        { signal: abortReason(AbortSignal.any(signals)), timeout: 2 ** 31 - 1 },
      );
      return result as McpCallToolResult;
    } catch (error) {
      if (timeout.signal.aborted)
        throw failure(`timed out awaiting tools/call after ${formatDuration(timeoutMs)}`);
      if (options.signal?.aborted) throw failure("MCP request cancelled by caller");
      throw failure(callErrorCause(error));
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Codex's `list_mcp_resources` payload: one server's page (`{server, resources, nextCursor?}`),
   * or, without `server`, every ready server's resources (all pages), sorted by server. Each
   * resource carries its `server`.
   */
  async listResources(server?: string, cursor?: string): Promise<unknown> {
    return this.listEach(server, cursor, "resources", (client, c) => client.listResources(c));
  }

  /** Like `listResources`, for `resourceTemplates`. */
  async listResourceTemplates(server?: string, cursor?: string): Promise<unknown> {
    return this.listEach(server, cursor, "resourceTemplates", (client, c) => client.listResourceTemplates(c));
  }

  async readResource(server: string, uri: string): Promise<unknown> {
    return this.readyConnection(server).client.readResource({ uri });
  }

  private readyConnection(server: string): McpConnection {
    const state = this.entries.get(server)?.state;
    if (state?.kind !== "ready") throw new Error(`unknown MCP server '${server}'`);
    return state.conn;
  }

  private async listEach<K extends "resources" | "resourceTemplates">(
    server: string | undefined,
    cursor: string | undefined,
    key: K,
    list: (client: McpConnection["client"], params: { cursor?: string }) => Promise<Page<K>>,
  ): Promise<unknown> {
    const tag = (name: string, items: Record<string, unknown>[]) =>
      items.map((item) => ({ server: name, ...item }));
    if (server !== undefined) {
      const page = await list(this.readyConnection(server).client, cursor === undefined ? {} : { cursor });
      return {
        server,
        [key]: tag(server, page[key]),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      };
    }
    const ready = [...this.entries.values()]
      .filter((e) => e.state.kind === "ready")
      .sort((a, b) => compare(a.config.name, b.config.name));
    const perServer = await Promise.all(
      ready.map(async ({ config, state }) => {
        if (state.kind !== "ready") return [];
        try {
          const items: Record<string, unknown>[] = [];
          let next: string | undefined;
          do {
            const page = await list(state.conn.client, next === undefined ? {} : { cursor: next });
            items.push(...page[key]);
            next = page.nextCursor;
          } while (next !== undefined);
          return tag(config.name, items);
        } catch {
          // Codex leaves a server that cannot list out of the combined answer.
          return [];
        }
      }),
    );
    return { [key]: perServer.flat() };
  }

  reload(servers: readonly McpServerConfig[]): void {
    const keep = new Set(servers.map((s) => s.name));
    for (const [name, entry] of this.entries) {
      if (!keep.has(name)) {
        this.entries.delete(name);
        void stop(entry);
      }
    }
    const fresh: Entry[] = [];
    const running: string[] = [];
    const next = new Map<string, Entry>();
    for (const config of servers) {
      const old = this.entries.get(config.name);
      // A running server is kept only while its table is unchanged: a reload that disables it,
      // narrows its tools or changes its launch must not leave the old connection in use.
      if (old && old.state.kind === "ready" && isDeepStrictEqual(old.config, config)) {
        running.push(config.name);
        next.set(config.name, old);
        continue;
      }
      const entry: Entry = { config, state: { kind: config.enabled ? "notStarted" : "disabled" } };
      if (old) void stop(old);
      if (config.enabled) fresh.push(entry);
      next.set(config.name, entry);
    }
    this.entries = next;
    this.launch(fresh, running);
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    await Promise.all(entries.map(stop));
    // Children still handshaking close when their connect settles (see `connect`).
    await Promise.all(entries.map((e) => (e.state.kind === "starting" ? e.state.ready : undefined)));
  }
}

async function stop(entry: Entry): Promise<void> {
  if (entry.state.kind === "starting") entry.state.abort.abort();
  if (entry.state.kind === "ready") {
    const { conn } = entry.state;
    entry.state = { kind: "cancelled" };
    await conn.close().catch(() => {});
  }
}

function runtimeStatus(state: State): McpServerSnapshot["runtimeStatus"] {
  switch (state.kind) {
    case "ready":
      return "connected";
    default:
      return state.kind;
  }
}

/** `enabled_tools` first (an allow-list), then `disabled_tools`; sorted by name. */
export function filterTools(config: McpServerConfig, raw: readonly Record<string, unknown>[]): McpTool[] {
  return raw
    .filter((t) => typeof t.name === "string")
    .filter((t) => config.enabledTools === null || config.enabledTools.includes(t.name as string))
    .filter((t) => !config.disabledTools.includes(t.name as string))
    .map((t) => ({ ...(t as Omit<McpTool, "server">), server: config.name }))
    .sort((a, b) => compare(a.name, b.name));
}

type Page<K extends string> = { [P in K]: Record<string, unknown>[] } & { nextCursor?: string };

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A signal that aborts with Codex's cancellation reason, whatever aborted the source. */
function abortReason(source: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const reason = "MCP request cancelled by caller";
  if (source.aborted) controller.abort(reason);
  else source.addEventListener("abort", () => controller.abort(reason), { once: true });
  return controller.signal;
}

/** `Mcp error: -32603: boom` for JSON-RPC errors (the SDK prefixes its own text). */
function callErrorCause(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = errorText(error).replace(/^MCP error -?\d+: /, "");
  return typeof code === "number" ? `Mcp error: ${code}: ${message}` : message;
}
