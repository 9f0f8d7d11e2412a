/**
 * The hook events keel runs and their spellings: config key (PascalCase, as Claude Code and
 * Codex write them), trust-key part (snake), run-id part (kebab) and wire name (camel).
 */
export const HOOK_EVENTS = [
  // Discovery order within a layer (it decides `displayOrder`), as Codex lists them.
  "PreToolUse",
  "PermissionRequest",
  "PostToolUse",
  "PreCompact",
  "PostCompact",
  "SessionStart",
  "UserPromptSubmit",
  "Stop",
  "SessionEnd",
  "Interrupt",
] as const;
export type HookEventName = (typeof HOOK_EVENTS)[number];

export function isHookEvent(name: string): name is HookEventName {
  return (HOOK_EVENTS as readonly string[]).includes(name);
}

function words(event: HookEventName): string[] {
  return event.split(/(?=[A-Z])/).map((w) => w.toLowerCase());
}

export function eventSnake(event: HookEventName): string {
  return words(event).join("_");
}

export function eventKebab(event: HookEventName): string {
  return words(event).join("-");
}

export function eventCamel(event: HookEventName): string {
  return event.charAt(0).toLowerCase() + event.slice(1);
}

/** Events whose matcher applies: the tool events match the tool name, SessionStart its source. */
export function usesMatcher(event: HookEventName): boolean {
  return (
    event === "PreToolUse" ||
    event === "PermissionRequest" ||
    event === "PostToolUse" ||
    event === "SessionStart"
  );
}

/** Events tied to a turn (their payload carries `turn_id`). */
export function isTurnScoped(event: HookEventName): boolean {
  return event !== "SessionStart" && event !== "SessionEnd";
}
