import type { EventMsg } from "../protocol/events.js";
import type { ResponseItem } from "../protocol/items.js";
import type { SessionConfiguration } from "../permissions/index.js";
import type { HookEngine, HookRunResult } from "./engine.js";
import type { HookEventName } from "./events.js";
import { hookOutputsDir, spillHookOutput } from "./output-spill.js";
import type { HookMcpCaller } from "./run-mcp-tool.js";

/** What a hook call needs from the turn it belongs to. */
export interface HookTurn {
  turnId: string;
  config: SessionConfiguration;
  emit(msg: EventMsg): void;
  signal?: AbortSignal;
}

export type SessionStartSource = "startup" | "resume" | "clear" | "compact" | "fork";

/** A tool call as hooks see it: Claude Code's tool name (`Bash`, `apply_patch`, …) and input. */
export interface HookToolCall {
  callId: string;
  toolName: string;
  /** More names the matcher accepts (`Edit`, `Write` for apply_patch). */
  aliases?: readonly string[];
  toolInput: unknown;
}

export interface PreToolDecision {
  /** Set when a hook blocked the call: the reason the model reads. */
  blockReason: string | null;
  /** A hook's `updatedInput` (permissionDecision "allow"). */
  updatedInput?: unknown;
}

export interface PostToolDecision {
  /** Text the model reads instead of the tool's output (a block reason or a stop reason). */
  replacement: string | null;
}

/** A PermissionRequest hook's answer for the user. */
export type PermissionHookDecision = { behavior: "allow" } | { behavior: "deny"; message: string };

/** A Stop hook's block: the turn goes on with the reason as the next prompt. */
export interface StopContinuation {
  runId: string;
  reason: string;
}

/** The model-visible developer message a hook's context becomes. */
export function hookContextMessage(text: string): ResponseItem {
  return { type: "message", role: "developer", content: [{ type: "input_text", text }] };
}

/**
 * The hook events of one session, with its facts filled into every payload (session id,
 * transcript, cwd, model, permission mode). Effects on history are the caller's: this class
 * answers what the hooks decided.
 */
export class SessionHooks {
  constructor(
    readonly engine: HookEngine,
    private readonly threadId: string,
    private readonly transcriptPath: () => string | null,
    /** The thread's MCP tools, for `mcp_tool` hooks; null while it has no MCP servers. */
    private readonly mcp: () => HookMcpCaller | null = () => null,
  ) {}

  async sessionStart(turn: HookTurn, source: SessionStartSource): Promise<string[]> {
    if (!this.engine.has("SessionStart")) return [];
    const results = await this.fire(
      "SessionStart",
      turn,
      { source },
      { matchTargets: [source], turnScoped: false },
    );
    return this.contexts(results);
  }

  async userPromptSubmit(turn: HookTurn, prompt: string): Promise<{ proceed: boolean; contexts: string[] }> {
    if (!this.engine.has("UserPromptSubmit")) return { proceed: true, contexts: [] };
    const results = await this.fire("UserPromptSubmit", turn, { prompt });
    const halted = results.some((r) => r.outcome.status === "blocked" || r.outcome.status === "stopped");
    return { proceed: !halted, contexts: halted ? [] : await this.contexts(results) };
  }

  async preToolUse(turn: HookTurn, call: HookToolCall): Promise<PreToolDecision & { contexts: string[] }> {
    if (!this.engine.has("PreToolUse")) return { blockReason: null, contexts: [] };
    const results = await this.fire("PreToolUse", turn, toolFields(call), toolMatch(call));
    const block = results.find((r) => r.outcome.status === "blocked");
    const rewrite = results.find((r) => r.outcome.updatedInput !== undefined);
    return {
      blockReason: block?.outcome.blockReason ?? null,
      ...(rewrite && !block ? { updatedInput: rewrite.outcome.updatedInput } : {}),
      contexts: await this.contexts(results),
    };
  }

  async postToolUse(
    turn: HookTurn,
    call: HookToolCall,
    response: unknown,
  ): Promise<PostToolDecision & { contexts: string[] }> {
    if (!this.engine.has("PostToolUse")) return { replacement: null, contexts: [] };
    const results = await this.fire(
      "PostToolUse",
      turn,
      { ...toolFields(call), tool_response: response },
      toolMatch(call),
    );
    const block = results.find((r) => r.outcome.status === "blocked" || r.outcome.status === "stopped");
    const replacement = block
      ? block.outcome.status === "blocked"
        ? block.outcome.blockReason
        : block.outcome.stopReason
      : null;
    return { replacement, contexts: await this.contexts(results) };
  }

