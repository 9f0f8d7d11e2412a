import type { HookEventName } from "./events.js";

export type HookEntryKind = "warning" | "stop" | "feedback" | "context" | "error";
export interface HookEntry {
  kind: HookEntryKind;
  text: string;
}

export type HookRunStatus = "completed" | "failed" | "blocked" | "stopped";

/** What one hook run decided, after its exit code and output were read. */
export interface HookOutcome {
  status: HookRunStatus;
  entries: HookEntry[];
  /** Text for the model (`additionalContext`, or plain stdout where allowed). */
  context: string | null;
  /** Why the hook blocks (exit 2 stderr, `decision:"block"` reason, PreToolUse deny reason). */
  blockReason: string | null;
  /** `continue:false`: the reason to stop with. */
  stopReason: string | null;
  /** PreToolUse `permissionDecision:"allow"` with `updatedInput`. */
  updatedInput?: unknown;
  /** PermissionRequest: the decision the hook made for the user. */
  permission?: { behavior: "allow" } | { behavior: "deny"; message: string };
}

export function emptyOutcome(status: HookRunStatus = "completed"): HookOutcome {
  return { status, entries: [], context: null, blockReason: null, stopReason: null };
}

export function failed(text: string): HookOutcome {
  return { ...emptyOutcome("failed"), entries: [{ kind: "error", text }] };
}

/** Events where exit code 2 or a block decision stops what the hook guards. */
export function canBlock(event: HookEventName): boolean {
  return (
    event === "UserPromptSubmit" ||
    event === "PreToolUse" ||
    event === "PostToolUse" ||
    event === "Stop" ||
    event === "PermissionRequest"
  );
}

/** The event's name in Codex's "hook returned invalid … JSON output" message. */
export function invalidOutputMessage(event: HookEventName): string {
  const names: Record<HookEventName, string> = {
    PreToolUse: "pre-tool-use",
    PermissionRequest: "permission request",
    PostToolUse: "post-tool-use",
    PreCompact: "pre compact",
    PostCompact: "post compact",
    SessionStart: "session start",
    UserPromptSubmit: "user prompt submit",
    Stop: "stop hook",
    SessionEnd: "session end",
    Interrupt: "interrupt",
  };
  return `hook returned invalid ${names[event]} JSON output`;
}
