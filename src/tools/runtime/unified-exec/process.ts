import type { Writable } from "node:stream";
import type { SandboxRunResult, SpawnedCommand } from "../../../sandbox/index.js";
import type { LiveLaunchOptions } from "../command-orchestrator.js";
import type { NetworkAttempt } from "../network-approvals.js";
import { OutputCollector } from "../output.js";

/** What a process printed since the model last read it. */
export interface UnreadOutput {
  text: string;
  /** Bytes printed in all, also those a full buffer dropped from the middle. */
  bytes: number;
  /** Bytes the full buffer dropped from the middle (0: `text` is all of it). */
  omittedBytes: number;
}

/**
 * One unified exec process: a command started by `exec_command` that may outlive the call (and the
 * turn). It buffers what the model has not read yet (at most 1 MiB, head and tail), takes input
 * through its terminal, and is killed with its whole process group.
 */
export class ExecProcess {
  /** Usage stamp for pruning (higher = used more recently). */
  lastUsed = 0;
  /** Set when exec_command returned while it still ran: its item is then completed on exit. */
  handedOver = false;
  /** Set when keel killed it (prune, clean, shutdown): its item ends as failed with exit code -1. */
  killed = false;
  /** Runs outside the sandbox of the turn that started it (an approved escalation). */
  escalated = false;
  /** Why the network proxy refused it after it went to the background; it was killed for that. */
  networkFailure: string | null = null;
  private network: NetworkAttempt | null = null;
  private unread = new OutputCollector();
  private unreadBytes = 0;
  private spawned: SpawnedCommand | null = null;
  private killer = new AbortController();
  private outcome: SandboxRunResult | null = null;
  private done: Promise<SandboxRunResult> | null = null;

  constructor(
    readonly id: number,
    readonly threadId: string,
    readonly callId: string,
    readonly turnId: string,
    /** The model's command text (`cmd`). */
    readonly command: string,
    readonly cwd: string,
    /** Whether the command was asked to run on a terminal. */
    readonly tty: boolean,
  ) {}

  /** The result once the command exited; null while it runs. */
  get result(): SandboxRunResult | null {
    return this.outcome;
  }

  /** Whether the command's stdin is a terminal keel can write to (a pipe session's is /dev/null). */
  get terminal(): Writable | null {
    return this.spawned?.terminal ?? null;
  }

  /** Starts (or, after an escalation, restarts) the command; resolves when it exited. */
  launch(
    start: (extra: LiveLaunchOptions) => Promise<SandboxRunResult>,
    onExit: (result: SandboxRunResult) => void,
  ): Promise<SandboxRunResult> {
    this.outcome = null;
    this.spawned = null;
    this.killer = new AbortController();
    this.unread = new OutputCollector();
    this.unreadBytes = 0;
    const done = start({
      tty: this.tty,
      signal: this.killer.signal,
      onSpawn: (spawned) => {
        this.spawned = spawned;
      },
    }).then((result) => {
      this.outcome = result;
      this.releaseNetwork();
      onExit(result);
      return result;
    });
    this.done = done;
    return done;
  }

  /**
   * In the background, a refusal by the network proxy ends the process (Codex's deferred network
   * approval): the model learns why on its next poll. The charge lasts until the process exits.
   */
  deferNetwork(network: NetworkAttempt): void {
    if (this.outcome !== null) {
      network.end();
      return;
    }
    this.network = network;
    network.defer((message) => {
      this.networkFailure = message;
      void this.terminate();
    });
  }

  private releaseNetwork(): void {
    this.network?.end();
    this.network = null;
  }

  onOutput(text: string): void {
    this.unread.push(text);
    this.unreadBytes += Buffer.byteLength(text, "utf8");
  }

  /** Hands out what was printed since the last call and starts a new buffer. */
  takeUnread(): UnreadOutput {
    const out = { text: this.unread.text(), bytes: this.unreadBytes, omittedBytes: this.unread.omittedBytes };
    this.unread = new OutputCollector();
    this.unreadBytes = 0;
    return out;
  }

  /**
   * Waits until the command exited, `ms` passed or `signal` fired. True when it exited.
   */
  async waitExit(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.outcome !== null || this.done === null) return this.outcome !== null;
    if (signal?.aborted) return false;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    await Promise.race([
      this.done,
      new Promise<void>((resolve) => {
        // libuv's timers run on a cached millisecond clock and can fire up to a millisecond early;
        // the yield is a promised minimum, so wait out whatever is left.
        const deadline = performance.now() + ms;
        const wake = () => {
          const left = deadline - performance.now();
          if (left > 0) timer = setTimeout(wake, Math.ceil(left));
          else resolve();
        };
        timer = setTimeout(wake, ms);
        onAbort = () => resolve();
        signal?.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    return this.outcome !== null;
  }

  /** Writes raw input to the terminal. False when the command has none (pipes) or exited. */
  write(chars: string): boolean {
    const terminal = this.terminal;
    if (terminal === null || this.outcome !== null || terminal.destroyed) return false;
    terminal.write(chars);
    return true;
  }

  /** Ctrl-C for a pipe session: SIGINT to the command's process group. */
  interrupt(): void {
    this.signalGroup("SIGINT");
  }

  /** Kills the process group and waits until the command is gone. */
  async terminate(): Promise<void> {
    if (this.outcome !== null) return;
    this.killed = true;
    this.killer.abort();
    await this.done?.catch(() => undefined);
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.spawned?.pid;
    if (pid === undefined || this.outcome !== null) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is already gone
    }
  }
}
