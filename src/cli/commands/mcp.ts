import type { Command } from "commander";
import { parseEnvPair } from "../env-pair.js";
import { guardOutput } from "../output.js";

interface ConfigFlags {
  config?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Parsed while the arguments are, so a bad pair is a usage error before anything runs. */
function collectEnv(value: string, previous: [string, string][] = []): [string, string][] {
  return [...previous, parseEnvPair(value)];
}

async function processIo() {
  const { requireUsableKeelHome, resolveKeelHome } = await import("../../config/home.js");
  const keelHome = resolveKeelHome(process.env);
  requireUsableKeelHome(keelHome, process.env);
  return {
    keelHome,
    io: { env: process.env, processCwd: process.cwd(), stdout: guardOutput(process.stdout).write },
  };
}

/**
 * `keel mcp list|get|add|remove`: manage `[mcp_servers.*]` in `$KEEL_HOME/config.toml` as
 * `codex mcp` does. Returns the `mcp` command so other subcommands (login, logout) can be added
 * from their own modules.
 */
export function registerMcpCommand(program: Command): Command {
  const mcp = program.command("mcp").description("Manage external MCP servers for keel");
  const configOption = [
    "-c, --config <key=value>",
    "override a config value (TOML value; repeatable)",
  ] as const;

  mcp
    .command("list")
    .description("List configured MCP servers")
    .option(...configOption, collect)
    .option("--json", "output the configured servers as JSON")
    .action(async (flags: ConfigFlags & { json?: boolean }) => {
      const { io } = await processIo();
      const { runMcpList } = await import("../mcp-cli.js");
      process.exitCode = runMcpList(io, { json: flags.json === true, config: flags.config ?? [] });
    });

  mcp
    .command("get")
    .description("Show one configured MCP server")
    .argument("<name>", "name of the MCP server to display")
    .option(...configOption, collect)
    .option("--json", "output the server configuration as JSON")
    .action(async (name: string, flags: ConfigFlags & { json?: boolean }) => {
      const { io } = await processIo();
      const { runMcpGet } = await import("../mcp-cli.js");
      process.exitCode = runMcpGet(io, name, { json: flags.json === true, config: flags.config ?? [] });
    });

  const add = mcp
    .command("add")
    .description(
      "Add a global MCP server: `add NAME [--env K=V]... -- COMMAND [ARGS...]` or `add NAME --url URL`",
    )
    .usage("[options] <name> (--url <url> | -- <command>...)")
    .argument("<name>", "name for the MCP server configuration")
    .argument("[command...]", "command to launch the MCP server (use --url for a streamable HTTP server)")
    .option(...configOption, collect)
    .option("--env <KEY=VALUE>", "environment variable for the server (repeatable; stdio only)", collectEnv)
    .option("--url <url>", "URL of a streamable HTTP MCP server")
    .option("--bearer-token-env-var <ENV_VAR>", "environment variable holding a bearer token (HTTP only)")
    .action(
      async (
        name: string,
        command: string[],
        flags: ConfigFlags & { env?: [string, string][]; url?: string; bearerTokenEnvVar?: string },
      ) => {
        if (flags.url !== undefined && command.length > 0) {
          add.error("error: the argument '--url <URL>' cannot be used with '[COMMAND]...'", { exitCode: 2 });
        }
        if (flags.url === undefined && command.length === 0) {
          add.error("error: the following required arguments were not provided:\n  <COMMAND|--url <URL>>", {
            exitCode: 2,
          });
        }
        if (flags.bearerTokenEnvVar !== undefined && flags.url === undefined) {
          add.error("error: the following required argument was not provided: url", { exitCode: 2 });
        }
        const { keelHome, io } = await processIo();
        const { runMcpAdd } = await import("../mcp-cli.js");
        const { UserError } = await import("../../lib/errors.js");
        if (flags.url !== undefined && flags.env !== undefined) throw new UserError("command is required", 1);
        const entry =
          flags.url !== undefined
            ? { url: flags.url, bearerTokenEnvVar: flags.bearerTokenEnvVar ?? null }
            : {
                command: command[0] ?? "",
                args: command.slice(1),
                env: flags.env ? Object.fromEntries(flags.env) : null,
              };
        process.exitCode = runMcpAdd(io, keelHome, name, entry);
      },
    );

  mcp
    .command("remove")
    .description("Remove a global MCP server")
    .argument("<name>", "name of the MCP server configuration to remove")
    .option(...configOption, collect)
    .action(async (name: string) => {
      const { keelHome, io } = await processIo();
      const { runMcpRemove } = await import("../mcp-cli.js");
      process.exitCode = runMcpRemove(io, keelHome, name);
    });
  mcp
    .command("login")
    .description("Log in to a streamable HTTP MCP server with OAuth (prints the URL to open)")
    .argument("<name>", "name of the MCP server to authenticate with oauth")
    .option(...configOption, collect)
    .option("--scopes <SCOPE,SCOPE>", "comma-separated list of OAuth scopes to request")
    .option("--no-browser", "print the authorization URL (keel never opens a browser itself)")
    .action(async (name: string, flags: ConfigFlags & { scopes?: string }) => {
      const { keelHome, io } = await processIo();
      const { runMcpLogin } = await import("../mcp-login.js");
      const scopes =
        flags.scopes
          ?.split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "") ?? null;
      process.exitCode = await runMcpLogin(io, keelHome, name, { scopes, config: flags.config ?? [] });
    });

  mcp
    .command("logout")
    .description("Forget the OAuth credentials of an MCP server")
    .argument("<name>", "name of the MCP server to deauthenticate")
    .option(...configOption, collect)
    .action(async (name: string, flags: ConfigFlags) => {
      const { keelHome, io } = await processIo();
      const { runMcpLogout } = await import("../mcp-login.js");
      process.exitCode = runMcpLogout(io, keelHome, name, { config: flags.config ?? [] });
    });
  return mcp;
}
