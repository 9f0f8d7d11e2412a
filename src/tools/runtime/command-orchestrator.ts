import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { unrestrictedFsPolicy } from "../../permissions/fs-policy.js";
import { decideCommandApproval, resolvePrompt } from "../../permissions/index.js";
import type { CommandAction, RequestedPermissions, ReviewDecision } from "../../protocol/events.js";
import { withGrants } from "./permission-grants.js";
import { WriteAccess } from "./path-access.js";
import { runsWritableProgram } from "./path-shadow.js";
import {
  compileSandboxPlan,
  quarantineNotice,
  runSandboxed,
  type RunSandboxedOptions,
  type SandboxRunResult,
} from "../../sandbox/index.js";
import type { ToolContext } from "../../session/tool-router.js";
import type { SessionExecPolicy } from "../../execpolicy/session-policy.js";
import {
  checkCommandRules,
  type HeuristicDecision,
  heuristicRejection,
  proposeAmendment,
  type RuleVerdict,
} from "../../execpolicy/evaluate.js";
import { isDangerousCommand } from "../dangerous-command.js";
import { parseCommandActions } from "../command-actions.js";
import { isKnownSafeCommand } from "../safe-command.js";
import { extractShellScript, joinShellWords, parsePlainScript } from "../shell-words.js";
import { debugAskForApproval } from "../../permissions/debug.js";
import type { AskForApproval } from "../../protocol/permissions.js";
import type { SessionApprovals } from "./approvals.js";
import { COMMAND_OUTPUT_MAX_BYTES, OutputCollector, TIMEOUT_EXIT_CODE } from "./output.js";
import { escalatedPermissions, type RuntimePermissions } from "./sandbox-choice.js";
import type { ProxyRoute } from "../../network-proxy/session-proxies.js";
import { type NetworkAttempt, processFailedText } from "./network-approvals.js";
import type { SandboxPlan } from "../../sandbox/plan.js";

/**
 * The one path every command takes: approval (spec §8.3) → sandbox choice → run → on a sandbox
 * denial, escalate as the approval policy says. A command runs without the sandbox only when the
 * profile is danger-full-access or the user approved exactly that (once or for the session).
 */

export interface CommandInvocation {
  callId: string;
  argv: string[];
  /** Absolute working directory of the command. */
  cwd: string;
  timeoutMs: number;
  sandboxPermissions: "use_default" | "require_escalated";
  justification: string | null;
  /** The model's `prefix_rule` suggestion (with `require_escalated`), for the amendment offered. */
  prefixRule?: string[] | null;
  /**
   * `user_shell`: the user's own `!` command (thread/shellCommand). Like Codex it is neither
   * reviewed nor sandboxed: the user typed it, so the user already approved it.
   */
  source: "agent" | "unified_exec_startup" | "user_shell";
  /** The unified exec session id the command runs under (item `processId`). */
  processId?: string | null;
  /** Set for unified exec: the command may outlive the call (see `LiveRun`). */
  live?: LiveRun;
}

/** What a live attempt's launcher may add to the one-shot run. */
export type LiveLaunchOptions = Pick<RunSandboxedOptions, "tty" | "onSpawn" | "signal">;

/**
 * A unified exec session's way to run one attempt: it starts the command with `start` (no
 * timeout, the session's own kill signal), stores it, and waits for its yield. It resolves with
 * the result when the command exited in that time (the orchestrator then finishes it, escalating
 * after a sandbox denial), or `null` when the command is still running: it then belongs to the
 * session, which calls `complete` once it exits.
 */
export interface LiveRun {
  run(
    start: (extra: LiveLaunchOptions) => Promise<SandboxRunResult>,
    output: OutputCollector,
    /** `networkDenial`: it was killed because the network refused it in the background. */
    complete: (result: SandboxRunResult, killed: boolean, networkDenial?: string) => void,
    /** Whether this attempt runs outside the turn's sandbox (an approved escalation). */
    escalated: boolean,
  ): Promise<SandboxRunResult | null>;
  /** Every piece of output, as decoded text (also while the call is still waiting). */
  onOutput(text: string): void;
  /** The run went to the background with the proxy's refusals still charged to it (spec §6). */
  deferNetwork?(network: NetworkAttempt): void;
}

export type CommandStatus = "completed" | "failed" | "declined" | "running";

