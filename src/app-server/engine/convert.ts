import type {
  CommandAction as CoreCommandAction,
  FileChanges,
  RequestedPermissions,
  ReviewDecision,
  TokenUsageInfo,
  TurnItem,
  UserInput as CoreUserInput,
} from "../../protocol/events.js";
import type { RateLimitSnapshot as CoreRateLimits } from "../../protocol/model.js";
import type { SessionSource as CoreSessionSource } from "../../protocol/rollout.js";
import type {
  CommandExecutionApprovalDecision,
  RequestPermissionProfile,
} from "../../protocol/v2/approvals.js";
import type { CommandAction, FileUpdateChange, ThreadItem, UserInput } from "../../protocol/v2/items.js";
import type { RateLimitSnapshot } from "../../protocol/v2/account.js";
import type { SessionSource, ThreadTokenUsage, TokenUsageBreakdown } from "../../protocol/v2/shared.js";
import { shellJoin } from "../../rollout/turns.js";

/** Pure conversions between the engine's core shapes and the v2 wire shapes. */

export { shellJoin };

type CoreUsage = TokenUsageInfo["total_token_usage"];

function breakdown(usage: CoreUsage): TokenUsageBreakdown {
  return {
    totalTokens: usage.total_tokens,
    inputTokens: usage.input_tokens,
    cachedInputTokens: usage.cached_input_tokens,
    outputTokens: usage.output_tokens,
    reasoningOutputTokens: usage.reasoning_output_tokens,
  };
}

export function tokenUsageToV2(info: TokenUsageInfo): ThreadTokenUsage {
  return {
    total: breakdown(info.total_token_usage),
    last: breakdown(info.last_token_usage),
    modelContextWindow: info.model_context_window ?? null,
  };
}

/** Codex reports rate limits after every response, with null windows when none are known. */
export function rateLimitsToV2(snapshot: CoreRateLimits | null | undefined): RateLimitSnapshot {
  const win = (w: CoreRateLimits["primary"] | undefined) =>
    w
      ? {
          usedPercent: Math.round(w.used_percent),
          windowDurationMins: w.window_minutes,
          resetsAt: w.resets_at,
        }
      : null;
  return {
    limitId: "codex",
    limitName: null,
    primary: win(snapshot?.primary),
    secondary: win(snapshot?.secondary),
    credits: null,
    planType: null,
    rateLimitReachedType: null,
  };
}

// ---------------------------------------------------------------------------------------------
// User input

/**
 * v2 input → the engine's input. Mentions have no engine counterpart yet; they reach the model
 * as a markdown link to what they name.
 */
export function userInputFromV2(input: readonly UserInput[]): CoreUserInput[] {
  return input.map((item): CoreUserInput => {
    switch (item.type) {
      case "text":
        return { type: "text", text: item.text };
      case "image":
        return { type: "image", image_url: item.url };
      case "localImage":
        return { type: "local_image", path: item.path };
      case "skill":
        return { type: "skill", name: item.name, path: item.path };
      default:
        // mention
        return { type: "text", text: `[${item.name}](${item.path})` };
    }
  });
}

