import { randomBytes } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import type { ShellEnvironmentPolicyToml } from "../../config/schema.js";
import { compiledNetworkDomains } from "../../execpolicy/network.js";
import { foldNetworkRules } from "../../network-proxy/rules-fold.js";
import type { PermissionEnv } from "../../permissions/index.js";
import type { RequestedPermissions } from "../../protocol/events.js";
import type { ResponseItem } from "../../protocol/items.js";
import {
  type BackgroundProcess,
  type RememberedGrant,
  type ToolCall,
  type ToolContext,
  type ToolHooks,
  type ToolRouter,
  type ToolSpec,
  toolOutputItem,
  type UserShellResult,
} from "../../session/tool-router.js";
import {
  type ApplyPatchDetection,
  detectApplyPatchCommand,
  detectApplyPatchText,
  effectiveCwd,
} from "../patch-invocation.js";
import type { ParsedPatch } from "../patch-parser.js";
import {
  ApplyPatchArgsSchema,
  ExecCommandArgsSchema,
  parseToolArguments,
  ShellArgsSchema,
  execCommandToolSpec,
  ShellCommandArgsSchema,
  WriteStdinArgsSchema,
  writeStdinToolSpec,
} from "../specs.js";
import { mediaToolSpecs } from "../media-tools.js";
import {
  grantedSubset,
  grantOutput,
  isEmptyPermissions,
  LOCAL_ENVIRONMENT_ID,
  REQUEST_PERMISSIONS_TEXT,
  REQUEST_PERMISSIONS_TOOL_NAME,
  RequestPermissionsArgsSchema,
  requestedFromArgs,
} from "../request-permissions.js";
import { enforceableGrant, PermissionGrants } from "./permission-grants.js";
import type { AskForApproval } from "../../protocol/permissions.js";
import { runViewImage, VIEW_IMAGE_TOOL_NAME } from "../view-image.js";
import { type SessionApproval, SessionApprovals, sessionApprovalKey } from "./approvals.js";
import { amendmentLine } from "../../execpolicy/amend.js";
import { allowedPrefixes, renderApprovedPrefixes } from "../../execpolicy/approved-prefixes.js";
import type { SessionExecPolicy } from "../../execpolicy/session-policy.js";
import type { HookToolCall } from "../../hooks/session-hooks.js";
import { blockedByHookText, hookToolCall, rewriteCall } from "./hook-calls.js";
import { buildCommandEnv, explicitEnvNames } from "../../sandbox/command-env.js";
import { SessionProxies } from "../../network-proxy/session-proxies.js";
import type { NetworkProxySettings } from "../../network-proxy/settings.js";
import { ThreadNetworkApprovals } from "./network-approvals.js";
import { errorMessage } from "../../lib/errors.js";
import {
  type CommandInvocation,
  type CommandOutcome,
  type OrchestratorDeps,
  runCommand,
} from "./command-orchestrator.js";
import {
  DEFAULT_OUTPUT_TOKENS,
  formatExecCommandOutput,
  formatShellCommandOutput,
  formatShellOutput,
  type RunSummary,
} from "./output.js";
import { toolOutputPolicy } from "./output-policy.js";
import { applyPatch } from "./patch-orchestrator.js";
import { DEFAULT_BACKGROUND_MAX_TIMEOUT_MS } from "./unified-exec/reply.js";
import { UnifiedExec } from "./unified-exec/unified-exec.js";
import type { ShellSnapshot } from "./shell-snapshot/snapshot.js";
import { ShellSnapshots } from "./shell-snapshot/snapshots.js";
import { wrapWithSnapshot } from "./shell-snapshot/wrap.js";

export interface ToolRouterOptions {
  /** Environment commands start from (the CLI passes its own); filtered by the policy below. */
  env: Readonly<Record<string, string | undefined>>;
  shellEnvironmentPolicy?: ShellEnvironmentPolicyToml | null;
  /** Shell for `exec_command` when the call names none. Default `/bin/bash`. */
  userShell?: string;
  /** `shell` calls without `timeout_ms`. Default 10 s (Codex). */
  shellTimeoutMs?: number;
  /** `allow_login_shell`: false keeps exec_command from running login shells. Default true. */
  allowLoginShell?: boolean;
  /** `[features] shell_snapshot` (default true, as in Codex 0.169): snapshot the login shell. */
  shellSnapshot?: boolean;
  /** `background_terminal_max_timeout`: the longest an empty write_stdin poll waits. Default 300 s. */
  backgroundTerminalMaxTimeoutMs?: number;
  bwrapPath?: string;
  permissionEnv?: PermissionEnv;
  /** The session's exec policy rules (`.rules` files, requirements, amendments). */
  execPolicy?: SessionExecPolicy;
}