export interface CommandOutcome {
  status: CommandStatus;
  /** -1 when the command did not run (declined, refused, sandbox setup failure). */
  exitCode: number;
  aggregatedOutput: string;
  /** Bytes the command printed in all (`aggregatedOutput` keeps at most 1 MiB of them). */
  outputBytes?: number;
  /** Bytes dropped from the middle of `aggregatedOutput`. */
  omittedBytes?: number;
  durationMs: number;
  timedOut: boolean;
  aborted: boolean;
  /**
   * For the model when the command did not run or the sandbox stopped it: the refusal, the
   * decline, the sandbox setup error, or a note put before the output of a denied command.
   */
  message: string | null;
  /** How the last attempt ran: sandboxed, or outside the sandbox. */
  sandboxed: boolean;
  /** Why the command could not be started at all (the sandbox or the process could not be set up). */
  startError?: string;
  /** The managed proxy refused a request of the command (or the user declined it): why. */
  networkDenial?: string;
}

export interface OrchestratorDeps {
  /** The environment commands start with (already filtered). */
  commandEnv: Record<string, string>;
  /**
   * The argv actually spawned for a command's argv and cwd (the shell snapshot wraps login-shell
   * commands); approvals, items and the model still see the original.
   */
  launchArgv?: (argv: string[], cwd: string) => string[];
  approvals: SessionApprovals;
  /** `threadId` + note kind already reported as a warning; shared across a thread's commands. */
  reportedNotes: Set<string>;
  bwrapPath?: string;
  /** Most output-delta events per call (the rest is still aggregated). Default 10 000 (Codex). */
  maxDeltaEvents?: number;
  /**
   * The session's managed network proxy: sandboxed commands with network get its variables and
   * reach only it; `error` when it should run but did not start (such commands are refused).
   */
  networkProxy?: ProxyRoute | { error: string };
  /** Charges the proxy's refusals (and declined network approvals) to the run that caused them. */
  networkApproval?: { begin(ctx: ToolContext): NetworkAttempt };
  /** The session's exec policy rules; absent: only the heuristics decide. */
  execPolicy?: SessionExecPolicy;
  /** What `request_permissions` granted for this turn and session. */
  grants?: readonly RequestedPermissions[];
}

/** Codex: at most 10 000 output deltas per call, each from one read of at most 8 KiB. */
const MAX_DELTA_EVENTS = 10_000;
const DELTA_MAX_BYTES = 8 * 1024;

export const REJECTED_BY_USER = "exec command rejected by user";
export const RETRY_WITHOUT_SANDBOX_REASON = "command failed; retry without sandbox?";
/**
 * The answers offered for a command: the second one, when there is a proposal, saves an allow
 * rule for that prefix (spec execpolicy.md §6).
 */
function decisionsFor(amendment: readonly string[] | null): ReviewDecision[] {
  return [
    "approved",
    ...(amendment
      ? [{ approved_execpolicy_amendment: { proposed_execpolicy_amendment: [...amendment] } }]
      : []),
    "approved_for_session",
    "denied",
    "abort",
  ];
}

/** A prompt rule's request offers only these (Codex: `accept`, `cancel`). */
const RULE_PROMPT_DECISIONS: ReviewDecision[] = ["approved", "abort"];

type AskResult = "approved" | "approved_for_session" | "declined" | { amend: string[] };

/** The model-visible text of a command the rules (or the user) rejected (Codex, verbatim). */
export function rejectedText(reason: string): string {
  return `exec_command failed: CreateProcess { message: ${JSON.stringify(`Rejected(${JSON.stringify(reason)})`)} }`;
}

/** Codex 0.169's answer to `require_escalated` under any policy but on-request (verbatim). */
export function escalationRefused(policy: AskForApproval): string {
  const name = debugAskForApproval(policy);
  return `approval policy is ${name}; reject command — you cannot ask for escalated permissions if the approval policy is ${name}`;
}

function complexParse(argv: readonly string[]): boolean {
  const shell = extractShellScript(argv);
  return shell !== null && parsePlainScript(shell.script) === null;
}

