import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { resolveKeelHome } from "../config/home.js";
import { errorMessage } from "../lib/errors.js";
import type { FileSystemSandboxPolicy, NetworkSandboxPolicy } from "../protocol/permissions.js";
import { compileSandboxPlan } from "./compile-plan.js";
import { looksSandboxDenied } from "./denial.js";
import { missingWorkingDirectory, SandboxSetupError } from "./errors.js";
import {
  buildBwrapCommand,
  DEFAULT_MASK_LIMITS,
  type MaskLimits,
  type SandboxNote,
} from "./linux/bwrap-command.js";
import { findBwrap } from "./linux/bwrap-path.js";
import { attachBridge, type BridgeSetup, bridgeArgv } from "./linux/proxy-bridge.js";
import { PROXY_URL_VARIABLES } from "../network-proxy/env.js";
import { probeBwrap } from "./linux/probe.js";
import { planChainTargets } from "./linux/protected-scan.js";
import { type QuarantinedFolder, quarantineNewConfigFolders, unquarantined } from "./linux/quarantine.js";
import { type ResidueClaim, ResidueRegistry, sharedResidueDir } from "./linux/residue.js";
import { buildSeatbeltCommand } from "./macos/seatbelt.js";
import { isUnrestrictedPlan, type SandboxPlan, writableRoots } from "./plan.js";
import { isExistingDirectory } from "../permissions/abs-path.js";
import { maskPtyFds, openPty, type PtyPair, type TerminalSize } from "./pty.js";

/** `"stream"`: a pipe kept open for the owner to write to (see `SpawnedCommand.stdin`). */
export type SandboxStdin = "ignore" | "inherit" | "stream" | string | Uint8Array;

export interface RunSandboxedOptions {
  argv: readonly string[];
  cwd: string;
  /** Either a compiled plan, or the runtime permission pair to compile one from. */
  plan?: SandboxPlan;
  fs?: FileSystemSandboxPolicy;
  net?: NetworkSandboxPolicy;
  /** The command's complete environment (already filtered by the shell-environment policy). */
  env: Readonly<Record<string, string | undefined>>;
  stdin?: SandboxStdin;
  timeoutMs?: number;
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** keel's sandbox state directory; default `<KEEL_HOME>/sandbox` (KEEL_HOME taken from `env`). */
  stateDir?: string;
  /** KEEL_HOME, kept read-only in the sandbox; default: taken from `env` when `stateDir` is not given. */
  keelHome?: string;
  /** Absolute path of bwrap; default: PATH lookup that skips writable roots, then /usr/bin/bwrap. */
  bwrapPath?: string;
  maskLimits?: Partial<MaskLimits>;
  /** Output kept per stream in the result (callbacks still see everything). Default 1 MiB. */
  maxOutputBytes?: number;
  /** Platform override (tests); default `process.platform`. */
  platform?: NodeJS.Platform;
  /**
   * Run the command on a pseudo-terminal (24×80) instead of pipes; its output arrives through
   * `onStdout`. Falls back to pipes with stdin closed when no terminal can be opened.
   */
  tty?: boolean;
  /** The terminal's size when `tty` gets one (default 24×80). */
  ptySize?: TerminalSize;
  /** Called once the command was spawned, with what it takes input through. */
  onSpawn?: (spawned: SpawnedCommand) => void;
  /**
   * The managed network proxy's loopback ports (Linux): the command then runs in a new network
   * namespace whatever the plan says, reaching only these ports through the bridge
   * (linux/proxy-bridge.ts); `env` already holds the proxy variables pointing at them.
   */
  proxyPorts?: readonly number[];
}

/** A started command as its owner sees it: the process group and its input, if any. */
export interface SpawnedCommand {
  /** The leader of the command's own process group (bwrap's pid when sandboxed). */
  pid: number;
  /** The terminal's master end when `tty` got one (writes are the command's input). */
  terminal: Writable | null;
  /** Why `tty` was asked for but pipes were used. */
  ttyError: string | null;
  /** The open stdin pipe when `stdin` is `"stream"`. */
  stdin: Writable | null;
  /** Resizes the terminal; null when the command runs on pipes. */
  resize: ((size: TerminalSize) => void) | null;
}