const LocalShellActionSchema = z.looseObject({
  command: z.array(z.string()).min(1),
  working_directory: z.string().nullish(),
  timeout_ms: z.number().int().nonnegative().nullish(),
});

export const LOGIN_SHELL_DISABLED = "login shell is disabled by config; omit `login` or set it to false.";

const COMMAND_TOOLS = new Set([
  "shell",
  "shell_command",
  "exec_command",
  "local_shell",
  "container.exec",
  "write_stdin",
]);

/** Policies under which a `request_permissions` call is answered "nothing granted" unasked. */
function mayAskForPermissions(policy: AskForApproval): boolean {
  if (policy === "never") return false;
  return typeof policy === "string" || policy.granular.request_permissions;
}

const USER_SHELL_TIMEOUT_MS = 60 * 60 * 1000;

/**
 * The tools that touch the machine — shell / exec_command / apply_patch — behind the session's
 * ToolRouter seam. Every call goes through the orchestrator (approval → sandbox → run →
 * escalate); nothing here decides permissions on its own.
 */
export class SandboxedToolRouter implements ToolRouter {
  private readonly approvals = new SessionApprovals();
  private readonly grants = new PermissionGrants();
  /** Sandbox note kinds already reported per thread (see runCommand). */
  private readonly reportedNotes = new Set<string>();
  private readonly proxies = new SessionProxies();
  private readonly networkApprovals = new Map<string, ThreadNetworkApprovals>();
  private readonly unifiedExec: UnifiedExec;
  private readonly snapshots: ShellSnapshots;

  constructor(private readonly options: ToolRouterOptions) {
    this.snapshots = new ShellSnapshots(
      this.userShell,
      (options.shellSnapshot ?? true) && (options.allowLoginShell ?? true),
    );
    this.unifiedExec = new UnifiedExec(
      options.backgroundTerminalMaxTimeoutMs ?? DEFAULT_BACKGROUND_MAX_TIMEOUT_MS,
    );
  }

  /**
   * The specs that depend on this router's options or the turn's config (exec_command with or
   * without `login`, write_stdin, the media tools). Which tools a model is offered, and in which
   * form, is decided per model by `selectTools` (src/session/tool-selection.ts); every form is
   * accepted here.
   */
  specs(ctx?: Pick<ToolContext, "config">): ToolSpec[] {
    return [
      { ...execCommandToolSpec({ allowLoginShell: this.options.allowLoginShell ?? true }) },
      { ...writeStdinToolSpec() },
      ...(ctx ? mediaToolSpecs(ctx.config) : []),
    ];
  }

  private get userShell(): string {
    return this.options.userShell ?? "/bin/bash";
  }

  /** A session starts: its shell snapshot is taken in the background (nothing waits for it). */
  startSession(
    threadId: string,
    cwd: string,
    keelHome: string,
    networkProxy?: NetworkProxySettings | null,
  ): void {
    this.snapshots.start({ threadId, cwd, keelHome, env: this.commandEnvFor(threadId) });
    if (!networkProxy) return;
    // `network_rule`s of the loaded rules files join the proxy's domain lists (network-proxy.md §7).
    const rules = this.options.execPolicy?.current();
    const approvals = new ThreadNetworkApprovals(
      keelHome,
      {
        updatePolicy: (change) =>
          this.proxies.updatePolicy(threadId, (policy) =>
            foldNetworkRules(
              policy,
              change.action === "allow"
                ? { allow: [change.host], deny: [] }
                : { allow: [], deny: [change.host] },
            ),
          ),
      },
      this.options.execPolicy,
    );
    this.networkApprovals.set(threadId, approvals);
    // Allowlist misses become approvals only under requirements that do not pin the allowlist (§6).
    const asks = networkProxy.managed && !networkProxy.managedAllowedDomainsOnly;
    this.proxies.start(
      threadId,
      rules
        ? { ...networkProxy, policy: foldNetworkRules(networkProxy.policy, compiledNetworkDomains(rules)) }
        : networkProxy,
      {
        keelHome,
        env: this.options.env,
        onRequest: (record) => approvals.observe(record),
        ...(asks ? { decider: (request) => approvals.decide(request) } : {}),
      },
    );
  }