function approvalOf(decision: ReviewDecision, canAmend: boolean): AskResult {
  if (decision === "approved_for_session") return "approved_for_session";
  if (typeof decision === "object" && "approved_execpolicy_amendment" in decision) {
    const prefix = decision.approved_execpolicy_amendment.proposed_execpolicy_amendment;
    // Without a rules store (no exec policy wired) it stays a one-off approval.
    return canAmend && prefix.length > 0 ? { amend: [...prefix] } : "approved";
  }
  // A network amendment answers a network approval; on a command it is only its allow or deny.
  if (typeof decision === "object" && "network_policy_amendment" in decision)
    return decision.network_policy_amendment.network_policy_amendment.action === "allow"
      ? "approved"
      : "declined";
  if (decision === "approved" || typeof decision === "object") return "approved";
  return "declined";
}

/** The exit code a run reports to the model (timeouts 124, signals 128+n, never-ran -1). */
export function exitCodeOf(result: SandboxRunResult): number {
  if (result.timedOut) return TIMEOUT_EXIT_CODE;
  if (result.exitCode !== null) return result.exitCode;
  if (result.signal !== null) return 128 + (os.constants.signals[result.signal] ?? 0);
  return -1;
}

function sandboxDeniedNote(policyLabel: string): string {
  return `The sandbox denied this command; approval policy \`${policyLabel}\` does not allow running it outside the sandbox.`;
}