export interface SandboxRunResult {
  /** The command's exit status; null when it was killed by a signal (see `signal`) or never ran. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  aborted: boolean;
  /** Set when the sandbox could not be built: the command did not run. */
  setupError?: string;
  /** Heuristic: the command failed because the sandbox refused something (offer escalation). */
  sandboxDenied: boolean;
  /** Whether the command ran inside a sandbox (false only for danger-full-access). */
  sandboxed: boolean;
  /** Remarks about the sandbox (directories left unscanned for deny globs …). */
  notes: SandboxNote[];
  /** Config folders the command created, moved out of the writable roots after it exited. */
  quarantined: QuarantinedFolder[];
  /**
   * Set when the command ran but the check for config folders it created failed or left one under
   * its name: the run counts as failed whatever the command's exit status.
   */
  quarantineError?: string;
  /** Set when the program itself could not be started (not found, not executable …). */
  spawnError?: string;
  /** Set when output was still open after the post-exit grace and reading stopped. */
  outputDrainTimedOut?: boolean;
}

/** Codex keeps at most 1 MiB of each stream of a command. */
const DEFAULT_MAX_OUTPUT = 1024 * 1024;
const STREAM_DRAIN_GRACE_MS = 2000;
/** After a terminal command exited, how long its last output may take to arrive. */
const PTY_DRAIN_MS = 50;

function planFor(options: RunSandboxedOptions): SandboxPlan {
  if (options.plan) return options.plan;
  if (!options.fs || !options.net) throw new Error("runSandboxed needs either `plan` or both `fs` and `net`");
  return compileSandboxPlan(options.fs, options.net, options.cwd, {
    tmpdir: options.env.TMPDIR ?? null,
    uid: typeof process.getuid === "function" ? process.getuid() : undefined,
  });
}

function cleanEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

function setupFailure(message: string, started: number): SandboxRunResult {
  return {
    exitCode: null,
    signal: null,
    stdout: "",
    stderr: "",
    durationMs: performance.now() - started,
    timedOut: false,
    aborted: false,
    setupError: message,
    sandboxDenied: false,
    sandboxed: true,
    notes: [],
    quarantined: [],
  };
}

/** Creates the state directory and the shared mode-000 placeholder for denied files. */
export function ensurePlaceholder(stateDir: string): string {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const placeholder = path.join(stateDir, "denied-placeholder");
  let st: fs.Stats | null = null;
  try {
    st = fs.lstatSync(placeholder);
  } catch {
    st = null;
  }
  if (st !== null && (!st.isFile() || st.size !== 0)) {
    fs.rmSync(placeholder, { recursive: true, force: true });
    st = null;
  }
  if (st === null) fs.writeFileSync(placeholder, "", { mode: 0o000, flag: "wx" });
  if (((st?.mode ?? 0) & 0o777) !== 0) fs.chmodSync(placeholder, 0o000);
  return placeholder;
}

/**
 * Runs one command under the effective permissions: bwrap + seccomp on Linux, Seatbelt on macOS,
 * a plain spawn only for danger-full-access. Never throws for sandbox problems: a sandbox that
 * cannot be built is reported in `setupError` and the command is not run.
 */
export async function runSandboxed(options: RunSandboxedOptions): Promise<SandboxRunResult> {
  const started = performance.now();
  let plan: SandboxPlan;
  try {
    plan = planFor(options);
  } catch (error) {
    return setupFailure(`cannot compile the sandbox policy: ${(error as Error).message}`, started);
  }
  const env = cleanEnv(options.env);
  if (options.argv.length === 0) return setupFailure("no command given", started);
  // Checked for every launch, sandboxed or not: spawn's ENOENT for a missing cwd would otherwise
  // read as "command not found".
  if (!isExistingDirectory(plan.cwd)) return setupFailure(missingWorkingDirectory(plan.cwd).message, started);
  if (options.signal?.aborted) return { ...setupFailure("aborted before start", started), aborted: true };

  // A proxied command is sandboxed even under full access, as in Codex: the proxy is its network.
  if (isUnrestrictedPlan(plan) && options.proxyPorts === undefined) {
    return execute({
      file: options.argv[0]!,
      args: options.argv.slice(1),
      cwd: plan.cwd,
      env,
      options,
      started,
      sandboxed: false,
      networkRestricted: false,
      notes: [],
    });
  }

  const platform = options.platform ?? process.platform;
  if (platform !== "linux" && options.proxyPorts !== undefined) {
    return setupFailure("keel routes commands through the managed network proxy on Linux only", started);
  }
  if (platform === "darwin") {
    let seatbelt: ReturnType<typeof buildSeatbeltCommand>;
    try {
      seatbelt = buildSeatbeltCommand(plan, options.argv);
    } catch (error) {
      return setupFailure(`cannot build the Seatbelt profile: ${(error as Error).message}`, started);
    }
    return execute({
      file: seatbelt.file,
      args: seatbelt.args,
      cwd: plan.cwd,
      env,
      options,
      started,
      sandboxed: true,
      networkRestricted: plan.network === "restricted",
      notes: [],
    });
  }
  if (platform !== "linux") {
    return setupFailure(`keel has no sandbox for ${platform}; refusing to run the command`, started);
  }
  return runUnderBwrap(plan, env, options, started);
}