  /** A session ended: its snapshot (taken or still being taken) is deleted, its proxy closed. */
  async endSession(threadId: string): Promise<void> {
    this.grants.endSession(threadId);
    this.networkApprovals.delete(threadId);
    await Promise.all([this.snapshots.end(threadId), this.proxies.end(threadId)]);
  }

  /** The thread's shell snapshot once its capture is over (null: none, disabled or failed). */
  shellSnapshot(threadId: string): Promise<ShellSnapshot | null> {
    return this.snapshots.settled(threadId);
  }

  /** Kills the thread's unified exec processes (thread shutdown or unload). */
  async terminateProcesses(threadId: string): Promise<void> {
    await this.unifiedExec.terminateAll(threadId);
  }

  /** The thread's unified exec processes that are still running. */
  runningProcesses(threadId: string): BackgroundProcess[] {
    return this.unifiedExec.running(threadId);
  }

  terminateProcess(threadId: string, processId: number): Promise<boolean> {
    return this.unifiedExec.terminate(threadId, processId);
  }

  /** The user's own `!` command: a login shell, unsandboxed, unreviewed, one hour at most (Codex). */
  async runUserShell(command: string, callId: string, ctx: ToolContext): Promise<UserShellResult> {
    const outcome = await runCommand(
      {
        callId,
        argv: [this.userShell, "-lc", command],
        cwd: ctx.cwd,
        timeoutMs: USER_SHELL_TIMEOUT_MS,
        sandboxPermissions: "use_default",
        justification: null,
        source: "user_shell",
      },
      ctx,
      await this.orchestratorDeps(ctx),
    );
    const output = outcome.exitCode === -1 && outcome.message ? outcome.message : outcome.aggregatedOutput;
    return { exitCode: outcome.exitCode, output, durationMs: outcome.durationMs, timedOut: outcome.timedOut };
  }

  handles(name: string): boolean {
    return (
      COMMAND_TOOLS.has(name) ||
      name === "apply_patch" ||
      name === VIEW_IMAGE_TOOL_NAME ||
      name === REQUEST_PERMISSIONS_TOOL_NAME
    );
  }

  supportsParallel(name: string): boolean {
    // A permission request waits for the user, like a question: one at a time.
    return name !== "apply_patch" && name !== REQUEST_PERMISSIONS_TOOL_NAME;
  }

  /** What was approved for the session of a thread (see approvals.ts for the match rule). */
  sessionApprovals(threadId: string): SessionApproval[] {
    return this.approvals.list(threadId);
  }

  approvedPrefixes(): string | null {
    const rules = this.options.execPolicy?.current();
    return rules ? renderApprovedPrefixes(allowedPrefixes(rules)) : null;
  }

  rememberedGrants(threadId: string): RememberedGrant[] {
    const approvals = this.approvals.list(threadId).map(
      (a): RememberedGrant =>
        a.kind === "command"
          ? {
              kind: "command",
              key: sessionApprovalKey(a),
              command: [...a.argv],
              cwd: a.cwd,
              unsandboxed: a.unsandboxed,
            }
          : { kind: "patch", key: sessionApprovalKey(a), path: a.path },
    );
    const amendments = (this.options.execPolicy?.amendments() ?? []).map(
      (prefix): RememberedGrant => ({ kind: "execpolicyAmendment", key: amendmentLine(prefix), prefix }),
    );
    return [...approvals, ...amendments];
  }

  permissionGrants(threadId: string, turnId: string | null): RequestedPermissions[] {
    return this.grants.inForce(threadId, turnId);
  }

  forgetGrant(threadId: string, grant: RememberedGrant): boolean {
    if (grant.kind === "execpolicyAmendment") return this.options.execPolicy?.revoke(grant.prefix) ?? false;
    return this.approvals.forget(threadId, grant.key);
  }

  async dispatch(call: ToolCall, ctx: ToolContext): Promise<ResponseItem> {
    if (call.name === VIEW_IMAGE_TOOL_NAME) return runViewImage(call, ctx, this.options.permissionEnv);
    const hooked = ctx.hooks ? hookToolCall(call) : null;
    if (!ctx.hooks || !hooked) return toolOutputItem(call, await this.run(call, ctx));
    return toolOutputItem(call, await this.runWithHooks(call, hooked, ctx.hooks, ctx));
  }

