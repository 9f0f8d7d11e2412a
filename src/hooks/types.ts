import type { HookEventName } from "./events.js";

/** v2 `HookSource`: which configuration layer a hook came from. */
export type HookSource = "system" | "user" | "project" | "sessionFlags";
export type HookTrustStatus = "managed" | "untrusted" | "trusted" | "modified";

/** What an `mcp_tool` hook calls: a tool of one of the thread's MCP servers, with static input. */
export interface McpHookTarget {
  server: string;
  tool: string;
  input: Record<string, unknown>;
}

/** One configured hook (command or mcp_tool) after discovery, with its trust evaluated. */
export interface HookDefinition {
  /** `<sourcePath>:<event_snake>:<groupIndex>:<handlerIndex>`, the `hooks.state` key. */
  key: string;
  event: HookEventName;
  matcher: string | null;
  /** Matches a target (tool name or aliases, SessionStart source); always true where unused. */
  matches: (targets: readonly string[]) => boolean;
  /** The shell command; empty for an `mcp_tool` hook. */
  command: string;
  /** Set for an `mcp_tool` hook (handlerType `mcpTool`). */
  mcp: McpHookTarget | null;
  timeoutSec: number;
  async: boolean;
  statusMessage: string | null;
  additionalContextLimit: number | null;
  sourcePath: string;
  source: HookSource;
  displayOrder: number;
  enabled: boolean;
  isManaged: boolean;
  currentHash: string;
  trustStatus: HookTrustStatus;
}

export interface HookConfigError {
  path: string;
  message: string;
}

/** What discovery found for one cwd: hooks in display order, warnings, unreadable sources. */
export interface HookInventory {
  hooks: HookDefinition[];
  warnings: string[];
  errors: HookConfigError[];
}

/** Whether a discovered hook may run: enabled, and managed, trusted, or trust bypassed. */
export function isRunnable(hook: HookDefinition, bypassTrust: boolean): boolean {
  if (!hook.enabled) return false;
  return hook.isManaged || hook.trustStatus === "trusted" || bypassTrust;
}

export const DEFAULT_HOOK_TIMEOUT_SEC = 600;
export const DEFAULT_ADDITIONAL_CONTEXT_LIMIT = 2500;
