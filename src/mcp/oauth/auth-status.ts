import type { McpAuthStatus } from "../../protocol/v2/mcp.js";
import type { McpServerConfig } from "../types.js";
import { loadMcpOAuth } from "./token-store.js";

/** How long OAuth discovery may take for a status listing. */
const DISCOVERY_TIMEOUT_MS = 5_000;

/**
 * A server's `authStatus` for `mcpServerStatus/list` (Codex's order): stdio servers have no auth;
 * a bearer token from the environment wins; stored OAuth tokens mean `oAuth`; otherwise the
 * server is asked whether it supports OAuth (`notLoggedIn`) or not (`unsupported`); a server that
 * cannot be asked is `unknown`.
 */
export async function mcpAuthStatus(home: string, server: McpServerConfig): Promise<McpAuthStatus> {
  const transport = server.transport;
  if (transport.type !== "streamable_http") return "unsupported";
  if (transport.bearerTokenEnvVar !== null) return "bearerToken";
  try {
    if (loadMcpOAuth(home, server.name, transport.url)) return "oAuth";
  } catch {
    return "unknown";
  }
  try {
    const { discoverOAuthServerInfo } = await import("@modelcontextprotocol/sdk/client/auth.js");
    const fetchFn: typeof fetch = (input, init) =>
      fetch(input, { ...init, signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
    const info = await discoverOAuthServerInfo(transport.url, { fetchFn });
    return info.authorizationServerMetadata ? "notLoggedIn" : "unsupported";
  } catch {
    return "unknown";
  }
}