  /** PermissionRequest: "allow" / "deny" with a message when a hook decided, else null (ask). */
  async permissionRequest(turn: HookTurn, call: HookToolCall): Promise<PermissionHookDecision | null> {
    if (!this.engine.has("PermissionRequest")) return null;
    const { tool_use_id: _omitted, ...fields } = toolFields(call);
    const results = await this.fire("PermissionRequest", turn, fields, toolMatch(call));
    const deny = results.find((r) => r.outcome.permission?.behavior === "deny");
    if (deny?.outcome.permission) return deny.outcome.permission;
    return results.find((r) => r.outcome.permission?.behavior === "allow")?.outcome.permission ?? null;
  }

  async stop(
    turn: HookTurn,
    stopHookActive: boolean,
    lastMessage: string | null,
  ): Promise<StopContinuation[]> {
    if (!this.engine.has("Stop")) return [];
    const results = await this.fire("Stop", turn, {
      stop_hook_active: stopHookActive,
      last_assistant_message: lastMessage,
    });
    return results
      .filter((r) => r.outcome.status === "blocked" && r.outcome.blockReason !== null)
      .map((r) => ({ runId: r.runId, reason: r.outcome.blockReason! }));
  }

  async compact(
    turn: HookTurn,
    event: "PreCompact" | "PostCompact",
    trigger: "manual" | "auto",
  ): Promise<void> {
    if (!this.engine.has(event)) return;
    await this.fire(event, turn, { trigger }, { noPermissionMode: true });
  }

  /** Interrupt: `turn/interrupt` of a running turn (observational; Codex 0.169 fires it). */
  async interrupt(turn: HookTurn): Promise<void> {
    if (!this.engine.has("Interrupt")) return;
    await this.fire("Interrupt", turn, {});
  }

  /** SessionEnd: no notifications, no model, no turn (Codex: app-server shutdown). */
  async sessionEnd(cwd: string): Promise<void> {
    if (!this.engine.has("SessionEnd")) return;
    const callMcp = this.mcp();
    await this.engine.run({
      event: "SessionEnd",
      cwd,
      turnId: null,
      ...(callMcp ? { callMcp } : {}),
      payload: {
        session_id: this.threadId,
        transcript_path: this.transcriptPath(),
        cwd,
        hook_event_name: "SessionEnd",
        reason: "other",
      },
    });
  }

  /** Each hook's context for the model, spilled to a file past its `additionalContextLimit`. */
  private contexts(results: readonly HookRunResult[]): Promise<string[]> {
    const dir = hookOutputsDir(this.engine.tempDir, this.threadId);
    return Promise.all(
      results.flatMap((r) =>
        r.outcome.context ? [spillHookOutput(r.outcome.context, r.hook.additionalContextLimit, dir)] : [],
      ),
    );
  }

  private fire(
    event: HookEventName,
    turn: HookTurn,
    fields: Record<string, unknown>,
    opts: {
      matchTargets?: readonly string[];
      runIdSuffix?: string;
      turnScoped?: boolean;
      noPermissionMode?: boolean;
    } = {},
  ): Promise<HookRunResult[]> {
    const config = turn.config;
    const payload: Record<string, unknown> = {
      session_id: this.threadId,
      transcript_path: this.transcriptPath(),
      cwd: config.cwd,
      hook_event_name: event,
      model: config.collaborationMode.settings.model,
      ...(opts.noPermissionMode ? {} : { permission_mode: permissionMode(config) }),
      ...(opts.turnScoped === false ? {} : { turn_id: turn.turnId }),
      ...fields,
    };
    const callMcp = this.mcp();
    return this.engine.run({
      event,
      payload,
      ...(callMcp ? { callMcp } : {}),
      cwd: config.cwd,
      turnId: turn.turnId,
      ...(opts.matchTargets ? { matchTargets: opts.matchTargets } : {}),
      ...(opts.runIdSuffix ? { runIdSuffix: opts.runIdSuffix } : {}),
      emit: (msg) => turn.emit(msg as EventMsg),
      ...(turn.signal ? { signal: turn.signal } : {}),
    });
  }
}

function toolFields(call: HookToolCall): Record<string, unknown> {
  return { tool_name: call.toolName, tool_input: call.toolInput, tool_use_id: call.callId };
}

function toolMatch(call: HookToolCall) {
  return { matchTargets: [call.toolName, ...(call.aliases ?? [])], runIdSuffix: `:${call.callId}` };
}

/** Codex's mapping: approval "never" reads as bypassPermissions, Plan mode as plan. */
function permissionMode(config: SessionConfiguration): string {
  if (config.approvalPolicy.value === "never") return "bypassPermissions";
  if (config.collaborationMode.mode === "plan") return "plan";
  return "default";
}
