import { eventCamel, eventKebab, type HookEventName, isTurnScoped } from "./events.js";
import type { HookOutcome } from "./outcome.js";
import { parseHookRun } from "./parse-output.js";
import { runHookCommand } from "./run-command.js";
import { type HookMcpCaller, runHookMcpTool } from "./run-mcp-tool.js";
import { type HookDefinition, type HookInventory, isRunnable } from "./types.js";

/** v2 `HookRunSummary`, carried as it is by the core `hook_started` / `hook_completed` events. */
export interface HookRunSummary {
  id: string;
  eventName: string;
  handlerType: "command" | "mcpTool";
  executionMode: "sync" | "async";
  scope: "thread" | "turn";
  sourcePath: string;
  source: string;
  displayOrder: number;
  status: "running" | HookOutcome["status"];
  statusMessage: string | null;
  startedAt: number;
  completedAt: number | null;
  durationMs: number | null;
  entries: HookOutcome["entries"];
}

export interface HookRunResult {
  runId: string;
  hook: HookDefinition;
  outcome: HookOutcome;
}

export interface HookEngineOptions {
  inventory: HookInventory;
  /** `--dangerously-bypass-hook-trust`: run untrusted and modified hooks too. */
  bypassTrust: boolean;
  /** `$SHELL` (hooks run as `<shell> -lc <command>`), else /bin/sh. */
  shell: string;
  env: Readonly<Record<string, string | undefined>>;
  /** `$TMPDIR`: oversized hook context is saved under `hook_outputs/` there. */
  tempDir: string;
  /** Discovers again (after a trust change); absent: the inventory never changes. */
  rediscover?: () => HookInventory;
}

/** One event firing: the payload fields past the common ones, and what the matcher sees. */
export interface HookInvocation {
  event: HookEventName;
  /** The full stdin payload (common and event fields). */
  payload: Record<string, unknown>;
  cwd: string;
  turnId: string | null;
  /** Names the matcher is tried against (tool name and aliases, or the SessionStart source). */
  matchTargets?: readonly string[];
  /** Appended to run ids of tool events (`:<call_id>`). */
  runIdSuffix?: string;
  emit?: (msg: {
    type: "hook_started" | "hook_completed";
    turn_id: string | null;
    run: HookRunSummary;
  }) => void;
  signal?: AbortSignal;
  /** Calls the thread's MCP tools for `mcp_tool` hooks; absent: those hooks fail. */
  callMcp?: HookMcpCaller;
}

/**
 * Runs the hooks of one session. Every matching, runnable hook of an event runs concurrently;
 * results come back in display order. Async hooks are fired and forgotten (no notifications,
 * output ignored), as in Codex.
 */
export class HookEngine {
  private current: HookInventory;

  constructor(private readonly options: HookEngineOptions) {
    this.current = options.inventory;
  }

  get tempDir(): string {
    return this.options.tempDir;
  }

  get inventory(): HookInventory {
    return this.current;
  }

  /** Re-reads the hooks and their trust (config/batchWrite with `reloadUserConfig`). */
  reload(): void {
    if (this.options.rediscover) this.current = this.options.rediscover();
  }

  /** True when some runnable hook exists for `event` (callers skip building payloads otherwise). */
  has(event: HookEventName): boolean {
    return this.current.hooks.some((h) => h.event === event && isRunnable(h, this.options.bypassTrust));
  }

  async run(invocation: HookInvocation): Promise<HookRunResult[]> {
    const targets = invocation.matchTargets ?? [];
    const selected = this.current.hooks.filter(
      (h) =>
        h.event === invocation.event &&
        isRunnable(h, this.options.bypassTrust) &&
        (invocation.matchTargets === undefined || h.matches(targets)),
    );
    const stdin = JSON.stringify(invocation.payload);
    const runs = selected.map(async (hook): Promise<HookRunResult | null> => {
      const runId = `${eventKebab(hook.event)}:${hook.displayOrder}:${hook.sourcePath}${invocation.runIdSuffix ?? ""}`;
      const timeoutMs = hook.timeoutSec * 1000;
      const command = () =>
        hook.mcp
          ? runHookMcpTool(invocation.callMcp ?? null, hook.mcp, timeoutMs, invocation.signal)
          : runHookCommand({
              shell: this.options.shell,
              command: hook.command,
              cwd: invocation.cwd,
              env: this.options.env,
              stdin,
              timeoutMs,
              ...(invocation.signal ? { signal: invocation.signal } : {}),
            });
      if (hook.async) {
        void command();
        return null;
      }
      const startedMs = Date.now();
      const summary = (status: HookRunSummary["status"], outcome: HookOutcome | null): HookRunSummary => ({
        id: runId,
        eventName: eventCamel(hook.event),
        handlerType: hook.mcp ? "mcpTool" : "command",
        executionMode: "sync",
        scope: isTurnScoped(hook.event) ? "turn" : "thread",
        sourcePath: hook.sourcePath,
        source: hook.source,
        displayOrder: hook.displayOrder,
        status,
        statusMessage: hook.statusMessage,
        startedAt: Math.floor(startedMs / 1000),
        completedAt: outcome ? Math.floor(Date.now() / 1000) : null,
        durationMs: outcome ? Date.now() - startedMs : null,
        entries: outcome?.entries ?? [],
      });
      invocation.emit?.({ type: "hook_started", turn_id: invocation.turnId, run: summary("running", null) });
      const outcome = parseHookRun(hook.event, await command(), hook.timeoutSec);
      invocation.emit?.({
        type: "hook_completed",
        turn_id: invocation.turnId,
        run: summary(outcome.status, outcome),
      });
      return { runId, hook, outcome };
    });
    return (await Promise.all(runs)).filter((r): r is HookRunResult => r !== null);
  }
}