async function runUnderBwrap(
  plan: SandboxPlan,
  env: Record<string, string>,
  options: RunSandboxedOptions,
  started: number,
): Promise<SandboxRunResult> {
  let bwrapPath: string;
  try {
    bwrapPath = findBwrap({
      explicitPath: options.bwrapPath,
      pathEnv: env.PATH ?? process.env.PATH,
      untrusted: [plan.cwd, ...writableRoots(plan).map((r) => r.root)],
    });
  } catch (error) {
    return setupFailure((error as Error).message, started);
  }
  const probe = await probeBwrap(bwrapPath);
  if (!probe.ok) return setupFailure(probe.message, started);

  const keelHome =
    options.keelHome ??
    (options.stateDir === undefined
      ? resolveKeelHome({ ...env, HOME: env.HOME ?? os.homedir() })
      : undefined);
  const stateDir = options.stateDir ?? path.join(keelHome!, "sandbox");
  let placeholder: string;
  try {
    placeholder = ensurePlaceholder(stateDir);
  } catch (error) {
    return setupFailure(
      `cannot prepare the sandbox state directory ${stateDir}: ${(error as Error).message}`,
      started,
    );
  }
  const residueDir =
    (typeof process.getuid === "function" ? sharedResidueDir(process.getuid()) : null) ??
    path.join(stateDir, "residue");
  const registry = new ResidueRegistry(residueDir);
  // Every run: a keel killed meanwhile (any KEEL_HOME) must not leave its placeholders until restart.
  await registry.cleanStale().catch(() => 0);
  // Claim before building, so a concurrent sandbox cannot remove a placeholder we are about to use.
  const targets = [
    ...writableRoots(plan).flatMap((r) => r.readOnlySubpaths),
    ...planChainTargets(plan),
    ...plan.denyRead.paths,
  ];
  let claim: ResidueClaim;
  try {
    claim = await registry.claim(targets);
  } catch (error) {
    return setupFailure(`cannot record mount points in ${stateDir}: ${(error as Error).message}`, started);
  }
  let command: ReturnType<typeof buildBwrapCommand>;
  let result: SandboxRunResult;
  const bridge: BridgeSetup | undefined =
    options.proxyPorts === undefined
      ? undefined
      : { argv: [...options.argv], env, ports: [...options.proxyPorts], rewrite: [...PROXY_URL_VARIABLES] };
  try {
    try {
      command = buildBwrapCommand({
        plan,
        argv: options.argv,
        placeholder,
        stateDir,
        residueDir,
        ...(keelHome !== undefined ? { keelHome } : {}),
        ...(bridge ? { argv: bridgeArgv(process.execPath), proxyRouted: true } : {}),
        ...(options.maskLimits ? { limits: options.maskLimits } : {}),
      });
    } catch (error) {
      if (error instanceof SandboxSetupError) return setupFailure(error.message, started);
      throw error;
    }
    result = await execute({
      file: bwrapPath,
      args: command.args,
      cwd: "/",
      // The bridge gets the command's environment over its frame pipe, so NODE_OPTIONS and friends meant for
      // the command do not change how the bridge itself runs.
      env: bridge ? {} : env,
      options,
      started,
      sandboxed: true,
      networkRestricted: plan.network === "restricted",
      notes: command.notes,
      bwrap: { seccomp: command.seccomp, ...(bridge ? { bridge } : {}) },
    });
  } finally {
    // Our placeholders go first, so the quarantine below does not mistake them for new folders.
    await registry.release(claim).catch(() => {});
  }
  if (result.setupError !== undefined) return result;
  try {
    result.quarantined = quarantineNewConfigFolders({
      launch: command.protectedScan,
      stateDir,
      liveTargets: await registry.liveTargets(),
      maxVisited: options.maskLimits?.maxScanEntries ?? DEFAULT_MASK_LIMITS.maxScanEntries,
    });
  } catch (error) {
    result.quarantineError =
      "the command ran, but keel could not check the writable roots for .keel, .codex or .agents " +
      `folders it created (${errorMessage(error)}); one may still be in place, so check before starting keel there`;
    return result;
  }
  const stuck = unquarantined(result.quarantined);
  if (stuck.length > 0)
    result.quarantineError =
      "the command ran, but could not rename or move the config folders it created: " +
      `${stuck.map((q) => q.path).join(", ")}; remove them before starting keel there`;
  return result;
}