export function userInputToV2(input: readonly CoreUserInput[]): UserInput[] {
  return input.map((item): UserInput => {
    switch (item.type) {
      case "text":
        return { type: "text", text: item.text, text_elements: [] };
      case "image":
        return { type: "image", url: item.image_url };
      case "skill":
        return { type: "skill", name: item.name, path: item.path };
      default:
        return { type: "localImage", path: item.path };
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Items

const PHASES = new Set(["commentary", "final_answer"]);

/** A lifecycle item of the engine (user/agent message, reasoning, compaction) as a v2 item. */
export function turnItemToV2(item: TurnItem, content?: UserInput[]): ThreadItem {
  switch (item.type) {
    case "user_message":
      return { type: "userMessage", id: item.id, content: content ?? userInputToV2(item.content) };
    case "agent_message":
      return {
        type: "agentMessage",
        id: item.id,
        text: item.text,
        phase: item.phase && PHASES.has(item.phase) ? (item.phase as "commentary" | "final_answer") : null,
        memoryCitation: null,
      };
    case "reasoning":
      return {
        type: "reasoning",
        id: item.id,
        summary: [...item.summary_text],
        content: [...item.raw_content],
      };
    case "context_compaction":
      return { type: "contextCompaction", id: item.id };
    case "hook_prompt":
      return {
        type: "hookPrompt",
        id: item.id,
        fragments: item.fragments.map((f) => ({ text: f.text, hookRunId: f.hook_run_id })),
      };
  }
}

/** Parsed-command summaries: the tools module already writes v2 actions; older spellings are mapped. */
export function commandActionsToV2(actions: readonly CoreCommandAction[]): CommandAction[] {
  return actions.map((action): CommandAction => {
    const a = action as Record<string, unknown>;
    const text = (v: unknown): string | null => (typeof v === "string" ? v : null);
    const command = text(a.command) ?? text(a.cmd) ?? "";
    switch (a.type) {
      case "read":
        return { type: "read", command, name: text(a.name) ?? "", path: text(a.path) ?? "" };
      case "listFiles":
      case "list_files":
        return { type: "listFiles", command, path: text(a.path) };
      case "search":
        return { type: "search", command, query: text(a.query), path: text(a.path) };
      default:
        return { type: "unknown", command };
    }
  });
}

/** apply_patch changes keyed by absolute path → v2 `FileUpdateChange[]`, sorted by path. */
export function fileChangesToV2(changes: FileChanges): FileUpdateChange[] {
  return Object.entries(changes)
    .map(([path, change]): FileUpdateChange => {
      if (change.type === "add") return { path, kind: { type: "add" }, diff: change.content };
      if (change.type === "delete") return { path, kind: { type: "delete" }, diff: change.content };
      return { path, kind: { type: "update", move_path: change.move_path }, diff: change.unified_diff };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const SNAKE = /_([a-z])/g;
export const camel = (s: string): string => s.replace(SNAKE, (_, c: string) => c.toUpperCase());

// ---------------------------------------------------------------------------------------------
// Sources

const PLAIN_SOURCES = new Set(["cli", "vscode", "exec", "appServer", "unknown"]);

/** The rollout's session source (core spelling) as v2 `SessionSource`. */
export function sessionSourceToV2(source: CoreSessionSource | null | undefined): SessionSource {
  if (typeof source === "string") {
    if (PLAIN_SOURCES.has(source)) return source as SessionSource;
    if (source === "mcp" || source === "app_server") return "appServer";
    return "unknown";
  }
  if (source && typeof source === "object") {
    const sub = (source as Record<string, unknown>).subagent ?? (source as Record<string, unknown>).subAgent;
    if (sub === "review" || sub === "compact" || sub === "memory_consolidation") return { subAgent: sub };
    if (sub && typeof sub === "object" && "other" in sub) return { subAgent: { other: String(sub.other) } };
    const custom = (source as Record<string, unknown>).custom;
    if (typeof custom === "string") return { custom };
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Approvals

/** The engine's decision list as the v2 choices a client shows. */
export function decisionsToV2(decisions: readonly ReviewDecision[]): CommandExecutionApprovalDecision[] {
  return decisions.map((d): CommandExecutionApprovalDecision => {
    if (typeof d === "object" && "network_policy_amendment" in d)
      return {
        applyNetworkPolicyAmendment: {
          network_policy_amendment: { ...d.network_policy_amendment.network_policy_amendment },
        },
      };
    if (typeof d === "object") {
      return {
        acceptWithExecpolicyAmendment: {
          execpolicy_amendment: [...d.approved_execpolicy_amendment.proposed_execpolicy_amendment],
        },
      };
    }
    switch (d) {
      case "approved":
        return "accept";
      case "approved_for_session":
        return "acceptForSession";
      case "denied":
        return "decline";
      default:
        return "cancel";
    }
  });
}

/** A v2 command/file decision as the engine's ReviewDecision. */
export function decisionFromV2(decision: CommandExecutionApprovalDecision): ReviewDecision {
  if (typeof decision === "object") {
    if ("acceptWithExecpolicyAmendment" in decision) {
      return {
        approved_execpolicy_amendment: {
          proposed_execpolicy_amendment: [...decision.acceptWithExecpolicyAmendment.execpolicy_amendment],
        },
      };
    }
    return {
      network_policy_amendment: {
        network_policy_amendment: { ...decision.applyNetworkPolicyAmendment.network_policy_amendment },
      },
    };
  }
  switch (decision) {
    case "accept":
      return "approved";
    case "acceptForSession":
      return "approved_for_session";
    case "decline":
      return "denied";
    case "cancel":
      return "abort";
  }
}

export function requestedPermissionsToV2(p: RequestedPermissions): RequestPermissionProfile {
  const fs = p.file_system;
  // Codex 0.169 also lists every path as an `entries` item (read ones first).
  const entries = fs
    ? [
        ...(fs.read ?? []).map((path) => ({
          path: { type: "path" as const, path },
          access: "read" as const,
        })),
        ...(fs.write ?? []).map((path) => ({
          path: { type: "path" as const, path },
          access: "write" as const,
        })),
      ]
    : [];
  return {
    network: p.network === null ? null : { enabled: p.network.enabled },
    fileSystem: fs === null ? null : { read: fs.read ?? null, write: fs.write ?? null, entries },
  };
}

/** A client's grant; plain-path `entries` count like the `read` / `write` lists. */
export function requestedPermissionsFromV2(p: RequestPermissionProfile): RequestedPermissions {
  const fs = p.fileSystem ?? null;
  const fromEntries = (access: "read" | "write") =>
    (fs?.entries ?? []).flatMap((e) => (e.path.type === "path" && e.access === access ? [e.path.path] : []));
  const list = (legacy: string[] | null | undefined, access: "read" | "write") => {
    const all = [...(legacy ?? []), ...fromEntries(access)];
    return all.length > 0 ? [...new Set(all)] : null;
  };
  return {
    network: p.network ? { enabled: p.network.enabled ?? null } : null,
    file_system: fs ? { read: list(fs.read, "read"), write: list(fs.write, "write") } : null,
  };
}

/** Whether a grant gives anything at all (an empty grant is a denial). */
export function grantsSomething(p: RequestedPermissions): boolean {
  return (
    p.network?.enabled === true ||
    (p.file_system?.read?.length ?? 0) > 0 ||
    (p.file_system?.write?.length ?? 0) > 0
  );
}
