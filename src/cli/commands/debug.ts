import type { Command } from "commander";
import { guardOutput } from "../output.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `keel debug …`: diagnostics. `debug config` prints the effective configuration as JSON. */
export function registerDebugCommand(program: Command): void {
  const debug = program.command("debug").description("Diagnostics");
  debug
    .command("config")
    .description("Print the effective configuration and requirements as JSON, with the layer of each value")
    .option("--cd <dir>", "working directory to resolve project config from")
    .option("-c, --config <key=value>", "override a config.toml key (repeatable)", collect)
    .option("-p, --profile <name>", "config profile ([profiles.<name>])")
    .action(async (flags) => {
      const { runDebugConfig } = await import("../../config/cli-commands.js");
      runDebugConfig(flags, {
        env: process.env,
        processCwd: process.cwd(),
        stdout: guardOutput(process.stdout).write,
      });
    });
  debug
    .command("approvals")
    .description(
      "Print, as JSON, what a session would remember granting: the amendments saved in rules/default.rules",
    )
    .action(async () => {
      const [{ resolveKeelHome }, { rememberedToWire, savedApprovals }] = await Promise.all([
        import("../../config/home.js"),
        import("../../session/remembered.js"),
      ]);
      const data = savedApprovals(resolveKeelHome(process.env)).map(rememberedToWire);
      guardOutput(process.stdout).write(`${JSON.stringify({ data }, null, 2)}\n`);
    });
}