  /** PreToolUse decides whether (and with which input) the call runs; PostToolUse sees its output. */
  private async runWithHooks(call: ToolCall, hooked: HookToolCall, hooks: ToolHooks, ctx: ToolContext) {
    const pre = await hooks.preToolUse(hooked);
    if (pre.blockReason !== null) return blockedByHookText(hooked, pre.blockReason);
    let effective = call;
    if (pre.updatedInput !== undefined) {
      const rewritten = rewriteCall(call, pre.updatedInput);
      if (typeof rewritten === "string") return rewritten;
      effective = rewritten;
    }
    const output = await this.run(effective, ctx);
    const post = await hooks.postToolUse(hookToolCall(effective) ?? hooked, output);
    return post.replacement ?? output;
  }

  private async run(call: ToolCall, ctx: ToolContext): Promise<string> {
    switch (call.name) {
      case "apply_patch":
        return this.applyPatchTool(call, ctx);
      case REQUEST_PERMISSIONS_TOOL_NAME:
        return this.requestPermissions(call, ctx);
      case "exec_command":
        return this.execCommand(call, ctx);
      case "shell_command":
        return this.shellCommand(call, ctx);
      case "write_stdin": {
        const args = parseToolArguments(WriteStdinArgsSchema, call.input);
        return args.ok ? this.unifiedExec.writeStdin(args.value, call.callId, ctx) : args.message;
      }
      case "local_shell":
      case "container.exec":
        if (call.kind === "local_shell") return this.localShell(call, ctx);
        return this.shell(call, ctx);
      default:
        return this.shell(call, ctx);
    }
  }

  /**
   * `request_permissions`: asks the user (unless the policy rejects such prompts: then nothing is
   * granted, unasked) and keeps the granted part for later commands of the turn or session.
   */
  private async requestPermissions(call: ToolCall, ctx: ToolContext): Promise<string> {
    const args = parseToolArguments(RequestPermissionsArgsSchema, call.input);
    if (!args.ok) return args.message;
    const env = args.value.environment_id;
    if (env !== undefined && env !== LOCAL_ENVIRONMENT_ID)
      return REQUEST_PERMISSIONS_TEXT.unknownEnvironment(env);
    const requested = requestedFromArgs(args.value, ctx.cwd);
    if (isEmptyPermissions(requested)) return REQUEST_PERMISSIONS_TEXT.empty;
    const nothing = { network: null, file_system: null };
    if (!mayAskForPermissions(ctx.config.approvalPolicy.value)) return grantOutput(nothing, "turn");
    const response = await ctx.requestApproval({
      kind: "permissions",
      callId: call.callId,
      reason: args.value.reason ?? null,
      permissions: requested,
    });
    const scope = response.grant?.scope ?? "turn";
    const answered = response.grant ? grantedSubset(requested, response.grant.permissions) : nothing;
    // Only what commands will get is kept and reported; a dropped write path is named.
    const { kept, refused } = enforceableGrant(answered, {
      fs: ctx.config.fileSystemSandboxPolicy,
      cwd: ctx.cwd,
      keelHome: ctx.config.keelHome,
    });
    if (!isEmptyPermissions(kept)) this.grants.add(ctx.threadId, ctx.turnId, scope, kept);
    return grantOutput(kept, scope, refused);
  }

  private async applyPatchTool(call: ToolCall, ctx: ToolContext): Promise<string> {
    let text = call.input;
    if (call.kind === "function") {
      const args = parseToolArguments(ApplyPatchArgsSchema, call.input);
      if (!args.ok) return args.message;
      text = args.value.input;
    }
    const detection = detectApplyPatchText(text);
    if (detection.type !== "patch") {
      return `apply_patch verification failed: ${detection.type === "error" ? detection.message : "not a patch"}`;
    }
    // Codex 0.169 reports an applied (or failed) patch as a command's result: the freeform tool
    // in the plain-text form, the function tool in the JSON form (captured in c169-gpt55-patch).
    const policy = toolOutputPolicy(ctx.config);
    const format =
      call.kind === "custom"
        ? (run: RunSummary) => formatShellCommandOutput(run, policy)
        : (run: RunSummary) => formatShellOutput(run, policy);
    return this.patchAsCommand(call, detection.parsed, ctx.cwd, ctx, format);
  }

