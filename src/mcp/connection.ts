import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { KEEL_VERSION } from "../cli/version.js";
import { childEnv } from "./env.js";
import { formatDuration } from "./duration.js";
import type { McpElicitationRequest, McpElicitationResult, McpServerConfig } from "./types.js";

/** The protocol revision Codex 0.169 offers in `initialize` (the SDK would offer its newest). */
export const MCP_PROTOCOL_VERSION = "2025-06-18";

export const MCP_CLIENT_INFO = { name: "codex-mcp-client", title: "Codex", version: KEEL_VERSION };

export interface ConnectOptions {
  /** The thread's cwd: a stdio child's default working directory. */
  cwd: string;
  /** keel's own environment (the child gets a whitelisted part of it). */
  env: Readonly<Record<string, string | undefined>>;
  onElicitation(request: McpElicitationRequest, signal: AbortSignal): Promise<McpElicitationResult>;
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
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new McpStartupError(
            `timed out awaiting tools/list after ${formatDuration(config.startupTimeoutMs)}`,
          ),
        ),
      config.startupTimeoutMs,
    );
  });
  try {
    await Promise.race([handshake(client, transport), timeout]);
    const tools = await Promise.race([listAllTools(client), timeout]);
    return {
      client,
      tools,
      instructions: client.getInstructions() ?? null,
      serverInfo: (client.getServerVersion() as Record<string, unknown> | undefined) ?? null,
      serverCapabilities: (client.getServerCapabilities() as Record<string, unknown> | undefined) ?? null,
      close: () => client.close(),
    };
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function handshake(client: Client, transport: Transport): Promise<void> {
  try {
    await client.connect(transport);
  } catch (error) {
    if (error instanceof McpStartupError) throw error;
    if (isEnoent(error)) throw new McpStartupError("No such file or directory (os error 2)");
    throw new McpStartupError(`handshaking with MCP server failed: ${errorText(error)}`);
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

async function openTransport(config: McpServerConfig, options: ConnectOptions): Promise<Transport> {
  const t = config.transport;
  if (t.type !== "stdio") throw new McpStartupError("streamable HTTP servers are not supported yet");
  const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
  const transport = new StdioClientTransport({
    command: t.command,
    args: t.args,
    env: childEnv(options.env, t.envVars, t.env),
    cwd: t.cwd ?? options.cwd,
    // The child's stderr would interleave with keel's own output; drop it.
    stderr: "ignore",
  });
  return offerProtocolVersion(transport);
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
