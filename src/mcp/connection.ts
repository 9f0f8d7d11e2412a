import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { KEEL_VERSION } from "../cli/version.js";
import { childEnv } from "./env.js";
import { debugDuration, formatDuration } from "./duration.js";
import type { McpElicitationRequest, McpElicitationResult, McpServerConfig } from "./types.js";

/** The protocol revision Codex 0.169 offers in `initialize` (the SDK would offer its newest). */
export const MCP_PROTOCOL_VERSION = "2025-06-18";

export const MCP_CLIENT_INFO = { name: "codex-mcp-client", title: "Codex", version: KEEL_VERSION };

export interface ConnectOptions {
  /** The thread's cwd: a stdio child's default working directory. */
  cwd: string;
  /** keel's own environment (the child gets a whitelisted part of it; HTTP headers read it). */
  env: Readonly<Record<string, string | undefined>>;
  onElicitation(request: McpElicitationRequest, signal: AbortSignal): Promise<McpElicitationResult>;
  /** OAuth tokens for a streamable HTTP server, when someone provides them. */
  authProvider?: OAuthClientProvider | undefined;
  /** Aborting stops the start-up (the child is ended). */
  signal?: AbortSignal;
}

/** A start-up failure; `cause` is the part after `MCP startup failed: `. */
export class McpStartupError extends Error {
  constructor(override readonly cause: string) {
    super(cause);
    this.name = "McpStartupError";
  }
}

/** A live, initialised client with the server's full (unfiltered) tool list. */
export interface McpConnection {
  client: Client;
  tools: Record<string, unknown>[];
  instructions: string | null;
  serverInfo: Record<string, unknown> | null;
  serverCapabilities: Record<string, unknown> | null;
  close(): Promise<void>;
}

/**
 * Spawns (or dials) one server and runs the handshake of spec §2: `initialize` → `initialized` →
 * `tools/list` (all pages), all within `startupTimeoutMs`. Fails with `McpStartupError`.
 */
export async function connectMcpServer(
  config: McpServerConfig,
  options: ConnectOptions,
): Promise<McpConnection> {
  const sdk = await import("@modelcontextprotocol/sdk/client/index.js");
  const types = await import("@modelcontextprotocol/sdk/types.js");
  const client = new sdk.Client(MCP_CLIENT_INFO, {
    capabilities: { elicitation: { form: {}, url: {} }, experimental: { "codex/auth-change": {} } },
  });
  client.setRequestHandler(types.ElicitRequestSchema, async (request, extra) => {
    const params = request.params as Record<string, unknown>;
    const result = await options.onElicitation(
      {
        mode: params.mode === "url" ? "url" : "form",
        message: String(params.message ?? ""),
        ...(params.requestedSchema === undefined ? {} : { requestedSchema: params.requestedSchema }),
        ...(typeof params.url === "string" ? { url: params.url } : {}),
        ...(typeof params.elicitationId === "string" ? { elicitationId: params.elicitationId } : {}),
        _meta: (params._meta as Record<string, unknown> | undefined) ?? null,
      },
      extra.signal,
    );
    // Only an accepted answer carries content (spec §6).
    return result.action === "accept"
      ? { action: "accept", content: result.content ?? {} }
      : { action: result.action };
  });

  const transport = await openTransport(config, options);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  // One deadline covers initialize and every tools/list page (spec §2); Codex words the
  // timeout after the phase it hit.
  let phase: "initialize" | "tools/list" = "initialize";
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new McpStartupError(timeoutText(phase, config.startupTimeoutMs))),
      config.startupTimeoutMs,
    );
    onAbort = () => reject(new McpStartupError("cancelled"));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
  });
  try {
    await Promise.race([handshake(client, transport), timeout]);
    phase = "tools/list";
    const tools = await Promise.race([listAllTools(client), timeout]);
    return {
      client,
      tools,
      instructions: client.getInstructions() ?? null,
      serverInfo: (client.getServerVersion() as Record<string, unknown> | undefined) ?? null,
      serverCapabilities: (client.getServerCapabilities() as Record<string, unknown> | undefined) ?? null,
      close: () => closeClient(client, transport),
    };
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener("abort", onAbort);
  }
}

