import type { McpStartupStatus } from "../protocol/events.js";

/**
 * The MCP client's contract (spec mcp.md): what the session, the tool router and the app-server
 * use. `src/mcp/` implements it with the official SDK, imported lazily so start-up does not pay
 * for it. Names are the raw server and tool names from config and `tools/list`; sanitising for the
 * model happens in `tool-names.ts`.
 */

export type McpApprovalMode = "auto" | "prompt" | "approve";

/** An `env_vars` entry: copy `name` from keel's own environment when it is set. */
export interface McpEnvVar {
  name: string;
  source: "local" | "remote";
}

export type McpTransportConfig =
  | {
      type: "stdio";
      command: string;
      args: string[];
      env: Record<string, string> | null;
      envVars: McpEnvVar[];
      /** null: the thread's cwd. */
      cwd: string | null;
    }
  | {
      type: "streamable_http";
      url: string;
      bearerTokenEnvVar: string | null;
      httpHeaders: Record<string, string> | null;
      /** header name → environment variable holding its value. */
      envHttpHeaders: Record<string, string> | null;
    };

export interface McpToolOverride {
  approvalMode?: McpApprovalMode;
  outputTokenLimit?: number;
}

/** One `[mcp_servers.NAME]` table, validated, with Codex's defaults filled in. */
export interface McpServerConfig {
  name: string;
  transport: McpTransportConfig;
  enabled: boolean;
  required: boolean;
  /** initialize + the whole `tools/list`; default 30 s. */
  startupTimeoutMs: number;
  /** each `tools/call`; default 300 s. */
  toolTimeoutMs: number;
  /** Allow-list of raw tool names (null: all), applied before `disabledTools`. */
  enabledTools: string[] | null;
  disabledTools: string[];
  supportsParallelToolCalls: boolean;
  defaultToolsApprovalMode: McpApprovalMode;
  tools: Record<string, McpToolOverride>;
  /** OAuth settings for streamable HTTP servers. */
  scopes: string[] | null;
  oauthClientId: string | null;
  oauthResource: string | null;
}

/** A tool a ready server listed (after `enabled_tools` / `disabled_tools`). */
export interface McpTool {
  server: string;
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: {
    title?: string;
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
  _meta?: Record<string, unknown>;
}

/** v2 `McpServerStatus.runtimeStatus` spelling (null for throw-away listings). */
export type McpRuntimeStatus =
  | "notStarted"
  | "starting"
  | "connected"
  | "authenticationRequired"
  | "failed"
  | "cancelled"
  | "disabled";

/** What `mcpServerStatus/list` reports about one server. */
export interface McpServerSnapshot {
  name: string;
  runtimeStatus: McpRuntimeStatus;
  /** The start-up failure text (`MCP client for \`N\` failed to start: …`), else null. */
  error: string | null;
  /** Filtered tools, sorted by name. */
  tools: McpTool[];
  /** `initialize` result's `instructions` (the namespace description sent to the model). */
  instructions: string | null;
  serverInfo: Record<string, unknown> | null;
  serverCapabilities: Record<string, unknown> | null;
  /** Where an HTTP server lives (`scheme://host:port`), else null. */
  httpOrigin: string | null;
}

/** MCP `CallToolResult` as the server sent it (content blocks, structuredContent, isError, _meta). */
export interface McpCallToolResult {
  content: Record<string, unknown>[];
  structuredContent?: unknown;
  isError?: boolean;
  _meta?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface McpCallOptions {
  /** Aborting sends `notifications/cancelled {reason:"MCP request cancelled by caller"}`. */
  signal?: AbortSignal;
  /** Overrides the server's `tool_timeout_sec`. */
  timeoutMs?: number;
  /** `_meta` sent with `tools/call` (progressToken is added by the client). */
  meta?: Record<string, unknown>;
}

/**
 * A failed call (JSON-RPC error, timeout, closed connection). `message` is the text after
 * `tool call error: ` in the model's output, e.g. "tool call failed for `srv/tool`\n\nCaused by:\n
 *    timed out awaiting tools/call after 1s".
 */
export class McpCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "McpCallError";
  }
}

/** The required servers that failed; the message is the seed's "required MCP servers failed to initialize: …". */
export class McpRequiredServersError extends Error {
  constructor(readonly failures: { server: string; cause: string }[]) {
    super(
      `required MCP servers failed to initialize: ${failures.map((f) => `${f.server}: ${f.cause}`).join("; ")}`,
    );
    this.name = "McpRequiredServersError";
  }
}

/** `elicitation/create` params from a server (form: `requestedSchema`; url: `url`, `elicitationId`). */
export interface McpElicitationRequest {
  mode: "form" | "url";
  message: string;
  requestedSchema?: unknown;
  url?: string;
  elicitationId?: string;
  _meta?: Record<string, unknown> | null;
}

export interface McpElicitationResult {
  action: "accept" | "decline" | "cancel";
  content?: Record<string, unknown>;
  _meta?: Record<string, unknown> | null;
}

export interface McpManagerHooks {
  /** Every start-up state change, in order (`starting` burst first). */
  onStatus(server: string, status: McpStartupStatus): void;
  /** A start (or reload) settled: the session emits `mcp_startup_complete`. */
  onStartupComplete?(summary: {
    ready: string[];
    failed: { server: string; error: string }[];
    cancelled: string[];
  }): void;
  /** A server asks the user; reject or answer `cancel` when nobody can answer. */
  onElicitation(
    server: string,
    request: McpElicitationRequest,
    signal: AbortSignal,
  ): Promise<McpElicitationResult>;
}

/** One thread's MCP clients (Codex: `McpConnectionManager`). */
export interface McpConnectionManager {
  /** Spawns every enabled server; returns at once. */
  start(): void;
  /** Resolves when every `required` server is ready; rejects with McpRequiredServersError. */
  waitForRequired(): Promise<void>;
  /** Waits at most `maxMs` for servers still starting (a turn's first request). */
  waitForStarting(maxMs: number): Promise<void>;
  /** Every configured server (disabled ones too), in config order. */
  servers(): McpServerSnapshot[];
  /** The tools of ready servers, filtered, sorted by server then name. */
  tools(): McpTool[];
  callTool(server: string, tool: string, args: unknown, options?: McpCallOptions): Promise<McpCallToolResult>;
  listResources(server?: string, cursor?: string): Promise<unknown>;
  listResourceTemplates(server?: string, cursor?: string): Promise<unknown>;
  readResource(server: string, uri: string): Promise<unknown>;
  /** Starts servers that are new, stops removed ones; running ones re-report `ready`. */
  reload(servers: readonly McpServerConfig[]): void;
  /** Ends every child (stdin EOF, then SIGTERM) and closes HTTP sessions. */
  shutdown(): Promise<void>;
}
