import { randomBytes } from "node:crypto";
import type { ToolContext } from "../../../session/tool-router.js";
import { joinShellWords } from "../../shell-words.js";
import type { WriteStdinArgs } from "../../specs.js";
import { type LiveRun, type OrchestratorDeps, exitCodeOf, runCommand } from "../command-orchestrator.js";
import { processFailedText } from "../network-approvals.js";
import { ExecProcess } from "./process.js";
import { toolOutputPolicy } from "../output-policy.js";
import { execYieldMs, formatExecReply, WRITE_SETTLE_MS, writeYieldMs } from "./reply.js";
import { ProcessStore } from "./store.js";

/**
 * Codex's environment overlay for unified exec: no colours, no pagers, a plain terminal type and
 * UTF-8, so output stays readable text for the model.
 */
export const UNIFIED_EXEC_ENV: Readonly<Record<string, string>> = {
  NO_COLOR: "1",
  TERM: "dumb",
  LANG: "C.UTF-8",
  LC_CTYPE: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  COLORTERM: "",
  PAGER: "cat",
  GIT_PAGER: "cat",
  GH_PAGER: "cat",
  CODEX_CI: "1",
};

export interface ExecRequest {
  argv: string[];
  /** The model's `cmd` (listed as the process's command). */
  cmd: string;
  cwd: string;
  tty: boolean;
  yieldTimeMs: number | undefined;
  maxOutputTokens: number | undefined;
  escalate: boolean;
  justification: string | null;
  /** The model's `prefix_rule` suggestion. */
  prefixRule?: string[] | null;
}

export const unknownProcessText = (id: number): string => `write_stdin failed: Unknown process id ${id}`;
export const STDIN_CLOSED_TEXT =
  "write_stdin failed: stdin is closed for this session; rerun exec_command with tty=true to keep stdin open";
/** Codex's reply when the command could not be started at all (unified-exec.md §4). */
export const spawnFailedText = (cmd: string, error: string): string =>
  `exec_command failed for \`${cmd}\`: ${error}`;
export const STDIN_REJECTED_TEXT = "write_stdin rejected: rejected by user";
/** A poll of a process the network proxy refused in the background (Codex's `ProcessFailed`). */
export const processFailedPollText = (message: string): string =>
  `write_stdin failed: Unified exec process failed: ${message}`;
const STDIN_REVIEW_REASON =
  "Send input to an existing terminal. This terminal was launched outside the sandbox, bypassing any managed network proxy. The cwd is its launch directory; the terminal's current directory and state may have changed.";
const CTRL_C = "\u0003";

const chunkId = (): string => randomBytes(3).toString("hex");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * exec_command sessions and write_stdin: a command runs through the orchestrator (approval →
 * sandbox → run → escalate) like every other, but is stored before the call waits, so it can
 * outlive its yield, the turn and an interrupt; later calls read its output and write to it.
 */
export class UnifiedExec {
  private readonly store = new ProcessStore();

  constructor(private readonly backgroundMaxTimeoutMs: number) {}

  async execCommand(
    req: ExecRequest,
    callId: string,
    ctx: ToolContext,
    deps: OrchestratorDeps,
  ): Promise<string> {
    const started = performance.now();
    const id = this.store.reserve();
    const proc = new ExecProcess(id, ctx.threadId, callId, ctx.turnId, req.cmd, req.cwd, req.tty);
    const yieldMs = execYieldMs(req.yieldTimeMs);
    let waitStarted = started;
    const live: LiveRun = {
      onOutput: (text) => proc.onOutput(text),
      deferNetwork: (network) => proc.deferNetwork(network),
      run: async (start, _output, complete, escalated) => {
        proc.handedOver = false;
        proc.escalated = escalated;
        proc.launch(start, (result) => {
          if (!proc.handedOver) return;
          complete(result, proc.killed, proc.networkFailure ?? undefined);
          // Killed processes are gone; an exit (or a network refusal) is kept until a poll told the model.
          if (proc.killed && proc.networkFailure === null) this.store.remove(proc);
        });
        // Stored before the wait: an interrupt ends the wait, never the process.
        const pruned = this.store.add(proc);
        if (pruned) void pruned.terminate();
        // Codex's wall time starts here, once the command is up, as does the yield.
        waitStarted = performance.now();
        await proc.waitExit(yieldMs, ctx.signal);
        if (proc.result !== null) return proc.result;
        proc.handedOver = true;
        return null;
      },
    };
    let outcome: Awaited<ReturnType<typeof runCommand>>;
    try {
      outcome = await runCommand(
        {
          callId,
          argv: req.argv,
          cwd: req.cwd,
          timeoutMs: 0,
          sandboxPermissions: req.escalate ? "require_escalated" : "use_default",
          justification: req.justification,
          prefixRule: req.prefixRule ?? null,
          source: "unified_exec_startup",
          processId: String(id),
          live,
        },
        ctx,
        { ...deps, commandEnv: { ...deps.commandEnv, ...UNIFIED_EXEC_ENV } },
      );
    } finally {
      // Not handed over: it exited within the yield (the reply says so) or never started.
      if (!proc.handedOver) this.store.remove(proc);
    }
    // The turn was interrupted: the runtime answers the call; the output stays for the next poll.
    if (ctx.signal.aborted) return "aborted by user";
    // Refused by the network while the call waited, and killed for it: Codex fails the call.
    if (outcome.status === "running" && proc.networkFailure !== null) {
      this.store.remove(proc);
      return processFailedText(proc.networkFailure);
    }
    if (outcome.status !== "running" && outcome.startError !== undefined)
      return spawnFailedText(req.cmd, outcome.startError);
    if (outcome.status !== "running" && (outcome.exitCode === -1 || outcome.status === "declined"))
      return outcome.message ?? "the command did not run";
    const unread = proc.takeUnread();
    const prefix = outcome.message ? `${outcome.message}\n` : "";
    return formatExecReply({
      chunkId: chunkId(),
      wallMs: performance.now() - waitStarted,
      exitCode: outcome.status === "running" ? null : outcome.exitCode,
      sessionId: outcome.status === "running" ? id : null,
      output: prefix + unread.text,
      outputBytes: Buffer.byteLength(prefix, "utf8") + unread.bytes,
      omittedBytes: unread.omittedBytes,
      policy: toolOutputPolicy(ctx.config),
      maxOutputTokens: req.maxOutputTokens,
    });
  }

