import fs from "node:fs";
import type { Command } from "commander";
import { guardOutput } from "../output.js";

/** `process.cwd()` throws when the directory was deleted; keel sandbox reports that itself. */
function currentDirectory(): string | null {
  try {
    return process.cwd();
  } catch {
    return null;
  }
}

/** Where a deleted working directory was: Linux still names it (`… (deleted)`), else `$PWD`. */
function deletedDirectory(): string | undefined {
  try {
    return fs.readlinkSync("/proc/self/cwd").replace(/ \(deleted\)$/, "");
  } catch {
    return process.env.PWD || undefined;
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * `keel sandbox [options] -- COMMAND [ARGS...]`: runs one command under the effective permission
 * profile exactly as an agent's command would run. Exit status: the command's, or 125 when the
 * sandbox cannot be set up (the command did not run).
 */
export function registerSandboxCommand(program: Command): void {
  program
    .command("sandbox")
    .description("Run a command inside keel's sandbox (bubblewrap on Linux, Seatbelt on macOS)")
    .usage("[options] -- COMMAND [ARGS...]")
    .option("--sandbox <mode>", "read-only, workspace-write or danger-full-access")
    .option(
      "--permission-profile <json>",
      "a PermissionProfile as JSON (core `file_system` or wire `fileSystem` spelling)",
    )
    .option(
      "--permissions <name>",
      "a named permission profile (:read-only, :workspace, :danger-full-access, or [permissions.<name>])",
    )
    .option("-C, --cd <dir>", "working directory of the command")
    .option("-c, --config <key=value>", "override a config.toml key (repeatable)", collect, [])
    .option("--explain", "print the sandbox plan and the bwrap arguments instead of running")
    .argument("[command...]", "the command and its arguments")
    .action(async (command: string[], options: Record<string, unknown>) => {
      const { runSandboxCli } = await import("../../sandbox/cli.js");
      const processCwd = currentDirectory();
      const deletedCwd = processCwd === null ? deletedDirectory() : undefined;
      const stdout = guardOutput(process.stdout);
      const stderr = guardOutput(process.stderr);
      process.exitCode = await runSandboxCli(command, options, {
        env: process.env,
        processCwd,
        ...(deletedCwd !== undefined ? { deletedCwd } : {}),
        stdout: stdout.write,
        stderr: stderr.write,
        stdoutClosed: stdout.closed,
      });
    });
}
