import path from "node:path";
import type { Writable } from "node:stream";
import type { TerminalSize } from "../../sandbox/pty.js";
import { runSandboxed, type SandboxPlan, type SandboxRunResult } from "../../sandbox/index.js";
import { exitCodeOf } from "../../tools/runtime/command-orchestrator.js";
import type { Connection } from "../connection.js";
import { invalidParams, invalidRequest } from "../errors.js";

/**
 * The process plumbing shared by `command/exec` and `process/*` (unified-exec.md §6): one client
 * command with per-stream capture caps, optional streaming of its output, input through a
 * terminal or an open pipe, resizing, a timeout and a kill — all owned by one connection.
 */

/** Codex's defaults for both method families. */
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_CAP_BYTES = 1024 * 1024;
const TIMED_OUT_EXIT_CODE = 124;
const KILLED_EXIT_CODE = 137;

export type StreamName = "stdout" | "stderr";

export interface StandaloneSpec {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  plan: SandboxPlan;
  keelHome: string;
  tty: boolean;
  size: TerminalSize | null;
  /** Keep stdin open for writes (a pipe, or the terminal with `tty`). */
  streamStdin: boolean;
  /** Receives output as it arrives instead of the final capture; null buffers it. */
  onDelta: ((stream: StreamName, bytes: Buffer, capReached: boolean) => void) | null;
  /** Bytes kept per stream; null keeps everything. */
  capBytes: number | null;
  /** null: no timeout. */
  timeoutMs: number | null;
}

export interface StandaloneOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  stdoutCapReached: boolean;
  stderrCapReached: boolean;
  outputDrainTimedOut: boolean;
}

/** Why a command could not be started; the caller words it for its method. */
export class SpawnFailure extends Error {}