  /** Applies a patch; once it ran (applied or failed), its result is formatted as a command's. */
  private async patchAsCommand(
    call: ToolCall,
    parsed: ParsedPatch,
    cwd: string,
    ctx: ToolContext,
    format: (run: RunSummary) => string,
  ): Promise<string> {
    const started = performance.now();
    const outcome = await applyPatch(call.callId, parsed, cwd, ctx, this.patchDeps());
    if (outcome.status !== "completed" && outcome.status !== "failed") return outcome.message;
    return format({
      exitCode: outcome.status === "completed" ? 0 : 1,
      durationMs: performance.now() - started,
      output: outcome.message,
      timedOut: false,
      timeoutMs: null,
    });
  }

  private async shell(call: ToolCall, ctx: ToolContext): Promise<string> {
    const args = parseToolArguments(ShellArgsSchema, call.input);
    if (!args.ok) return args.message;
    const a = args.value;
    return this.command(call, ctx, {
      argv: a.command,
      workdir: a.workdir ?? null,
      timeoutMs: a.timeout_ms ?? this.options.shellTimeoutMs ?? 10_000,
      escalate: a.sandbox_permissions === "require_escalated",
      justification: a.justification ?? null,
      format: (run) => formatShellOutput(run, toolOutputPolicy(ctx.config)),
      source: "agent",
      prefixRule: a.prefix_rule ?? null,
    });
  }

  private async shellCommand(call: ToolCall, ctx: ToolContext): Promise<string> {
    const args = parseToolArguments(ShellCommandArgsSchema, call.input);
    if (!args.ok) return args.message;
    const a = args.value;
    return this.command(call, ctx, {
      argv: [this.userShell, a.login ? "-lc" : "-c", a.command],
      workdir: a.workdir ?? null,
      timeoutMs: a.timeout_ms ?? this.options.shellTimeoutMs ?? 10_000,
      escalate: a.sandbox_permissions === "require_escalated",
      justification: a.justification ?? null,
      format: (run) => formatShellCommandOutput(run, toolOutputPolicy(ctx.config)),
      source: "agent",
      prefixRule: a.prefix_rule ?? null,
    });
  }

  private async localShell(call: ToolCall, ctx: ToolContext): Promise<string> {
    const parsed = LocalShellActionSchema.safeParse(JSON.parse(call.input));
    if (!parsed.success) return `failed to parse local_shell action: ${z.prettifyError(parsed.error)}`;
    return this.command(call, ctx, {
      argv: parsed.data.command,
      workdir: parsed.data.working_directory ?? null,
      timeoutMs: parsed.data.timeout_ms ?? this.options.shellTimeoutMs ?? 10_000,
      escalate: false,
      justification: null,
      format: (run) => formatShellOutput(run, toolOutputPolicy(ctx.config)),
      source: "agent",
    });
  }

  private async execCommand(call: ToolCall, ctx: ToolContext): Promise<string> {
    const args = parseToolArguments(ExecCommandArgsSchema, call.input);
    if (!args.ok) return args.message;
    const a = args.value;
    const allowLogin = this.options.allowLoginShell ?? true;
    if (a.login === true && !allowLogin) return LOGIN_SHELL_DISABLED;
    const shell = a.shell ?? this.userShell;
    const argv = [shell, (a.login ?? allowLogin) ? "-lc" : "-c", a.cmd];
    const cwd = a.workdir === undefined ? ctx.cwd : path.resolve(ctx.cwd, a.workdir);
    const chunkId = randomBytes(3).toString("hex");
    const maxTokens = a.max_output_tokens ?? DEFAULT_OUTPUT_TOKENS;
    // An apply_patch invocation in cmd is applied as a patch, not run.
    if (detectApplyPatchCommand(argv).type !== "none")
      return this.command(call, ctx, {
        argv,
        workdir: a.workdir ?? null,
        timeoutMs: 0,
        escalate: false,
        justification: null,
        format: (run) => formatExecCommandOutput(run, chunkId, maxTokens, toolOutputPolicy(ctx.config)),
        source: "unified_exec_startup",
      });
    return this.unifiedExec.execCommand(
      {
        argv,
        cmd: a.cmd,
        cwd,
        tty: a.tty,
        yieldTimeMs: a.yield_time_ms,
        maxOutputTokens: a.max_output_tokens,
        escalate: a.sandbox_permissions === "require_escalated",
        justification: a.justification ?? null,
        prefixRule: a.prefix_rule ?? null,
      },
      call.callId,
      ctx,
      await this.orchestratorDeps(ctx),
    );
  }

