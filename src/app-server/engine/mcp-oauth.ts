import { randomUUID } from "node:crypto";
import { type McpOAuthLoginOptions, startMcpOAuthLogin } from "../../mcp/oauth/login.js";
import { McpOAuthConfigError, mcpOAuthLoginOptions } from "../../mcp/oauth/login-options.js";
import type { McpServerOauthLoginParams } from "../../protocol/v2/mcp.js";
import { internalError, invalidRequest } from "../errors.js";
import type { RequestHandler } from "../router.js";
import { loadEngineConfig } from "./config-loader.js";
import type { Engine } from "./engine.js";
import { configuredServers } from "./mcp-status.js";
import { wire } from "./wire-errors.js";

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
  let options: McpOAuthLoginOptions;
  try {
    options = mcpOAuthLoginOptions({
      home: engine.config.keelHome,
      servers,
      name: params.name,
      toml: loaded.toml,
      env: engine.config.env,
      scopes: params.scopes ?? null,
      timeoutMs: params.timeoutSecs != null ? params.timeoutSecs * 1000 : null,
    });
  } catch (error) {
    if (error instanceof McpOAuthConfigError) throw invalidRequest(error.message);
    throw error;
  }
  if (params.clientRegistration === "cimd") {
    throw invalidRequest("client ID metadata document registration (`cimd`) is not supported by keel");
  }
  const failed = (cause: unknown) =>
    internalError(`failed to login to MCP server '${params.name}': ${(cause as Error)?.message ?? cause}`);
  let started: Awaited<ReturnType<typeof startMcpOAuthLogin>>;
  try {
    started = await startMcpOAuthLogin(options);
  } catch (error) {
    throw failed(error);
  }
  const loginId = randomUUID();
  const threadId = params.threadId ?? null;
  started.completion.then(
    () => {
      engine.server.subscriptions.notifyAll("mcpServer/oauthLogin/completed", {
        name: options.serverName,
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
      engine.server.log(
        `Failed to complete OAuth login for '${options.serverName}': ${(error as Error)?.message}`,
      );
      engine.server.subscriptions.notifyAll("mcpServer/oauthLogin/completed", {
        name: options.serverName,
        success: false,
        error: (error as Error)?.message ?? String(error),
        loginId,
        threadId,
      });
    },
  );
  return { authorizationUrl: started.authorizationUrl, loginId };
}
