import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { McpOAuthProvider } from "./provider.js";

/**
 * An OAuth login for one streamable HTTP MCP server, as Codex runs it (rmcp-client
 * perform_oauth_login): a local callback server, discovery, dynamic client registration (unless
 * `oauth.client_id` is set) and PKCE through the SDK, then the tokens are stored. The redirect
 * URI ends in a callback id derived from the server URL, so one callback address serves many
 * servers without mixing them up.
 */

export const DEFAULT_OAUTH_TIMEOUT_MS = 300_000;

export interface McpOAuthLoginOptions {
  home: string;
  serverName: string;
  serverUrl: string;
  scopes: readonly string[];
  clientId: string | null;
  /** `oauth_resource`: sent as the authorization request's `resource`. */
  resource: string | null;
  /** `mcp_oauth_callback_port` (null: any free port). */
  callbackPort: number | null;
  /** `mcp_oauth_callback_url` (null: `http://127.0.0.1:<port>/callback`). */
  callbackUrl: string | null;
  timeoutMs: number;
  /** Static headers (`http_headers`, `env_http_headers` resolved) for discovery and token requests. */
  headers?: Record<string, string>;
}

export interface McpOAuthLogin {
  readonly authorizationUrl: string;
  /** Settles once tokens are stored (or the login failed, timed out or was cancelled). */
  readonly completion: Promise<void>;
  cancel(): void;
}

/** Codex's callback id: base64url of the first 9 bytes of SHA-256 of the URL without fragment. */
export function callbackId(serverUrl: string): string {
  const url = new URL(serverUrl);
  url.hash = "";
  return createHash("sha256").update(url.href).digest().subarray(0, 9).toString("base64url");
}

function withCallbackId(redirect: string, serverUrl: string): string {
  const url = new URL(redirect);
  url.pathname = url.pathname.endsWith("/")
    ? `${url.pathname}${callbackId(serverUrl)}`
    : `${url.pathname}/${callbackId(serverUrl)}`;
  return url.href;
}

/** Loopback unless the configured callback URL names another host (then every interface). */
function bindHost(callbackUrl: string | null): string {
  if (callbackUrl === null) return "127.0.0.1";
  const host = new URL(callbackUrl).hostname;
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]" ? "127.0.0.1" : "0.0.0.0";
}

type CallbackResult = { code: string; state: string } | { error: string; state: string | null };

/** The query of a request to the callback path: a code and state, a provider error, or nothing useful. */
function parseCallback(target: string, expectedPath: string): CallbackResult | null {
  const url = new URL(target, "http://callback.invalid");
  if (url.pathname !== expectedPath) return null;
  const q = url.searchParams;
  const code = q.get("code");
  const state = q.get("state");
  if (code !== null && state !== null) return { code, state };
  const error = q.get("error");
  const description = q.get("error_description");
  if (error !== null && description !== null)
    return { error: `OAuth provider returned \`${error}\`: ${description}`, state };
  if (error !== null) return { error: `OAuth provider returned \`${error}\``, state };
  if (description !== null) return { error: `OAuth error: ${description}`, state };
  return null;
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function headerFetch(headers: Record<string, string> | undefined): typeof fetch {
  if (!headers || Object.keys(headers).length === 0) return fetch;
  return (input, init) => {
    const merged = new Headers(init?.headers);
    for (const [name, value] of Object.entries(headers)) if (!merged.has(name)) merged.set(name, value);
    return fetch(input, { ...init, headers: merged });
  };
}

export async function startMcpOAuthLogin(options: McpOAuthLoginOptions): Promise<McpOAuthLogin> {
  if (options.callbackPort === 0) {
    throw new Error(`invalid MCP OAuth callback port \`0\`: port must be between 1 and 65535`);
  }
  if (options.callbackUrl !== null && !URL.canParse(options.callbackUrl)) {
    throw new Error(`invalid MCP OAuth callback URL \`${options.callbackUrl}\``);
  }
  const { auth } = await import("@modelcontextprotocol/sdk/client/auth.js");
  const server = http.createServer();
  const port = await listen(server, bindHost(options.callbackUrl), options.callbackPort ?? 0);
  const close = () => {
    server.closeAllConnections();
    server.close();
  };
  try {
    const redirectUrl = withCallbackId(
      options.callbackUrl ?? `http://127.0.0.1:${port}/callback`,
      options.serverUrl,
    );
    const provider = new McpOAuthProvider({
      home: options.home,
      serverName: options.serverName,
      serverUrl: options.serverUrl,
      redirectUrl,
      clientId: options.clientId,
      scopes: options.scopes,
      ignoreStoredTokens: true,
    });
    const fetchFn = headerFetch(options.headers);
    const scope = options.scopes.length > 0 ? options.scopes.join(" ") : undefined;
    const started = await auth(provider, {
      serverUrl: options.serverUrl,
      fetchFn,
      ...(scope ? { scope } : {}),
    });
    const url = provider.authorizationUrl;
    if (started !== "REDIRECT" || url === null)
      throw new Error("the authorization server did not ask for a browser login");
    if (options.resource?.trim() && !url.searchParams.has("resource")) {
      url.searchParams.set("resource", options.resource.trim());
    }

    let cancel: (reason: Error) => void = () => {};
    const callback = new Promise<{ code: string; state: string }>((resolve, reject) => {
      cancel = reject;
      const expectedPath = new URL(redirectUrl).pathname;
      server.on("request", (req, res) => {
        const parsed = parseCallback(req.url ?? "/", expectedPath);
        // Only this login's redirect counts, an error redirect included (it carries the state too,
        // RFC 6749 §4.1.2.1): anything else may come from any page on this machine (CSRF), so
        // keep waiting for the real one.
        if (parsed === null || parsed.state === null || !provider.stateMatches(parsed.state)) {
          res.writeHead(400).end("Invalid OAuth callback");
        } else if ("error" in parsed) {
          res.writeHead(400).end(parsed.error);
          reject(new Error(parsed.error));
        } else {
          res
            .writeHead(200, { "content-type": "text/plain" })
            .end("Authentication complete. You may close this window.");
          resolve(parsed);
        }
      });
    });
    const timer = setTimeout(
      () => cancel(new Error("timed out waiting for OAuth callback")),
      Math.max(1000, options.timeoutMs),
    );
    timer.unref();
    const completion = callback
      .then(async ({ code }) => {
        const result = await auth(provider, {
          serverUrl: options.serverUrl,
          authorizationCode: code,
          fetchFn,
        });
        if (result !== "AUTHORIZED") throw new Error("OAuth provider did not return credentials");
      })
      .finally(() => {
        clearTimeout(timer);
        close();
      });
    // The caller may only look at `completion` later; an early failure must not go unhandled.
    completion.catch(() => {});
    return {
      authorizationUrl: url.href,
      completion,
      cancel: () => cancel(new Error("OAuth login was cancelled")),
    };
  } catch (error) {
    close();
    throw error;
  }
}