  async writeStdin(args: WriteStdinArgs, callId: string, ctx: ToolContext): Promise<string> {
    const proc = this.store.get(args.session_id);
    if (proc === undefined || proc.threadId !== ctx.threadId) return unknownProcessText(args.session_id);
    if (proc.networkFailure !== null) return this.networkFailed(proc);
    const processId = String(proc.id);
    // A pipe session's stdin is /dev/null: only Ctrl-C (a signal) can reach it.
    if (args.chars !== "" && proc.terminal === null && args.chars !== CTRL_C) return STDIN_CLOSED_TEXT;
    if (args.chars !== "" && !(await this.inputAllowed(proc, args.chars, callId, ctx)))
      return STDIN_REJECTED_TEXT;
    if (args.chars !== "") {
      if (proc.terminal !== null) {
        proc.write(args.chars);
        await sleep(WRITE_SETTLE_MS);
      } else {
        proc.interrupt();
      }
      ctx.emit({
        type: "terminal_interaction",
        call_id: proc.callId,
        process_id: processId,
        stdin: args.chars,
      });
    } else if (proc.result === null) {
      ctx.emit({ type: "terminal_interaction", call_id: proc.callId, process_id: processId, stdin: "" });
    }
    const waitMs = writeYieldMs(args.yield_time_ms, args.chars === "", this.backgroundMaxTimeoutMs);
    // Codex's wall time counts the wait only, not the settle after a write.
    const waitStarted = performance.now();
    await proc.waitExit(waitMs, ctx.signal);
    if (ctx.signal.aborted) return "aborted by user";
    if (proc.networkFailure !== null) return this.networkFailed(proc);
    const result = proc.result;
    // Exited: this reply tells the model, so the id is free again.
    if (result !== null) this.store.remove(proc);
    const unread = proc.takeUnread();
    return formatExecReply({
      chunkId: chunkId(),
      wallMs: performance.now() - waitStarted,
      exitCode: result === null ? null : exitCodeOf(result),
      sessionId: result === null ? proc.id : null,
      output: unread.text,
      outputBytes: unread.bytes,
      omittedBytes: unread.omittedBytes,
      policy: toolOutputPolicy(ctx.config),
      maxOutputTokens: args.max_output_tokens,
    });
  }

  /** The process was killed for a network refusal: this reply tells the model, and frees the id. */
  private networkFailed(proc: ExecProcess): string {
    this.store.remove(proc);
    return processFailedPollText(proc.networkFailure ?? "");
  }

  /**
   * Input to a terminal running outside the sandbox while the turn is sandboxed is reviewed, each
   * write on its own (an approval for the session is not remembered): it can do anything the
   * escalated command can. Polls are never reviewed. Under `never` nobody can be asked: refused.
   */
  private async inputAllowed(proc: ExecProcess, chars: string, callId: string, ctx: ToolContext) {
    if (!proc.escalated || ctx.config.fileSystemSandboxPolicy.kind !== "restricted") return true;
    if (ctx.config.approvalPolicy.value === "never") return false;
    const command = ["write_stdin", "--session-id", String(proc.id), chars];
    const response = await ctx.requestApproval({
      kind: "exec",
      callId: proc.callId,
      approvalId: callId,
      command,
      cwd: proc.cwd,
      reason: STDIN_REVIEW_REASON,
      commandActions: [{ type: "unknown", cmd: joinShellWords(command) }],
      availableDecisions: ["approved", "abort"],
      approvalKind: "write_stdin",
    });
    return response.decision === "approved" || response.decision === "approved_for_session";
  }

  /** Processes of a thread still running, in id order. */
  running(threadId: string): ExecProcess[] {
    return this.store.list().filter((p) => p.threadId === threadId && p.result === null);
  }

  /** Kills one running process of a thread; false when there is none with that id. */
  async terminate(threadId: string, id: number): Promise<boolean> {
    const proc = this.running(threadId).find((p) => p.id === id);
    if (!proc) return false;
    await proc.terminate();
    this.store.remove(proc);
    return true;
  }

  /** Kills every process of a thread (or of all threads) with its process group. */
  async terminateAll(threadId?: string): Promise<void> {
    const victims = this.store.list().filter((p) => threadId === undefined || p.threadId === threadId);
    await Promise.all(
      victims.map(async (p) => {
        await p.terminate();
        this.store.remove(p);
      }),
    );
  }
}