export async function runCommand(
  inv: CommandInvocation,
  ctx: ToolContext,
  deps: OrchestratorDeps,
): Promise<CommandOutcome> {
  const config = ctx.config;
  const policy = config.approvalPolicy.value;
  // What request_permissions granted widens the turn's profile for every attempt (and decision).
  const profile: RuntimePermissions = withGrants(
    { fs: config.fileSystemSandboxPolicy, net: config.networkSandboxPolicy },
    deps.grants ?? [],
    config.keelHome,
    ctx.cwd,
  );
  const started = performance.now();
  // Rules first: a forbidden command (or a rule prompt the policy cannot ask) never starts an item.
  const heuristic = (argv: string[]): HeuristicDecision =>
    decideCommandApproval({
      approvalPolicy: policy,
      fsKind: profile.fs.kind,
      sandboxPermissions: inv.sandboxPermissions,
      knownSafe: isKnownSafeCommand(argv),
      dangerous: isDangerousCommand(argv),
      complexParse: complexParse(argv),
    });
  // Only on-request may ask to leave the sandbox; elsewhere the call is refused before anything
  // else, in Codex's words (the policy's Rust name: `Never`, `UnlessTrusted`, `Granular(…)`).
  if (
    inv.sandboxPermissions === "require_escalated" &&
    inv.source !== "user_shell" &&
    policy !== "on-request"
  )
    return refusedOutcome(escalationRefused(policy));
  const rules = deps.execPolicy && inv.source !== "user_shell" ? deps.execPolicy.current() : null;
  let verdict: RuleVerdict = rules ? checkCommandRules(rules, inv.argv, heuristic) : { kind: "none" };
  // Unmatched and forbidden by the heuristics (rm -f under never): rejected before any item event.
  if (verdict.kind === "none" && inv.source !== "user_shell") {
    const decided = heuristic(inv.argv);
    if (decided.decision === "forbidden")
      verdict = { kind: "forbidden", reason: heuristicRejection(joinShellWords(inv.argv), decided.reason) };
  }
  if (verdict.kind === "prompt" && verdict.fromRule) {
    const resolved = resolvePrompt(policy, "rule");
    if (resolved.decision === "forbidden") verdict = { kind: "forbidden", reason: resolved.reason };
  }
  if (verdict.kind === "forbidden") return refusedOutcome(rejectedText(verdict.reason));
  // A rule's bypass never covers a program the sandbox could have planted on PATH.
  if (verdict.kind === "allow" && verdict.bypassSandbox && profile.fs.kind === "restricted") {
    const access = new WriteAccess(profile.fs, ctx.cwd);
    const writable = (file: string) => access.check(file).kind === "writable";
    if (runsWritableProgram(inv.argv, deps.commandEnv.PATH, inv.cwd, writable)) verdict = { kind: "none" };
  }
  const actions = parseCommandActions(inv.argv, inv.cwd) as CommandAction[];
  const base = {
    call_id: inv.callId,
    turn_id: ctx.turnId,
    command: inv.argv,
    cwd: inv.cwd,
    parsed_cmd: actions,
    source: inv.source,
    process_id: inv.processId ?? null,
  };
  ctx.emit({ type: "exec_command_begin", ...base });

  const finish = (outcome: Omit<CommandOutcome, "durationMs">, stdout = "", stderr = ""): CommandOutcome => {
    const durationMs = performance.now() - started;
    const full: CommandOutcome = { ...outcome, durationMs };
    ctx.emit({
      type: "exec_command_end",
      ...base,
      aggregated_output:
        full.message && full.exitCode === -1 && full.networkDenial === undefined
          ? full.message
          : full.aggregatedOutput,
      exit_code: full.exitCode,
      duration: { secs: Math.floor(durationMs / 1000), nanos: Math.round((durationMs % 1000) * 1e6) },
      status: full.status,
      stdout,
      stderr:
        full.exitCode === -1 && full.message && full.networkDenial === undefined ? full.message : stderr,
    });
    return full;
  };
  const notRun = (status: CommandStatus, message: string, startError?: string): CommandOutcome =>
    finish({
      status,
      exitCode: -1,
      aggregatedOutput: "",
      timedOut: false,
      aborted: false,
      message,
      sandboxed: false,
      ...(startError !== undefined ? { startError } : {}),
    });

  const commandKey = { kind: "command" as const, argv: inv.argv, cwd: inv.cwd };
  // The amendment offered with a heuristic prompt (none when a prompt rule asked, spec §6).
  const amendment =
    verdict.kind === "prompt"
      ? verdict.amendment
      : rules
        ? proposeAmendment(rules, inv.argv, inv.prefixRule ?? null, heuristic)
        : [...inv.argv];
  const ask = async (reason: string | null, retry: boolean, fromRule = false): Promise<AskResult> => {
    const offered = fromRule ? null : amendment;
    const response = await ctx.requestApproval({
      kind: "exec",
      callId: inv.callId,
      approvalId: retry ? randomUUID() : null,
      command: inv.argv,
      cwd: inv.cwd,
      reason,
      commandActions: actions,
      proposedExecpolicyAmendment: offered,
      availableDecisions: fromRule ? RULE_PROMPT_DECISIONS : decisionsFor(offered),
    });
    const answer = approvalOf(response.decision, deps.execPolicy !== undefined);
    // Saved before the command runs, and in force for the rest of the session at once.
    if (typeof answer === "object") {
      try {
        deps.execPolicy!.amend(answer.amend);
        // The model learns of the rule only once it is saved (spec execpolicy.md §6).
        ctx.prefixSaved?.(answer.amend);
      } catch (error) {
        // The user approved the command: an unwritable rules file must not cancel it.
        const why = (error as Error)?.message ?? String(error);
        ctx.emit({ type: "warning", message: `The approved command prefix could not be saved: ${why}` });
      }
    }
    return answer;
  };

  /** Handed over to its session: the item stays open until the session completes it. */
  function running(output: OutputCollector): CommandOutcome {
    return {
      status: "running",
      exitCode: -1,
      aggregatedOutput: output.text(),
      durationMs: performance.now() - started,
      timedOut: false,
      aborted: false,
      message: null,
      sandboxed: true,
    };
  }

  /** Ends a handed-over command's item when it exits or is killed (Codex: failed, -1). */
  function complete(
    result: SandboxRunResult,
    output: OutputCollector,
    killed: boolean,
    networkDenial?: string,
  ): void {
    reportNotes(result, ctx, deps.reportedNotes);
    // Killed for a network refusal: failed like the blocked command result, the reason appended.
    if (networkDenial !== undefined) {
      finish({
        ...summary(result, output),
        status: "failed",
        exitCode: -1,
        aggregatedOutput: `${output.text()}\n${networkDenial}`,
        networkDenial,
      });
      return;
    }
    if (killed) {
      finish({ ...summary(result, output), status: "failed", exitCode: -1 });
      return;
    }
    finish({ ...summary(result, output), message: reportQuarantine(result, null, ctx) });
  }

  /** Refused before anything started: no item events, only `message` for the model. */
  function refusedOutcome(message: string): CommandOutcome {
    return {
      status: "declined",
      exitCode: -1,
      aggregatedOutput: "",
      durationMs: performance.now() - started,
      timedOut: false,
      aborted: false,
      message,
      sandboxed: false,
    };
  }

  try {
    return await decideAndRun();
  } catch (error) {
    // Aborted while waiting for an answer or a run: close the item, then let the turn unwind.
    notRun("failed", ctx.signal.aborted ? "aborted" : String((error as Error)?.message ?? error));
    throw error;
  }

  async function decideAndRun(): Promise<CommandOutcome> {
    if (inv.source === "user_shell") {
      const output = new OutputCollector();
      const unrestricted: RuntimePermissions = { fs: unrestrictedFsPolicy(), net: "enabled" };
      const result = await attempt(inv, ctx, deps, unrestricted, output, complete, true);
      if (result === null) return running(output);
      if (result.setupError !== undefined)
        return notRun("failed", `the command was not run: ${result.setupError}`, result.setupError);
      return finish(summary(result, output), result.stdout, result.stderr);
    }
    // 1) approval: a rule's decision, else the heuristics
    let unsandboxed = false;
    if (verdict.kind === "allow") {
      // Allowed by rules alone (every segment): it runs outside the sandbox, unasked (spec §4).
      unsandboxed = verdict.bypassSandbox;
    } else if (verdict.kind === "prompt" && verdict.fromRule) {
      const answer = await ask(verdict.reason, false, true);
      if (answer === "declined") return notRun("declined", rejectedText("rejected by user"));
      unsandboxed = true;
    }
    const decision =
      verdict.kind === "none"
        ? heuristic(inv.argv)
        : verdict.kind === "prompt" && !verdict.fromRule
          ? ({ decision: "prompt" } as const)
          : ({ decision: "allow" } as const);
    if (decision.decision === "forbidden") return notRun("declined", decision.reason);
    // An approved escalation request runs outside the sandbox from the first attempt.
    if (decision.decision === "prompt") {
      const wantsEscalation =
        inv.sandboxPermissions === "require_escalated" && profile.fs.kind === "restricted";
      const wanted = { ...commandKey, unsandboxed: wantsEscalation };
      if (!deps.approvals.covers(ctx.approvalCache, wanted)) {
        const answer = await ask(inv.justification, false);
        if (answer === "declined") return notRun("declined", REJECTED_BY_USER);
        if (answer === "approved_for_session")
          deps.approvals.remember(ctx.threadId, ctx.approvalCache, wanted);
        // An accepted amendment runs the command outside the sandbox now (spec §6).
        unsandboxed = wantsEscalation || typeof answer === "object";
      } else unsandboxed = wantsEscalation;
    }

    // 2) first attempt with the turn's profile (or escalated, if that is what was approved)
    const output = new OutputCollector();
    const first = await attempt(
      inv,
      ctx,
      deps,
      unsandboxed ? escalatedPermissions(profile.fs) : profile,
      output,
      complete,
      unsandboxed,
    );
    if (first === null) return running(output);
    let result = first;
    if (result.setupError !== undefined) {
      return notRun("failed", `the command was not run: ${result.setupError}`, result.setupError);
    }
    // The network refused something it asked for: the output is kept and the command fails.
    if (result.networkDenial !== undefined) {
      const denial = result.networkDenial;
      return finish(
        {
          ...summary(result, output),
          status: "failed",
          exitCode: -1,
          aggregatedOutput: `${output.text()}\n${denial}`,
          message: processFailedText(denial),
          networkDenial: denial,
        },
        result.stdout,
        result.stderr,
      );
    }

    // 3) escalation after a sandbox denial
    let message: string | null = null;
    if (result.sandboxDenied && !unsandboxed) {
      const policyLabel = typeof policy === "string" ? policy : "granular";
      const prompt = resolvePrompt(policy, "sandbox");
      if (prompt.decision === "forbidden") {
        message =
          policy === "never"
            ? sandboxDeniedNote(policyLabel)
            : `The sandbox denied this command: ${prompt.reason}.`;
      } else {
        const key = { ...commandKey, unsandboxed: true };
        if (!deps.approvals.covers(ctx.approvalCache, key)) {
          const answer = await ask(RETRY_WITHOUT_SANDBOX_REASON, true);
          if (answer === "declined") {
            const declined = reportQuarantine(result, REJECTED_BY_USER, ctx);
            return finish({ ...summary(result, output), status: "declined", message: declined });
          }
          if (answer === "approved_for_session")
            deps.approvals.remember(ctx.threadId, ctx.approvalCache, key);
        }
        const retryOutput = new OutputCollector();
        const retry = await attempt(
          inv,
          ctx,
          deps,
          escalatedPermissions(profile.fs),
          retryOutput,
          complete,
          true,
        );
        if (retry === null) return running(retryOutput);
        result = retry;
        if (result.setupError !== undefined)
          return notRun("failed", `the command was not run: ${result.setupError}`, result.setupError);
        return finish(summary(result, retryOutput), result.stdout, result.stderr);
      }
    }
    message = reportQuarantine(result, message, ctx);
    return finish({ ...summary(result, output), message }, result.stdout, result.stderr);
  }
}