interface ExecuteParams {
  file: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  options: RunSandboxedOptions;
  started: number;
  sandboxed: boolean;
  networkRestricted: boolean;
  notes: SandboxNote[];
  /**
   * Present when `file` is bwrap: fd 3 carries the seccomp program, fd 4 the JSON status, and with
   * a proxy bridge fd 5 the frame pipe to it.
   */
  bwrap?: { seccomp: Buffer; bridge?: BridgeSetup };
}

class OutputBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    if (this.size >= this.limit) return;
    const room = this.limit - this.size;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/** An errno as the OS words it (`No such file or directory (os error 2)`), as Codex reports it. */
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  ENOEXEC: "Exec format error",
  ENOTDIR: "Not a directory",
  E2BIG: "Argument list too long",
};

function osErrorText(error: NodeJS.ErrnoException): string {
  const code = error.code ?? "";
  const text = ERRNO_TEXT[code];
  const errno = (os.constants.errno as Record<string, number>)[code];
  return text !== undefined && errno !== undefined ? `${text} (os error ${errno})` : error.message;
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Parses bwrap's `--json-status-fd` records; returns the command's exit code if it ran. */
function exitCodeFromStatus(status: string): number | null {
  for (const line of status.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    try {
      const record = JSON.parse(trimmed) as Record<string, unknown>;
      if (typeof record["exit-code"] === "number") return record["exit-code"];
    } catch {
      // partial line
    }
  }
  return null;
}

function execute(params: ExecuteParams): Promise<SandboxRunResult> {
  const { options } = params;
  const stdinOption = options.stdin ?? "ignore";
  const stdinMode = stdinOption === "ignore" || stdinOption === "inherit" ? stdinOption : "pipe";
  // Opened right before the spawn. keel keeps its copy of the slave end until the command exited:
  // a command holding the terminal as its controlling tty (bash takes it at start-up) otherwise
  // sometimes makes the master read fail with EIO while it still runs; the stream then closes the
  // master, and that hang-up kills the command with SIGHUP (exit 129).
  const pty: PtyPair | { error: string } | null = options.tty ? openPty(options.ptySize) : null;
  const terminal = pty !== null && "master" in pty ? pty : null;
  let stdio: ("pipe" | "ignore" | "inherit" | "ipc" | number)[] = terminal
    ? [terminal.slaveFd, terminal.slaveFd, terminal.slaveFd]
    : [stdinMode, "pipe", "pipe"];
  if (params.bwrap) stdio.push("pipe", "pipe");
  if (params.bwrap?.bridge) stdio.push("pipe");
  stdio = maskPtyFds(stdio);
  const stdout = new OutputBuffer(options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT);
  const stderr = new OutputBuffer(options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT);

  return new Promise((resolvePromise) => {
    let settled = false;
    const resolve = (result: SandboxRunResult) => {
      if (!settled) {
        settled = true;
        resolvePromise(result);
      }
    };
    let timedOut = false;
    let aborted = false;
    let status = "";
    let spawnError: NodeJS.ErrnoException | null = null;
    let child: ChildProcess;
    try {
      child = spawn(params.file, [...params.args], {
        cwd: params.cwd,
        env: params.env,
        stdio,
        // Own process group, so a timeout kills the whole tree. Exception: an unsandboxed command
        // reading the terminal must stay in the foreground group or it would be stopped (SIGTTIN);
        // sandboxed commands run in a new session without a controlling terminal anyway.
        detached: params.sandboxed || stdinMode !== "inherit",
      });
    } catch (error) {
      terminal?.close();
      resolve(finish(null, null, error as NodeJS.ErrnoException));
      return;
    }
    const detachBridge =
      params.bwrap?.bridge && child.pid !== undefined ? attachBridge(child, params.bwrap.bridge) : () => {};
    if (child.pid !== undefined)
      options.onSpawn?.({
        pid: child.pid,
        terminal: terminal?.master ?? null,
        ttyError: pty !== null && "error" in pty ? pty.error : null,
        stdin: stdinOption === "stream" && !terminal ? child.stdin : null,
        resize: terminal ? (size) => terminal.resize(size) : null,
      });
    // The master reports EIO once every holder of the slave end is gone: that is its end of data.
    let terminalDrained: Promise<void> = Promise.resolve();
    if (terminal) {
      terminal.master.on("data", (chunk: Buffer | string) => {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        stdout.push(bytes);
        options.onStdout?.(bytes);
      });
      terminalDrained = new Promise((done) => {
        terminal.master.once("error", () => done());
        terminal.master.once("end", () => done());
        terminal.master.once("close", () => done());
      });
    }

    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            killGroup(child);
          }, options.timeoutMs)
        : null;
    const onAbort = () => {
      aborted = true;
      killGroup(child);
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });

    child.stdout?.on("data", (chunk: Buffer) => {
      stdout.push(chunk);
      options.onStdout?.(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr.push(chunk);
      options.onStderr?.(chunk);
    });
    if (stdinMode === "pipe" && child.stdin) {
      child.stdin.on("error", () => {});
      if (stdinOption !== "stream")
        child.stdin.end(
          typeof stdinOption === "string" ? stdinOption : Buffer.from(stdinOption as Uint8Array),
        );
    }
    if (params.bwrap) {
      const seccompPipe = child.stdio[3] as Writable;
      seccompPipe.on("error", () => {});
      seccompPipe.end(params.bwrap.seccomp);
      const statusPipe = child.stdio[4] as Readable;
      statusPipe.setEncoding("utf8");
      statusPipe.on("data", (text: string) => {
        status += text;
      });
      statusPipe.on("error", () => {});
    }

    let exitTimer: NodeJS.Timeout | null = null;
    let drainTimedOut = false;
    child.on("exit", () => {
      // Now the master may report the end of the output (EIO once no one else holds the slave).
      terminal?.closeSlave();
      // Unsandboxed background children may keep stdout open forever; stop waiting after a grace.
      exitTimer = setTimeout(() => {
        drainTimedOut = true;
        for (const stream of child.stdio) (stream as Readable | null)?.destroy?.();
      }, STREAM_DRAIN_GRACE_MS);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      spawnError = error;
      if (child.pid === undefined) {
        // never started: no 'close' is guaranteed
        terminal?.close();
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        resolve(finish(null, null, error));
      }
    });
    child.on("close", (code, signal) => {
      detachBridge();
      if (timer) clearTimeout(timer);
      if (exitTimer) clearTimeout(exitTimer);
      options.signal?.removeEventListener("abort", onAbort);
      if (!terminal) {
        resolve(finish(code, signal, spawnError));
        return;
      }
      // A background child may hold the terminal open; its last output gets a short grace only.
      const grace = new Promise((done) => setTimeout(done, PTY_DRAIN_MS));
      void Promise.race([terminalDrained, grace]).then(() => {
        terminal.close();
        resolve(finish(code, signal, spawnError));
      });
    });

    function finish(
      code: number | null,
      signal: NodeJS.Signals | null,
      error: NodeJS.ErrnoException | null,
    ): SandboxRunResult {
      const base = {
        durationMs: performance.now() - params.started,
        timedOut,
        aborted,
        sandboxed: params.sandboxed,
        notes: params.notes,
        quarantined: [],
      };
      let errText = stderr.text();
      const outText = stdout.text();
      if (error) {
        if (params.bwrap)
          return { ...setupFailure(`cannot start bubblewrap: ${error.message}`, params.started) };
        const notFound = error.code === "ENOENT";
        errText += `${params.file}: ${notFound ? "command not found" : error.message}\n`;
        return {
          ...base,
          spawnError: osErrorText(error),
          exitCode: notFound ? 127 : 126,
          signal: null,
          stdout: outText,
          stderr: errText,
          sandboxDenied: false,
        };
      }
      let exitCode = code;
      let setupError: string | undefined;
      if (params.bwrap && !timedOut && !aborted) {
        const ran = exitCodeFromStatus(status);
        if (ran !== null) exitCode = ran;
        else {
          const bwrapLines = errText
            .split("\n")
            .filter((l) => l.startsWith("bwrap: "))
            .join("\n");
          const exec = /^bwrap: execvp (.*): (No such file or directory|Permission denied)$/m.exec(
            bwrapLines,
          );
          if (exec) {
            // The sandbox was built; the program is missing or not executable inside it.
            exitCode = exec[2] === "Permission denied" ? 126 : 127;
          } else {
            setupError = `the sandbox could not be set up: ${(bwrapLines || errText).trim() || `bubblewrap exited with status ${code}`}`;
            exitCode = null;
          }
        }
      }
      const result: SandboxRunResult = {
        ...base,
        exitCode,
        signal,
        stdout: outText,
        stderr: errText,
        sandboxDenied: false,
      };
      if (setupError !== undefined) result.setupError = setupError;
      if (drainTimedOut) result.outputDrainTimedOut = true;
      result.sandboxDenied =
        setupError === undefined &&
        !timedOut &&
        !aborted &&
        looksSandboxDenied({
          sandboxed: params.sandboxed,
          exitCode,
          stdout: outText,
          stderr: errText,
          networkRestricted: params.networkRestricted,
        });
      return result;
    }
  });
}
