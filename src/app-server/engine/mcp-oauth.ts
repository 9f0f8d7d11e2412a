import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DEFAULT_OAUTH_TIMEOUT_MS, startMcpOAuthLogin } from "../../mcp/oauth/login.js";
import type { McpServerConfig } from "../../mcp/types.js";
import type { McpServerOauthLoginParams } from "../../protocol/v2/mcp.js";
import { internalError, invalidRequest } from "../errors.js";
import type { RequestHandler } from "../router.js";
import { loadEngineConfig } from "./config-loader.js";
import type { Engine } from "./engine.js";
import { configuredServers } from "./mcp-status.js";
import { wire } from "./wire-errors.js";

/** `mcp_oauth_callback_port` / `mcp_oauth_callback_url` (top-level config.toml keys, as in Codex). */
const CallbackKeysSchema = z.looseObject({
  mcp_oauth_callback_port: z.number().int().min(0).max(65535).optional(),
  mcp_oauth_callback_url: z.string().optional(),
});

/** Static and environment-sourced headers of an HTTP server, sent with discovery and token requests. */
function headersOf(config: McpServerConfig, env: Readonly<Record<string, string | undefined>>) {
  if (config.transport.type !== "streamable_http") return {};
  const headers: Record<string, string> = { ...config.transport.httpHeaders };
  for (const [name, variable] of Object.entries(config.transport.envHttpHeaders ?? {})) {
    const value = env[variable];
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/**
 * `mcpServer/oauth/login` (spec mcp.md §7): answers `{authorizationUrl, loginId}` as soon as the
 * callback server listens; `mcpServer/oauthLogin/completed` follows once the browser comes back
 * (or the login fails or times out). A successful login restarts the servers of loaded threads
 * that were not running, so the new token is used at once.
 */
export function mcpOAuthLoginHandler(engine: Engine): RequestHandler<"mcpServer/oauth/login"> {
  return (params) => wire(() => login(engine, params));
}

async function login(engine: Engine, params: McpServerOauthLoginParams) {
  const thread = params.threadId != null ? engine.require(params.threadId) : null;
  const cwd = thread ? thread.session.snapshot().cwd : null;
  const loaded = loadEngineConfig(engine.config, cwd ? { cwd } : {}, thread?.facts.requestConfig);
  const servers = thread ? thread.session.mcpServerConfigs() : configuredServers(engine, null);
  const config = servers.find((s) => s.name === params.name);
  if (!config) throw invalidRequest(`No MCP server named '${params.name}' found.`);
  if (config.transport.type !== "streamable_http") {
    throw invalidRequest("OAuth login is only supported for streamable HTTP servers.");
  }
  if (params.clientRegistration === "cimd") {
    throw invalidRequest("client ID metadata document registration (`cimd`) is not supported by keel");
  }
  const keys = CallbackKeysSchema.safeParse(loaded.toml);
  if (!keys.success) {
    const issue = keys.error.issues[0];
    throw invalidRequest(`invalid \`${issue?.path.join(".")}\` in config.toml: ${issue?.message}`);
  }
  const failed = (cause: unknown) =>
    internalError(`failed to login to MCP server '${params.name}': ${(cause as Error)?.message ?? cause}`);
  let started: Awaited<ReturnType<typeof startMcpOAuthLogin>>;
  try {
    started = await startMcpOAuthLogin({
      home: engine.config.keelHome,
      serverName: config.name,
      serverUrl: config.transport.url,
      scopes: params.scopes ?? config.scopes ?? [],
      clientId: config.oauthClientId,
      resource: config.oauthResource,
      callbackPort: keys.data.mcp_oauth_callback_port ?? null,
      callbackUrl: keys.data.mcp_oauth_callback_url ?? null,
      timeoutMs: params.timeoutSecs != null ? params.timeoutSecs * 1000 : DEFAULT_OAUTH_TIMEOUT_MS,
      headers: headersOf(config, engine.config.env),
    });
  } catch (error) {
    throw failed(error);
  }
  const loginId = randomUUID();
  const threadId = params.threadId ?? null;
  started.completion.then(
    () => {
      engine.server.subscriptions.notifyAll("mcpServer/oauthLogin/completed", {
        name: config.name,
        success: true,
        error: null,
        loginId,
        threadId,
      });
      for (const loadedThread of engine.loadedThreads()) {
        void loadedThread.session
          .reloadMcp(loadedThread.session.mcpServerConfigs())
          .catch((e) => engine.server.log(`MCP reload after login failed: ${e}`));
      }
    },
    (error: unknown) => {
      engine.server.log(`Failed to complete OAuth login for '${config.name}': ${(error as Error)?.message}`);
      engine.server.subscriptions.notifyAll("mcpServer/oauthLogin/completed", {
        name: config.name,
        success: false,
        error: (error as Error)?.message ?? String(error),
        loginId,
        threadId,
      });
    },
  );
  return { authorizationUrl: started.authorizationUrl, loginId };
}