  private async command(
    call: ToolCall,
    ctx: ToolContext,
    req: {
      argv: string[];
      workdir: string | null;
      timeoutMs: number;
      escalate: boolean;
      justification: string | null;
      format: (run: RunSummary) => string;
      source: CommandInvocation["source"];
      /** The model's `prefix_rule`, for the amendment offered with an approval (spec execpolicy.md §6). */
      prefixRule?: string[] | null;
    },
  ): Promise<string> {
    const cwd = req.workdir === null ? ctx.cwd : path.resolve(ctx.cwd, req.workdir);
    const patch: ApplyPatchDetection = detectApplyPatchCommand(req.argv);
    if (patch.type === "error") return `apply_patch verification failed: ${patch.message}`;
    if (patch.type === "patch")
      return this.patchAsCommand(call, patch.parsed, effectiveCwd(patch, cwd), ctx, req.format);
    const outcome = await runCommand(
      {
        callId: call.callId,
        argv: req.argv,
        cwd,
        timeoutMs: req.timeoutMs,
        sandboxPermissions: req.escalate ? "require_escalated" : "use_default",
        justification: req.justification,
        prefixRule: req.prefixRule ?? null,
        source: req.source,
      },
      ctx,
      await this.orchestratorDeps(ctx),
    );
    return modelText(outcome, req.timeoutMs, req.format);
  }

  /** The environment of a thread's commands: the policy's, with the thread id. */
  private commandEnvFor(threadId: string): Record<string, string> {
    return buildCommandEnv(this.options.env, this.options.shellEnvironmentPolicy, { threadId });
  }

  private async orchestratorDeps(ctx: ToolContext): Promise<OrchestratorDeps> {
    let networkProxy: OrchestratorDeps["networkProxy"];
    try {
      networkProxy = (await this.proxies.route(ctx.threadId)) ?? undefined;
    } catch (error) {
      networkProxy = { error: errorMessage(error) };
    }
    // The snapshot must not override the proxy variables (Codex re-exports them after sourcing it).
    const restore = [
      ...explicitEnvNames(this.options.shellEnvironmentPolicy),
      ...(networkProxy && "env" in networkProxy ? Object.keys(networkProxy.env) : []),
    ];
    const networkApproval = this.networkApprovals.get(ctx.threadId);
    return {
      ...(networkProxy ? { networkProxy } : {}),
      ...(networkApproval ? { networkApproval } : {}),
      commandEnv: this.commandEnvFor(ctx.threadId),
      launchArgv: (argv, cwd) =>
        wrapWithSnapshot(argv, cwd, this.snapshots.current(ctx.threadId), this.userShell, restore),
      approvals: this.approvals,
      grants: this.grants.inForce(ctx.threadId, ctx.turnId),
      reportedNotes: this.reportedNotes,
      ...(this.options.execPolicy ? { execPolicy: this.options.execPolicy } : {}),
      ...(this.options.bwrapPath ? { bwrapPath: this.options.bwrapPath } : {}),
    };
  }

  private patchDeps() {
    return {
      approvals: this.approvals,
      ...(this.options.permissionEnv ? { permissionEnv: this.options.permissionEnv } : {}),
    };
  }
}

function modelText(outcome: CommandOutcome, timeoutMs: number, format: (run: RunSummary) => string): string {
  if (outcome.exitCode === -1 || outcome.status === "declined")
    return outcome.message ?? "the command did not run";
  const output = outcome.message
    ? `${outcome.message}\n${outcome.aggregatedOutput}`
    : outcome.aggregatedOutput;
  const note = output.length - outcome.aggregatedOutput.length;
  return format({
    exitCode: outcome.exitCode,
    durationMs: outcome.durationMs,
    output,
    timedOut: outcome.timedOut,
    timeoutMs,
    ...(outcome.outputBytes !== undefined
      ? { originalBytes: outcome.outputBytes + Buffer.byteLength(output.slice(0, note), "utf8") }
      : {}),
    ...(outcome.omittedBytes !== undefined ? { omittedBytes: outcome.omittedBytes } : {}),
  });
}
