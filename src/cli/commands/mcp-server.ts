import type { Command } from "commander";

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `keel mcp-server`: keel as an MCP server on stdio (tools `keel` and `keel-reply`), as
 * `codex mcp-server` is. The server and the MCP SDK load only when the command runs.
 */
export function registerMcpServerCommand(program: Command): void {
  program
    .command("mcp-server")
    .description("Run keel as an MCP server on stdio (tools `keel` and `keel-reply`)")
    .option("-c, --config <key=value>", "override a config value (TOML value; repeatable)", collect)
    .action(async (flags: { config?: string[] }) => {
      const { runMcpServer } = await import("../../mcp-server/server.js");
      await runMcpServer({
        env: process.env,
        processCwd: process.cwd(),
        cliOverrides: flags.config ?? [],
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: (text) => process.stderr.write(text),
      });
    });
}
