import { z } from "zod";
import { configuredHttpHeaders } from "../connection.js";
import type { McpServerConfig } from "../types.js";
import { DEFAULT_OAUTH_TIMEOUT_MS, type McpOAuthLoginOptions } from "./login.js";

/**
 * What an OAuth login of one configured server needs, from its `[mcp_servers.NAME]` entry and
 * the top-level callback keys. Shared by `mcpServer/oauth/login` and `keel mcp login`; the
 * thrown texts are Codex's.
 */

/** `mcp_oauth_callback_port` / `mcp_oauth_callback_url` (top-level config.toml keys, as in Codex). */
const CallbackKeysSchema = z.looseObject({
  mcp_oauth_callback_port: z.number().int().min(0).max(65535).optional(),
  mcp_oauth_callback_url: z.string().optional(),
});

export class McpOAuthConfigError extends Error {}

export function mcpOAuthLoginOptions(input: {
  home: string;
  servers: readonly McpServerConfig[];
  name: string;
  /** The merged config document (for the callback keys). */
  toml: unknown;
  env: Readonly<Record<string, string | undefined>>;
  /** Overrides the server's `scopes`. */
  scopes?: readonly string[] | null;
  timeoutMs?: number | null;
}): McpOAuthLoginOptions {
  const config = input.servers.find((s) => s.name === input.name);
  if (!config) throw new McpOAuthConfigError(`No MCP server named '${input.name}' found.`);
  if (config.transport.type !== "streamable_http") {
    throw new McpOAuthConfigError("OAuth login is only supported for streamable HTTP servers.");
  }
  const keys = CallbackKeysSchema.safeParse(input.toml);
  if (!keys.success) {
    const issue = keys.error.issues[0];
    throw new McpOAuthConfigError(`invalid \`${issue?.path.join(".")}\` in config.toml: ${issue?.message}`);
  }
  return {
    home: input.home,
    serverName: config.name,
    serverUrl: config.transport.url,
    scopes: input.scopes ?? config.scopes ?? [],
    clientId: config.oauthClientId,
    resource: config.oauthResource,
    callbackPort: keys.data.mcp_oauth_callback_port ?? null,
    callbackUrl: keys.data.mcp_oauth_callback_url ?? null,
    timeoutMs: input.timeoutMs ?? DEFAULT_OAUTH_TIMEOUT_MS,
    headers: configuredHttpHeaders(config.transport, input.env),
  };
}
