import { type Command, Option } from "commander";
import { guardOutput } from "../output.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `keel permissions explain PATH`: may PATH be read / written, and which config entry decided. */
export function registerPermissionsCommand(program: Command): void {
  const permissions = program.command("permissions").description("Inspect the effective permission policy");
  permissions
    .command("explain")
    .description(
      "Show whether PATH may be read and written, which entry decided it and which config layer set it",
    )
    .argument("<path>", "file or directory to check (relative paths resolve against the working directory)")
    .option("--cd <dir>", "working directory to evaluate from")
    .addOption(
      new Option("-s, --sandbox <mode>", "legacy sandbox mode")
        .choices(["read-only", "workspace-write", "danger-full-access"])
        .conflicts(["permissionProfile", "permissions"]),
    )
    .addOption(
      new Option(
        "--permission-profile <json>",
        "permission profile as JSON (core `file_system` or wire `fileSystem` spelling)",
      ).conflicts(["permissions"]),
    )
    .option(
      "--permissions <name>",
      "named permission profile (:read-only, :workspace, :danger-full-access or [permissions.<id>])",
    )
    .option("-c, --config <key=value>", "override a config.toml key (repeatable)", collect)
    .option("-p, --profile <name>", "config profile ([profiles.<name>])")
    .option("--json", "print one JSON object")
    .action(async (target: string, flags) => {
      const { runPermissionsExplain } = await import("../../config/cli-commands.js");
      runPermissionsExplain(target, flags, {
        env: process.env,
        processCwd: process.cwd(),
        stdout: guardOutput(process.stdout).write,
        uid: process.getuid?.(),
      });
    });
}