/**
 * Config folders the command created were moved out of the workspace after it exited: tell the
 * user (a warning event) and the model (a note before the output), so neither believes the write
 * took effect.
 */
function reportQuarantine(result: SandboxRunResult, message: string | null, ctx: ToolContext): string | null {
  const notices = result.quarantined.map(quarantineNotice);
  // A failed check is reported on every command, never folded into a once-per-thread note.
  if (result.quarantineError !== undefined) notices.push(`sandbox: ${result.quarantineError}`);
  if (notices.length === 0) return message;
  for (const notice of notices) ctx.emit({ type: "warning", message: notice });
  return [message, ...notices].filter((m) => m !== null).join("\n");
}

function summary(result: SandboxRunResult, output: OutputCollector): Omit<CommandOutcome, "durationMs"> {
  const exitCode = exitCodeOf(result);
  return {
    status:
      exitCode === 0 && !result.timedOut && !result.aborted && result.quarantineError === undefined
        ? "completed"
        : "failed",
    exitCode,
    aggregatedOutput: output.text(),
    outputBytes: output.totalBytes,
    omittedBytes: output.omittedBytes,
    timedOut: result.timedOut,
    aborted: result.aborted,
    message: null,
    sandboxed: result.sandboxed,
  };
}

/** A run that never started because the sandbox could not be set up. */
function notStarted(setupError: string): SandboxRunResult {
  return {
    exitCode: null,
    signal: null,
    stdout: "",
    stderr: "",
    durationMs: 0,
    timedOut: false,
    aborted: false,
    setupError,
    sandboxDenied: false,
    sandboxed: true,
    notes: [],
    quarantined: [],
  };
}

