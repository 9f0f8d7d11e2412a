import type { Command } from "commander";
import { guardOutput } from "../output.js";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `keel execpolicy check`: which `.rules` match a command, as `codex execpolicy check` prints it. */
export function registerExecPolicyCommand(program: Command): void {
  const execpolicy = program.command("execpolicy").description("Exec policy (.rules) tools");
  execpolicy
    .command("check")
    .description("Print the rules matching a command and the resulting decision as JSON")
    .usage("--rules FILE [--rules FILE...] [options] -- COMMAND [ARGS...]")
    .option("--rules <file>", "a .rules file to load (repeatable)", collect, [])
    .option("--pretty", "pretty-print the JSON")
    .option("--resolve-host-executables", "match an absolute program path by its basename too")
    .argument("[command...]", "the command, as separate arguments (not shell-split)")
    .action(async (command: string[], flags: Record<string, unknown>) => {
      const { runExecPolicyCheck } = await import("../../execpolicy/check-cli.js");
      const stdout = guardOutput(process.stdout);
      const stderr = guardOutput(process.stderr);
      process.exitCode = runExecPolicyCheck(
        command,
        {
          rules: (flags.rules as string[]) ?? [],
          pretty: flags.pretty === true,
          resolveHostExecutables: flags.resolveHostExecutables === true,
        },
        {
          processCwd: process.cwd(),
          homeDir: process.env.HOME ?? "/",
          stdout: stdout.write,
          stderr: stderr.write,
        },
      );
    });
}
