import type { HookEventName } from "./events.js";
import { isValidHookOutput } from "./output-schemas.js";
import {
  canBlock,
  emptyOutcome,
  failed,
  type HookEntry,
  type HookOutcome,
  invalidOutputMessage,
} from "./outcome.js";
import type { CommandRun } from "./run-command.js";

type Json = Record<string, unknown>;

/**
 * Reads a finished hook run as Codex 0.169 does (spec hooks.md §5): exit 2 blocks with stderr,
 * other failures never block, JSON stdout must match the event's schema exactly, and plain
 * stdout is context only for SessionStart and UserPromptSubmit.
 */
export function parseHookRun(event: HookEventName, run: CommandRun, timeoutSec: number): HookOutcome {
  if (run.spawnError !== null) return failed(`failed to run hook: ${run.spawnError}`);
  if (run.timedOut) return failed(`hook timed out after ${timeoutSec}s`);
  const code = run.exitCode ?? -1;
  if (code === 2 && canBlock(event)) {
    const reason = run.stderr.trim();
    if (reason === "")
      return failed(`${event} hook exited with code 2 but did not write a blocking reason to stderr`);
    return blocked(reason);
  }
  if (code !== 0) return failed(`hook exited with code ${code}`);
  const stdout = run.stdout.trim();
  if (stdout === "") return emptyOutcome();
  if (stdout.startsWith("{") || stdout.startsWith("[")) {
    let value: unknown;
    try {
      value = JSON.parse(stdout);
    } catch {
      return failed(invalidOutputMessage(event));
    }
    if (!isValidHookOutput(event, value)) return failed(invalidOutputMessage(event));
    return interpretJson(event, value as Json);
  }
  if (event === "SessionStart" || event === "UserPromptSubmit") return withContext(emptyOutcome(), stdout);
  if (event === "Stop") return failed(invalidOutputMessage(event));
  return emptyOutcome();
}

function blocked(reason: string): HookOutcome {
  return { ...emptyOutcome("blocked"), blockReason: reason, entries: [{ kind: "feedback", text: reason }] };
}

function withContext(outcome: HookOutcome, text: string | null | undefined): HookOutcome {
  if (typeof text !== "string" || text === "") return outcome;
  return { ...outcome, context: text, entries: [...outcome.entries, { kind: "context", text }] };
}

function interpretJson(event: HookEventName, out: Json): HookOutcome {
  const warnings: HookEntry[] =
    typeof out.systemMessage === "string" ? [{ kind: "warning", text: out.systemMessage }] : [];
  const specific = (out.hookSpecificOutput ?? null) as Json | null;
  const decided = decide(event, out, specific);
  return { ...decided, entries: [...warnings, ...decided.entries] };
}

function decide(event: HookEventName, out: Json, specific: Json | null): HookOutcome {
  const context = specific?.additionalContext as string | undefined;
  const stopped =
    out.continue === false
      ? {
          ...emptyOutcome("stopped"),
          stopReason: (out.stopReason as string | undefined) ?? "",
          entries:
            typeof out.stopReason === "string" ? [{ kind: "stop" as const, text: out.stopReason }] : [],
        }
      : null;
  const blockReason = out.decision === "block" ? nonEmpty(out.reason) : null;
  switch (event) {
    case "PreToolUse":
      return preToolUse(out, specific);
    case "PermissionRequest":
      return permissionRequest(specific);
    case "UserPromptSubmit":
    case "PostToolUse": {
      if (event === "PostToolUse" && specific?.updatedMCPToolOutput != null)
        return failed("PostToolUse hook returned unsupported updatedMCPToolOutput");
      if (out.decision === "block" && blockReason === null)
        return failed(`${event} hook returned decision:block without a reason`);
      const base = stopped ?? (blockReason !== null ? blocked(blockReason) : emptyOutcome());
      return withContext(base, context);
    }
    case "Stop":
      if (out.decision === "block" && blockReason === null)
        return failed("Stop hook returned decision:block without a reason");
      return stopped ?? (blockReason !== null ? blocked(blockReason) : emptyOutcome());
    case "SessionStart":
      return withContext(stopped ?? emptyOutcome(), context);
    default:
      return emptyOutcome();
  }
}

function preToolUse(out: Json, specific: Json | null): HookOutcome {
  const unsupported = (what: string) => failed(`PreToolUse hook returned unsupported ${what}`);
  const decision = specific?.permissionDecision;
  if (decision === "ask") return unsupported("permissionDecision:ask");
  if (out.decision === "approve") return unsupported("decision:approve");
  if (out.continue === false) return unsupported("continue:false");
  if (typeof out.stopReason === "string") return unsupported("stopReason");
  if (out.suppressOutput === true) return unsupported("suppressOutput");
  const context = specific?.additionalContext as string | undefined;
  if (decision === "deny") {
    const reason = nonEmpty(specific?.permissionDecisionReason);
    if (reason === null) return failed("PreToolUse hook returned permissionDecision:deny without a reason");
    return withContext(blocked(reason), context);
  }
  if (out.decision === "block") {
    const reason = nonEmpty(out.reason);
    if (reason === null) return failed("PreToolUse hook returned decision:block without a reason");
    return withContext(blocked(reason), context);
  }
  if (decision === "allow") {
    if (specific?.updatedInput == null) return unsupported("permissionDecision:allow");
    return withContext({ ...emptyOutcome(), updatedInput: specific.updatedInput }, context);
  }
  return withContext(emptyOutcome(), context);
}

function permissionRequest(specific: Json | null): HookOutcome {
  const decision = (specific?.decision ?? null) as Json | null;
  if (!decision) return emptyOutcome();
  const unsupported = (what: string) => failed(`PermissionRequest hook returned unsupported ${what}`);
  if (decision.updatedInput != null) return unsupported("updatedInput");
  if (decision.updatedPermissions != null) return unsupported("updatedPermissions");
  if (decision.interrupt === true) return unsupported("interrupt:true");
  if (decision.behavior === "allow") return { ...emptyOutcome(), permission: { behavior: "allow" } };
  const message = typeof decision.message === "string" ? decision.message : "";
  return {
    ...emptyOutcome("blocked"),
    permission: { behavior: "deny", message },
    entries: message ? [{ kind: "feedback", text: message }] : [],
  };
}

function nonEmpty(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}