/**
 * The proxy's CA bundle stays readable under restricted reads (commands trust it through the CA
 * variables), and the CA's private key is hidden from the command.
 */
function withProxyFiles(plan: SandboxPlan, route: ProxyRoute): SandboxPlan {
  if (route.readable.length === 0 && route.hidden.length === 0) return plan;
  return {
    ...plan,
    read:
      plan.read.kind === "restricted"
        ? { ...plan.read, roots: [...plan.read.roots, ...route.readable] }
        : plan.read,
    denyRead: { ...plan.denyRead, paths: [...plan.denyRead.paths, ...route.hidden] },
  };
}

/** Ends a run that went to the background: its result, output, and why it ended, if killed. */
type CompleteRun = (
  result: SandboxRunResult,
  output: OutputCollector,
  killed: boolean,
  denial?: string,
) => void;

/**
 * One run under `perms`, streaming output deltas for the call. Null: a live run that is still
 * running and now belongs to its session.
 */
async function attempt(
  inv: CommandInvocation,
  ctx: ToolContext,
  deps: OrchestratorDeps,
  perms: RuntimePermissions,
  output: OutputCollector,
  complete: CompleteRun,
  escalated: boolean,
): Promise<AttemptResult | null> {
  // Escalated commands bypass the proxy, as in Codex: no variables, the host's network.
  const route = !escalated && perms.net === "enabled" ? deps.networkProxy : undefined;
  if (route && "error" in route) return notStarted(route.error);
  const network = route ? deps.networkApproval?.begin(ctx) : undefined;
  let deferred = false;
  try {
    const result: AttemptResult | null = await runAttempt(inv, ctx, deps, perms, output, complete, {
      escalated,
      route,
    });
    // Handed over to the background: its owner keeps it charged for refusals until it exits.
    if (result === null && network && inv.live?.deferNetwork) {
      inv.live.deferNetwork(network);
      deferred = true;
      return null;
    }
    const denial = network?.end() ?? null;
    return result !== null && denial !== null ? { ...result, networkDenial: denial } : result;
  } finally {
    if (!deferred) network?.end();
  }
}

