import { Command, CommanderError } from "commander";
import { UserError, errorMessage } from "../lib/errors.js";
import { restoreDeferredExtraCaCerts } from "../lib/extra-ca-certs.js";
import { closeInheritedFds } from "../sandbox/inherited-fds.js";
import { registerAppServerCommand } from "./commands/app-server.js";
import { registerDebugCommand } from "./commands/debug.js";
import { registerExecCommand } from "./commands/exec.js";
import { registerLoginCommands } from "./commands/login.js";
import { registerMcpCommand } from "./commands/mcp.js";
import { registerMcpServerCommand } from "./commands/mcp-server.js";
import { registerPermissionsCommand } from "./commands/permissions.js";
import { registerSandboxCommand } from "./commands/sandbox.js";
import { registerExecPolicyCommand } from "./commands/execpolicy.js";
import { registerStoreCommand } from "./commands/store.js";
import { KEEL_VERSION } from "./version.js";

/**
 * The command tree: pure data, no environment read (options and actions see `process` only when
 * they run), so the start-up snapshot can build it ahead of time. Parses once.
 */
export function buildProgram(): Command {
  const program = new Command("keel")
    .description("A coding-agent runtime that speaks Codex's app-server protocol v2")
    .version(KEEL_VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerExecCommand(program);
  registerAppServerCommand(program);
  registerLoginCommands(program);
  registerSandboxCommand(program);
  registerPermissionsCommand(program);
  registerDebugCommand(program);
  registerExecPolicyCommand(program);
  registerMcpCommand(program);
  registerMcpServerCommand(program);
  registerStoreCommand(program);
  return program;
}

/**
 * Entry point of the `keel` command. Each subcommand lives in its own module and loads its
 * implementation lazily, so `keel --help` and the app-server start without paying for
 * SQLite, schema generation or the sandbox.
 */
export async function main(argv: string[], program: Command = buildProgram()): Promise<number> {
  // Before anything can spawn: a descriptor inherited without close-on-exec would reach every
  // sandboxed command and let it read or write the host behind the mount masks.
  closeInheritedFds();
  // Before anything reads the environment or spawns: commands see NODE_EXTRA_CA_CERTS as set.
  restoreDeferredExtraCaCerts();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors were already printed.
      return error.exitCode;
    }
    if (error instanceof UserError) {
      process.stderr.write(`keel: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`keel: ${errorMessage(error)}\n`);
    return 1;
  }
}

/** `main` as a process runs it: its result becomes the exit code; a stray rejection is one line. */
export function runAsProcess(argv: string[], program?: Command): void {
  main(argv, program).then(
    (code) => {
      if (typeof code === "number") process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`keel: ${errorMessage(error)}\n`);
      process.exitCode = 1;
    },
  );
}
