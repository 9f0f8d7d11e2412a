import os from "node:os";
import path from "node:path";
import { loadConfigFromEnv, type TypedOverrides } from "../config/load.js";
import { errorMessage } from "../lib/errors.js";
import { parsePermissionProfileJson } from "../permissions/profile-json.js";
import { SandboxModeSchema } from "../protocol/permissions.js";
import { buildCommandEnv } from "./command-env.js";
import { compileSandboxPlan } from "./compile-plan.js";
import { missingWorkingDirectory } from "./errors.js";
import { closeInheritedFds } from "./inherited-fds.js";
import { buildBwrapCommand } from "./linux/bwrap-command.js";
import { findBwrap } from "./linux/bwrap-path.js";
import { quarantineNotice } from "./linux/quarantine.js";
import { buildSeatbeltCommand } from "./macos/seatbelt.js";
import { isUnrestrictedPlan, type SandboxPlan, writableRoots } from "./plan.js";
import { ensurePlaceholder, runSandboxed } from "./runner.js";

/** `keel sandbox`: run one command exactly as an agent's command would run. */

export const SANDBOX_SETUP_EXIT = 125;

export interface SandboxCliOptions {
  sandbox?: string;
  permissionProfile?: string;
  permissions?: string;
  cd?: string;
  config?: string[];
  explain?: boolean;
}

export interface SandboxCliIo {
  env: NodeJS.ProcessEnv;
  /** null when the process's working directory no longer exists … */
  processCwd: string | null;
  /** … and then where it was, if known. */
  deletedCwd?: string;
  stdout: (text: string | Buffer) => void;
  stderr: (text: string | Buffer) => void;
  /** Resolves when the reader of stdout went away (`keel sandbox -- yes | head -1`). */
  stdoutClosed?: Promise<void>;
}

/** What a shell reports for a command killed by SIGPIPE. */
const STDOUT_CLOSED_EXIT = 128 + (os.constants.signals.SIGPIPE ?? 13);

class CliFailure extends Error {}

function typedOverrides(options: SandboxCliOptions): TypedOverrides {
  const chosen = [options.sandbox, options.permissionProfile, options.permissions].filter(
    (v) => v !== undefined,
  );
  if (chosen.length > 1) {
    throw new CliFailure("--sandbox, --permission-profile and --permissions cannot be combined");
  }
  const overrides: TypedOverrides = {};
  if (options.cd !== undefined) overrides.cwd = options.cd;
  if (options.sandbox !== undefined) {
    const mode = SandboxModeSchema.safeParse(options.sandbox);
    if (!mode.success) {
      throw new CliFailure(
        `invalid --sandbox value \`${options.sandbox}\`: expected read-only, workspace-write or danger-full-access`,
      );
    }
    overrides.sandboxMode = mode.data;
  }
  if (options.permissionProfile !== undefined) {
    overrides.permissionProfile = parsePermissionProfileJson(options.permissionProfile);
  }
  if (options.permissions !== undefined) overrides.permissions = options.permissions;
  return overrides;
}

interface ResolvedRun {
  plan: SandboxPlan;
  stateDir: string;
  keelHome: string;
  /** The command's environment: the caller's, filtered by `[shell_environment_policy]`. */
  commandEnv: Record<string, string>;
}

/**
 * The directory relative paths and project config resolve against. A deleted working directory
 * is a setup error naming it, not a crash inside `process.cwd()`.
 */
function baseDirectory(options: SandboxCliOptions, io: SandboxCliIo): string {
  if (io.processCwd !== null) return io.processCwd;
  if (options.cd !== undefined && path.isAbsolute(options.cd)) return options.cd;
  throw missingWorkingDirectory(io.deletedCwd ?? "(unknown)");
}

function resolvePlan(options: SandboxCliOptions, io: SandboxCliIo): ResolvedRun {
  const config = loadConfigFromEnv({
    env: io.env,
    processCwd: baseDirectory(options, io),
    cliOverrides: options.config ?? [],
    overrides: typedOverrides(options),
  });
  for (const warning of config.startupWarnings) io.stderr(`keel: warning: ${warning}\n`);
  const plan = compileSandboxPlan(config.fileSystemSandboxPolicy, config.networkSandboxPolicy, config.cwd, {
    ...config.permissionEnv,
    uid: typeof process.getuid === "function" ? process.getuid() : undefined,
  });
  return {
    plan,
    stateDir: path.join(config.keelHome, "sandbox"),
    keelHome: config.keelHome,
    commandEnv: buildCommandEnv(io.env, config.shellEnvironmentPolicy),
  };
}