/** A run's result, and why the managed proxy refused part of it, if it did. */
type AttemptResult = SandboxRunResult & { networkDenial?: string };

async function runAttempt(
  inv: CommandInvocation,
  ctx: ToolContext,
  deps: OrchestratorDeps,
  perms: RuntimePermissions,
  output: OutputCollector,
  complete: CompleteRun,
  { escalated, route }: { escalated: boolean; route: ProxyRoute | undefined },
): Promise<SandboxRunResult | null> {
  const env = route ? { ...deps.commandEnv, ...route.env } : deps.commandEnv;
  // The policy resolves against the turn's cwd; the command itself starts in its own workdir.
  let plan: ReturnType<typeof compileSandboxPlan>;
  try {
    plan = {
      ...compileSandboxPlan(perms.fs, perms.net, ctx.cwd, {
        tmpdir: env.TMPDIR ?? null,
        uid: typeof process.getuid === "function" ? process.getuid() : undefined,
      }),
      cwd: inv.cwd,
    };
  } catch (error) {
    return notStarted(`cannot compile the sandbox policy: ${(error as Error).message}`);
  }
  if (route) plan = withProxyFiles(plan, route);
  let deltas = 0;
  const maxDeltas = deps.maxDeltaEvents ?? MAX_DELTA_EVENTS;
  const stream = (name: "stdout" | "stderr") => {
    const decoder = new StringDecoder("utf8");
    return {
      decoder,
      on: (chunk: Buffer) => {
        // Deltas of at most 8 KiB, like Codex's reads: the per-call cap then bounds their bytes.
        for (let at = 0; at < chunk.length; at += DELTA_MAX_BYTES) {
          const text = decoder.write(chunk.subarray(at, at + DELTA_MAX_BYTES));
          if (text === "") continue;
          output.push(text);
          inv.live?.onOutput(text);
          if (deltas++ < maxDeltas)
            ctx.emit({ type: "exec_command_output_delta", call_id: inv.callId, stream: name, chunk: text });
        }
      },
    };
  };
  const out = stream("stdout");
  const err = stream("stderr");
  const options: RunSandboxedOptions = {
    argv: deps.launchArgv?.(inv.argv, inv.cwd) ?? inv.argv,
    cwd: inv.cwd,
    plan,
    env,
    onStdout: out.on,
    onStderr: err.on,
    // The runner's own copy of each stream is bounded too; the collector above is what counts.
    maxOutputBytes: COMMAND_OUTPUT_MAX_BYTES,
    stateDir: path.join(ctx.config.keelHome, "sandbox"),
    keelHome: ctx.config.keelHome,
    ...(deps.bwrapPath ? { bwrapPath: deps.bwrapPath } : {}),
    ...(route ? { proxyPorts: route.ports } : {}),
  };
  const flush = () => {
    for (const s of [out, err]) {
      const rest = s.decoder.end();
      if (rest) {
        output.push(rest);
        inv.live?.onOutput(rest);
      }
    }
  };
  if (inv.live) {
    const start = (extra: LiveLaunchOptions) =>
      runSandboxed({ ...options, ...extra }).then((r) => {
        flush();
        return r;
      });
    const live = await inv.live.run(
      start,
      output,
      (r, killed, denial) => complete(r, output, killed, denial),
      escalated,
    );
    if (live !== null) reportNotes(live, ctx, deps.reportedNotes);
    return live;
  }
  const result = await runSandboxed({ ...options, timeoutMs: inv.timeoutMs, signal: ctx.signal });
  flush();
  reportNotes(result, ctx, deps.reportedNotes);
  return result;
}

/**
 * Sandbox notes (deny-glob matches left readable) become warning events, each kind once per
 * thread: the same note would otherwise repeat for every command.
 */
function reportNotes(result: SandboxRunResult, ctx: ToolContext, reported: Set<string>): void {
  for (const note of result.notes) {
    const key = `${ctx.threadId}\0${note.kind}`;
    if (reported.has(key)) continue;
    reported.add(key);
    ctx.emit({ type: "warning", message: `sandbox: ${note.message}` });
  }
}