/** Ends an HTTP session with DELETE (as Codex does) before closing the transport. */
async function closeClient(client: Client, transport: Transport): Promise<void> {
  const http = transport as Transport & { terminateSession?: () => Promise<void> };
  await http.terminateSession?.().catch(() => {});
  await client.close();
}

async function handshake(client: Client, transport: Transport): Promise<void> {
  try {
    await client.connect(transport);
  } catch (error) {
    if (error instanceof McpStartupError) throw error;
    if (isEnoent(error)) throw new McpStartupError("No such file or directory (os error 2)");
    throw new McpStartupError(`handshaking with MCP server failed: ${handshakeCause(error)}`);
  }
}

async function listAllTools(client: Client): Promise<Record<string, unknown>[]> {
  const tools: Record<string, unknown>[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools({
      ...(cursor === undefined ? {} : { cursor }),
      _meta: { progressToken: 0 },
    });
    tools.push(...(page.tools as Record<string, unknown>[]));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return tools;
}

function timeoutText(phase: "initialize" | "tools/list", ms: number): string {
  return phase === "initialize"
    ? `timed out handshaking with MCP server after ${debugDuration(ms)}: deadline has elapsed`
    : `timed out awaiting tools/list after ${formatDuration(ms)}`;
}

/** rmcp's wording for a server that went away before answering `initialize`. */
function handshakeCause(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  // rmcp repeats the cause through its error chain.
  if (code === CONNECTION_CLOSED)
    return "connection closed: initialize response: connection closed: initialize response";
  return errorText(error);
}

/** The SDK's `ErrorCode.ConnectionClosed`. */
const CONNECTION_CLOSED = -32000;

async function openTransport(config: McpServerConfig, options: ConnectOptions): Promise<Transport> {
  const t = config.transport;
  if (t.type === "streamable_http") {
    const headers = httpHeaders(config.name, t, options.env);
    const { StreamableHTTPClientTransport } = await import(
      "@modelcontextprotocol/sdk/client/streamableHttp.js"
    );
    return offerProtocolVersion(
      new StreamableHTTPClientTransport(new URL(t.url), {
        requestInit: { headers },
        ...(options.authProvider ? { authProvider: options.authProvider } : {}),
      }),
    );
  }
  const { StdioTransport } = await import("./stdio-transport.js");
  const transport = new StdioTransport({
    command: t.command,
    args: t.args,
    env: childEnv(options.env, t.envVars, t.env),
    cwd: t.cwd ?? options.cwd,
  });
  return offerProtocolVersion(transport);
}

/** A server's own headers: static `http_headers`, then `env_http_headers` whose variable is set. */
export function configuredHttpHeaders(
  t: Extract<McpServerConfig["transport"], { type: "streamable_http" }>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const headers: Record<string, string> = { ...t.httpHeaders };
  for (const [name, variable] of Object.entries(t.envHttpHeaders ?? {})) {
    const value = env[variable];
    if (value !== undefined && value.trim() !== "") headers[name] = value;
  }
  return headers;
}

/**
 * Headers of every HTTP request: Codex's user-agent, static `http_headers`, `env_http_headers`
 * whose variable is set, and the bearer token (its variable must be set).
 */
export function httpHeaders(
  server: string,
  t: Extract<McpServerConfig["transport"], { type: "streamable_http" }>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const headers: Record<string, string> = {
    "user-agent": `${MCP_CLIENT_INFO.name}/${MCP_CLIENT_INFO.version}`,
    ...configuredHttpHeaders(t, env),
  };
  if (t.bearerTokenEnvVar !== null) {
    const token = env[t.bearerTokenEnvVar];
    if (token === undefined || token === "")
      throw new McpStartupError(
        `Environment variable ${t.bearerTokenEnvVar} for MCP server '${server}' is not set`,
      );
    headers.authorization = `Bearer ${token}`;
  }
  return headers;
}

/** Rewrites the `initialize` request's protocolVersion to the one Codex offers. */
function offerProtocolVersion<T extends Transport>(transport: T): T {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if ("method" in message && message.method === "initialize" && message.params) {
      return send(
        { ...message, params: { ...message.params, protocolVersion: MCP_PROTOCOL_VERSION } },
        options,
      );
    }
    return send(message, options);
  };
  return transport;
}

function isEnoent(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