/** Groups bwrap arguments into one option per line for `--explain`. */
const ARITY: Record<string, number> = {
  "--cap-drop": 1,
  "--bind": 2,
  "--ro-bind": 2,
  "--symlink": 2,
  "--tmpfs": 1,
  "--perms": 1,
  "--remount-ro": 1,
  "--dev": 1,
  "--proc": 1,
  "--chdir": 1,
  "--seccomp": 1,
  "--json-status-fd": 1,
};

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatBwrapArgs(bwrapPath: string, args: readonly string[]): string {
  const lines = [shellQuote(bwrapPath)];
  let i = 0;
  while (i < args.length) {
    const arg = args[i]!;
    if (arg === "--") {
      lines.push(args.slice(i).map(shellQuote).join(" "));
      break;
    }
    let n = ARITY[arg] ?? 0;
    if (arg === "--perms") n = 3; // `--perms MODE --tmpfs DIR` on one line
    lines.push(
      args
        .slice(i, i + 1 + n)
        .map(shellQuote)
        .join(" "),
    );
    i += 1 + n;
  }
  return `${lines.join(" \\\n  ")}\n`;
}

function explain(
  plan: SandboxPlan,
  argv: string[],
  own: { stateDir: string; keelHome: string },
  io: SandboxCliIo,
): number {
  io.stdout(`# plan: ${JSON.stringify(plan)}\n`);
  if (isUnrestrictedPlan(plan)) {
    io.stdout(
      `# danger-full-access: the command runs without a sandbox\n${argv.map(shellQuote).join(" ")}\n`,
    );
    return 0;
  }
  if (process.platform === "darwin") {
    const seatbelt = buildSeatbeltCommand(plan, argv);
    io.stdout(
      `${seatbelt.profile}\n${[seatbelt.file, ...seatbelt.args.slice(2)].map(shellQuote).join(" ")}\n`,
    );
    return 0;
  }
  const placeholder = ensurePlaceholder(own.stateDir);
  const command = buildBwrapCommand({ plan, argv, placeholder, ...own });
  for (const note of command.notes) io.stdout(`# note: ${note.message}\n`);
  io.stdout(`# masks: ${JSON.stringify(command.stats)}\n`);
  const bwrapPath = findBwrap({
    pathEnv: io.env.PATH,
    untrusted: [plan.cwd, ...writableRoots(plan).map((r) => r.root)],
  });
  io.stdout(formatBwrapArgs(bwrapPath, command.args));
  return 0;
}

/** Returns the process exit status: the command's, or 125 when the sandbox cannot be set up. */
export async function runSandboxCli(
  argv: string[],
  options: SandboxCliOptions,
  io: SandboxCliIo,
): Promise<number> {
  closeInheritedFds(); // no-op when the entry point already did it
  let plan: SandboxPlan;
  let stateDir: string;
  let keelHome: string;
  let commandEnv: Record<string, string>;
  try {
    if (argv.length === 0)
      throw new CliFailure("no command given: keel sandbox [options] -- COMMAND [ARGS...]");
    ({ plan, stateDir, keelHome, commandEnv } = resolvePlan(options, io));
    if (options.explain) return explain(plan, argv, { stateDir, keelHome }, io);
  } catch (error) {
    // Bad flags, config errors and sandbox setup errors alike: the command did not run.
    io.stderr(`keel sandbox: ${errorMessage(error)}\n`);
    return SANDBOX_SETUP_EXIT;
  }

  const controller = new AbortController();
  const forward = () => controller.abort();
  process.once("SIGINT", forward);
  process.once("SIGTERM", forward);
  // Nobody reads the output any more: stop the command, as SIGPIPE would stop it in a shell pipeline.
  let stdoutClosed = false;
  void io.stdoutClosed?.then(() => {
    stdoutClosed = true;
    controller.abort();
  });
  try {
    const result = await runSandboxed({
      argv,
      cwd: plan.cwd,
      plan,
      env: commandEnv,
      stdin: "inherit",
      signal: controller.signal,
      stateDir,
      keelHome,
      onStdout: (chunk) => io.stdout(chunk),
      onStderr: (chunk) => io.stderr(chunk),
      maxOutputBytes: 1024 * 1024,
    });
    if (result.setupError !== undefined) {
      io.stderr(`keel sandbox: ${result.setupError}\n`);
      return SANDBOX_SETUP_EXIT;
    }
    for (const note of result.notes) io.stderr(`keel sandbox: note: ${note.message}\n`);
    for (const q of result.quarantined) io.stderr(`keel sandbox: ${quarantineNotice(q)}\n`);
    if (result.quarantineError !== undefined) {
      io.stderr(`keel sandbox: error: ${result.quarantineError}\n`);
      return SANDBOX_SETUP_EXIT;
    }
    if (stdoutClosed) return STDOUT_CLOSED_EXIT;
    if (result.aborted) return 130; // interrupted, like a shell
    if (result.exitCode !== null) return result.exitCode;
    if (result.signal !== null) return 128 + (os.constants.signals[result.signal] ?? 0);
    return 1;
  } finally {
    process.removeListener("SIGINT", forward);
    process.removeListener("SIGTERM", forward);
  }
}
