import { loadConfigFromEnv } from "../config/load.js";
import { startMcpOAuthLogin } from "../mcp/oauth/login.js";
import { McpOAuthConfigError, mcpOAuthLoginOptions } from "../mcp/oauth/login-options.js";
import { deleteMcpOAuth } from "../mcp/oauth/token-store.js";
import { parseMcpServers } from "../mcp/config.js";
import { UserError } from "../lib/errors.js";
import type { McpCliIo } from "./mcp-cli.js";

/**
 * `keel mcp login NAME` / `keel mcp logout NAME`: the OAuth login of `mcpServer/oauth/login`
 * from a terminal, with Codex 0.169's texts. keel never opens a browser itself: it prints the
 * URL and waits for the browser to come back to its local callback server.
 */

function configured(io: McpCliIo, cliOverrides: readonly string[]) {
  const config = loadConfigFromEnv({ env: io.env, processCwd: io.processCwd, cliOverrides });
  return { config, servers: parseMcpServers(config.mcpServers) };
}

export async function runMcpLogin(
  io: McpCliIo,
  keelHome: string,
  name: string,
  flags: { scopes: readonly string[] | null; config: readonly string[] },
): Promise<number> {
  const { config, servers } = configured(io, flags.config);
  let options: ReturnType<typeof mcpOAuthLoginOptions>;
  try {
    options = mcpOAuthLoginOptions({
      home: keelHome,
      servers,
      name,
      toml: config.toml,
      env: io.env,
      scopes: flags.scopes,
    });
  } catch (error) {
    if (error instanceof McpOAuthConfigError) throw new UserError(error.message, 1);
    throw error;
  }
  const started = await startMcpOAuthLogin(options);
  io.stdout(`Authorize \`${name}\` by opening this URL in your browser:\n${started.authorizationUrl}\n`);
  try {
    await started.completion;
  } catch (error) {
    throw new UserError(`failed to login to MCP server '${name}': ${(error as Error)?.message ?? error}`, 1);
  }
  io.stdout(`Successfully logged in to MCP server '${name}'.\n`);
  return 0;
}

export function runMcpLogout(
  io: McpCliIo,
  keelHome: string,
  name: string,
  flags: { config: readonly string[] },
): number {
  const server = configured(io, flags.config).servers.find((s) => s.name === name);
  if (!server) throw new UserError(`No MCP server named '${name}' found.`, 1);
  if (server.transport.type !== "streamable_http") {
    throw new UserError("OAuth logout is only supported for streamable_http transports.", 1);
  }
  io.stdout(
    deleteMcpOAuth(keelHome, name, server.transport.url)
      ? `Removed OAuth credentials for '${name}'.\n`
      : `No OAuth credentials stored for '${name}'.\n`,
  );
  return 0;
}