/** Keeps at most `cap` bytes of a stream; `take` says how much of a chunk still fits. */
export class CappedStream {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Set once the stream had more bytes than the cap. */
  truncated = false;
  constructor(private readonly cap: number | null) {}
  take(chunk: Buffer): Buffer | null {
    const room = this.cap === null ? chunk.length : Math.max(0, this.cap - this.kept);
    if (chunk.length > room) this.truncated = true;
    if (room === 0) return null;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.kept += part.length;
    return part;
  }
  keep(part: Buffer): void {
    this.chunks.push(part);
  }
  get full(): boolean {
    return this.cap !== null && this.kept >= this.cap;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/** One running client command. `start` resolves once it runs (or rejects with a SpawnFailure). */
export class StandaloneProcess {
  private input: Writable | null = null;
  private resizer: ((size: TerminalSize) => void) | null = null;
  /** Requests that arrived before the command was spawned (bwrap takes a moment): run at spawn. */
  private pending: (() => void)[] | null = [];
  private readonly abort = new AbortController();
  readonly started: Promise<void>;
  readonly done: Promise<StandaloneOutcome>;

  constructor(readonly spec: StandaloneSpec) {
    const streams = { stdout: new CappedStream(spec.capBytes), stderr: new CappedStream(spec.capBytes) };
    const on = (name: StreamName) => (chunk: Buffer) => {
      const s = streams[name];
      const part = s.take(chunk);
      if (part === null) return;
      // Streamed bytes are not repeated in the final answer.
      if (spec.onDelta) spec.onDelta(name, part, s.full);
      else s.keep(part);
    };
    let spawned!: () => void;
    let failed!: (error: SpawnFailure) => void;
    this.started = new Promise<void>((resolve, reject) => {
      spawned = resolve;
      failed = reject;
    });
    // The caller awaits `started` first; a failure there must not also surface as unhandled here.
    this.started.catch(() => undefined);
    const run = runSandboxed({
      argv: spec.argv,
      cwd: spec.cwd,
      plan: spec.plan,
      env: spec.env,
      onStdout: on("stdout"),
      onStderr: on("stderr"),
      ...(spec.capBytes !== null ? { maxOutputBytes: spec.capBytes } : {}),
      stateDir: path.join(spec.keelHome, "sandbox"),
      keelHome: spec.keelHome,
      signal: this.abort.signal,
      ...(spec.timeoutMs !== null ? { timeoutMs: spec.timeoutMs } : {}),
      ...(spec.streamStdin && !spec.tty ? { stdin: "stream" as const } : {}),
      ...(spec.tty ? { tty: true, ...(spec.size ? { ptySize: spec.size } : {}) } : {}),
      onSpawn: (child) => {
        this.input = spec.tty ? child.terminal : child.stdin;
        this.resizer = child.resize;
        // A pipe nobody writes to yet must not fail the server when the command exits.
        child.stdin?.on("error", () => {});
        const queued = this.pending ?? [];
        this.pending = null;
        for (const op of queued) op();
        spawned();
      },
    });
    this.done = run.then((result) => {
      const failure = startFailure(result);
      if (failure !== null) {
        failed(new SpawnFailure(failure));
        throw new SpawnFailure(failure);
      }
      spawned();
      return outcome(result, streams, this.abort.signal.aborted);
    });
    this.done.catch(() => undefined);
  }

  /** Whether the command takes input (a terminal, or a pipe asked for with streamStdin). */
  get acceptsInput(): boolean {
    return this.spec.tty || this.spec.streamStdin;
  }

  private whenSpawned(op: () => void): void {
    if (this.pending !== null) this.pending.push(op);
    else op();
  }

  write(bytes: Buffer): void {
    this.whenSpawned(() => {
      if (this.input && !this.input.destroyed && bytes.length > 0) this.input.write(bytes);
    });
  }

  /** End of input: EOF on a pipe, the EOF character on a terminal. */
  closeStdin(): void {
    this.whenSpawned(() => {
      if (!this.input || this.input.destroyed) return;
      if (this.spec.tty) this.input.write("\u0004");
      else this.input.end();
    });
  }

  /** False when the command is not on a terminal. */
  resize(size: TerminalSize): boolean {
    if (!this.spec.tty) return false;
    if (this.pending === null && this.resizer === null) return false;
    this.whenSpawned(() => this.resizer?.(size));
    return true;
  }

  /** Kills the command's process group; it then exits with 137. */
  kill(): void {
    this.abort.abort();
  }
}

function startFailure(result: SandboxRunResult): string | null {
  if (result.setupError !== undefined) return result.setupError;
  if (result.spawnError !== undefined) return result.spawnError;
  return null;
}

function outcome(
  result: SandboxRunResult,
  streams: Record<StreamName, CappedStream>,
  killed: boolean,
): StandaloneOutcome {
  const drain = result.outputDrainTimedOut === true;
  // Codex: a timed-out command answers 124 with no output.
  if (result.timedOut)
    return {
      exitCode: TIMED_OUT_EXIT_CODE,
      stdout: "",
      stderr: "",
      stdoutCapReached: false,
      stderrCapReached: false,
      outputDrainTimedOut: drain,
    };
  return {
    // Codex kills with SIGKILL: 137, whatever signal ended the command here.
    exitCode: killed ? KILLED_EXIT_CODE : exitCodeOf(result),
    stdout: streams.stdout.text(),
    stderr: streams.stderr.text(),
    stdoutCapReached: streams.stdout.truncated,
    stderrCapReached: streams.stderr.truncated,
    outputDrainTimedOut: drain,
  };
}

/**
 * Live processes by client id, per connection; a closed connection kills its processes. Each
 * method family has its own table, so command/exec ids and process handles do not collide.
 */
export class ProcessTable {
  private readonly live = new Map<Connection, Map<string | symbol, StandaloneProcess>>();

  private of(connection: Connection): Map<string | symbol, StandaloneProcess> {
    let map = this.live.get(connection);
    if (!map) {
      const created = new Map<string | symbol, StandaloneProcess>();
      this.live.set(connection, created);
      connection.onClose(() => {
        for (const proc of created.values()) proc.kill();
        this.live.delete(connection);
      });
      map = created;
    }
    return map;
  }

  has(connection: Connection, key: string | symbol): boolean {
    return this.of(connection).has(key);
  }

  get(connection: Connection, key: string): StandaloneProcess | undefined {
    return this.live.get(connection)?.get(key);
  }

  /** Registers a process until it exits (or fails to start). */
  add(connection: Connection, key: string | symbol, proc: StandaloneProcess): void {
    const map = this.of(connection);
    map.set(key, proc);
    const release = () => {
      if (map.get(key) === proc) map.delete(key);
    };
    proc.done.then(release, release);
  }
}

/**
 * `command/exec/write` and `process/writeStdin`: bytes, then maybe end of input. `method` and
 * `subject` name the request in Codex's error texts.
 */
export function writeStandaloneInput(
  find: () => StandaloneProcess,
  input: { deltaBase64?: string | null; closeStdin?: boolean | null },
  names: { method: string; subject: string },
): Record<string, never> {
  if (input.deltaBase64 == null && input.closeStdin !== true)
    throw invalidParams(`${names.method} requires deltaBase64 or closeStdin`);
  const proc = find();
  if (!proc.acceptsInput) throw invalidRequest(`stdin streaming is not enabled for this ${names.subject}`);
  if (input.deltaBase64) proc.write(Buffer.from(input.deltaBase64, "base64"));
  if (input.closeStdin === true) proc.closeStdin();
  return {};
}

/** `command/exec/resize` and `process/resizePty`. */
export function resizeStandalone(proc: StandaloneProcess, size: TerminalSize): Record<string, never> {
  if (!proc.resize(size)) throw invalidRequest("failed to resize PTY: process is not attached to a PTY");
  return {};
}
