import type { MessageItem, ResponseItem } from "../protocol/items.js";
import type {
  CompactedItem,
  EventMsg,
  KnownEventMsg,
  RolloutItem,
  TokenUsageInfo,
  TurnContextItem,
} from "../protocol/rollout.js";

/**
 * Rebuilding a session from rollout items (rollout.md §10): the model history plus the values
 * the engine restores on resume/fork.
 */

export type HistoryKind = "resumed" | "forked";

export interface PreviousTurnSettings {
  model: string;
  realtimeActive: boolean | null;
}

export interface ReconstructedSession {
  /** Model-visible history to install. */
  history: ResponseItem[];
  /** Model (and realtime flag) of the newest surviving user turn: drives the model-switch warning. */
  previousTurnSettings: PreviousTurnSettings | null;
  /** Baseline for context diffs on the next turn; null = re-inject the full context. */
  referenceContextItem: TurnContextItem | null;
  /** Resumed: number of `compacted` items; forked: 0. */
  windowGeneration: number;
  /** `info` of the last `token_count` that had one. */
  tokenInfo: TokenUsageInfo | null;
  /** Id of the last turn that started (for `thread/tokenUsage/updated`). */
  lastTurnId: string | null;
  forkedFromId: string | null;
  baseInstructions: string | null;
  dynamicTools: unknown[] | null;
  /** Last name recorded in the rollout itself (the session index may know a newer one). */
  threadName: string | null;
  /** Every `event_msg` payload, in order (`SessionConfigured.initial_messages`). */
  initialMessages: EventMsg[];
}

const CONTEXTUAL_USER_PREFIXES = [
  "<environment_context>",
  "<user_instructions>",
  // Codex 0.169 adds " for <cwd>" only when project docs contributed.
  "# agents.md instructions",
  "<skill>",
  "<user_shell_command>",
  "<turn_aborted>",
  "<subagent_notification>",
  "<hook_prompt",
];

function isMessage(item: ResponseItem): item is MessageItem {
  return item.type === "message" && Array.isArray((item as MessageItem).content);
}

/** Whether a user message is injected context (environment, AGENTS.md, markers) rather than input. */
export function isContextualUserMessage(item: MessageItem): boolean {
  return item.content.some((c) => {
    if (c.type !== "input_text" || typeof c.text !== "string") return false;
    const head = c.text.trimStart().slice(0, 40).toLowerCase();
    return CONTEXTUAL_USER_PREFIXES.some((p) => head.startsWith(p));
  });
}

/** A real user message: the boundary of a user turn in model history. */
export function isUserTurnBoundary(item: ResponseItem): boolean {
  return isMessage(item) && item.role === "user" && !isContextualUserMessage(item);
}

function messageText(item: MessageItem): string {
  return item.content
    .map((c) => ("text" in c && typeof c.text === "string" ? c.text : ""))
    .filter((t) => t !== "")
    .join("\n");
}

/** Drops the newest `n` user turns: everything from the n-th newest real user message on. */
export function dropLastUserTurns(history: ResponseItem[], n: number): ResponseItem[] {
  if (n <= 0) return history;
  const positions: number[] = [];
  history.forEach((item, i) => {
    if (isUserTurnBoundary(item)) positions.push(i);
  });
  if (positions.length === 0) return history;
  const cut = positions[Math.max(0, positions.length - n)]!;
  return history.slice(0, cut);
}

const COMPACT_USER_MESSAGE_MAX_TOKENS = 20_000;
const approxTokens = (text: string) => Math.ceil(Buffer.byteLength(text, "utf8") / 4);

function truncateToTokens(text: string, tokens: number): string {
  const keep = Math.max(0, tokens * 4);
  if (text.length <= keep) return text;
  const half = Math.floor(keep / 2);
  const removed = approxTokens(text) - tokens;
  return `${text.slice(0, half)}…${removed} tokens truncated…${text.slice(text.length - half)}`;
}

/** Legacy compaction (no replacement history): kept user messages within a budget + summary. */
export function legacyCompactedHistory(history: ResponseItem[], compacted: CompactedItem): ResponseItem[] {
  const userTexts = history.filter(isUserTurnBoundary).map((m) => messageText(m as MessageItem));
  const selected: string[] = [];
  let remaining = COMPACT_USER_MESSAGE_MAX_TOKENS;
  for (let i = userTexts.length - 1; i >= 0 && remaining > 0; i--) {
    const text = userTexts[i]!;
    const tokens = approxTokens(text);
    if (tokens <= remaining) {
      selected.push(text);
      remaining -= tokens;
    } else {
      selected.push(truncateToTokens(text, remaining));
      break;
    }
  }
  selected.reverse();
  const summary = compacted.message === "" ? "(no summary available)" : compacted.message;
  return [...selected, summary].map(
    (text): ResponseItem => ({ type: "message", role: "user", content: [{ type: "input_text", text }] }),
  );
}

/** Items that belong in model history (system messages and unknown `other` items do not). */
function keepInHistory(item: ResponseItem): boolean {
  if (item.type === "other") return false;
  return !(isMessage(item) && item.role === "system");
}

type Reference = { kind: "never" } | { kind: "cleared" } | { kind: "latest"; item: TurnContextItem };

interface Segment {
  turnId: string | null;
  countsAsUserTurn: boolean;
  previous: PreviousTurnSettings | null;
  reference: Reference;
  baseIndex: number | null;
}

const newSegment = (turnId: string | null = null): Segment => ({
  turnId,
  countsAsUserTurn: false,
  previous: null,
  reference: { kind: "never" },
  baseIndex: null,
});

const compatible = (a: string | null, b: string | null | undefined) => a === null || b == null || a === b;

/**
 * Scans newest → oldest in turn segments to find the newest surviving replacement-history
 * compaction (the base) and the resume metadata, honouring rollbacks; then replays forward from
 * the base.
 */
export function reconstructSession(items: readonly RolloutItem[], kind: HistoryKind): ReconstructedSession {
  let baseIndex: number | null = null;
  let previous: PreviousTurnSettings | null = null;
  let reference: Reference = { kind: "never" };
  let pendingRollback = 0;
  let active: Segment | null = null;

  const finalize = (seg: Segment) => {
    if (pendingRollback > 0) {
      if (seg.countsAsUserTurn) pendingRollback--;
      return;
    }
    if (baseIndex === null && seg.baseIndex !== null) baseIndex = seg.baseIndex;
    if (previous === null && seg.countsAsUserTurn) previous = seg.previous;
    if (reference.kind === "never" && (seg.countsAsUserTurn || seg.reference.kind === "cleared")) {
      reference = seg.reference;
    }
  };

  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.type === "compacted") {
      active ??= newSegment();
      if (active.reference.kind === "never") active.reference = { kind: "cleared" };
      if (active.baseIndex === null && item.payload.replacement_history) active.baseIndex = i;
    } else if (item.type === "turn_context") {
      active ??= newSegment();
      const ctx = item.payload;
      active.turnId ??= ctx.turn_id ?? null;
      if (compatible(active.turnId, ctx.turn_id)) {
        active.previous = { model: ctx.model, realtimeActive: ctx.realtime_active ?? null };
        if (active.reference.kind === "never") active.reference = { kind: "latest", item: ctx };
      }
    } else if (item.type === "response_item") {
      active ??= newSegment();
      if (isUserTurnBoundary(item.payload)) active.countsAsUserTurn = true;
    } else if (item.type === "event_msg") {
      const ev = item.payload as KnownEventMsg;
      if (ev.type === "thread_rolled_back") {
        pendingRollback += Math.max(0, Math.floor(Number(ev.num_turns) || 0));
      } else if (ev.type === "task_complete") {
        active ??= newSegment();
        active.turnId ??= ev.turn_id;
      } else if (ev.type === "turn_aborted") {
        if (active) active.turnId ??= ev.turn_id ?? null;
        else if (ev.turn_id) active = newSegment(ev.turn_id);
      } else if (ev.type === "user_message") {
        active ??= newSegment();
        active.countsAsUserTurn = true;
      } else if (ev.type === "task_started") {
        if (active && compatible(active.turnId, ev.turn_id)) {
          finalize(active);
          active = null;
        }
      }
    }
    if (baseIndex !== null && previous !== null && reference.kind !== "never") break;
  }
  if (active) finalize(active);

  // Forward replay from the base.
  let history: ResponseItem[] = [];
  let start = 0;
  if (baseIndex !== null) {
    const base = items[baseIndex] as Extract<RolloutItem, { type: "compacted" }>;
    history = [...(base.payload.replacement_history ?? [])];
    start = baseIndex + 1;
  }
  // A rollback restores the history as it was when the n-th newest user turn started. Snapshots
  // are (array, length) pairs: arrays are only ever appended to or replaced, never edited.
  const turnStarts: { arr: ResponseItem[]; len: number; isUser: boolean }[] = [];
  let sawLegacyCompaction = false;
  for (let i = start; i < items.length; i++) {
    const item = items[i]!;
    if (item.type === "response_item") {
      if (keepInHistory(item.payload)) history.push(item.payload);
      if (isUserTurnBoundary(item.payload) && turnStarts.length > 0) turnStarts.at(-1)!.isUser = true;
    } else if (item.type === "compacted") {
      if (item.payload.replacement_history) {
        history = [...item.payload.replacement_history];
      } else {
        sawLegacyCompaction = true;
        history = legacyCompactedHistory(history, item.payload);
      }
    } else if (item.type === "event_msg") {
      const ev = item.payload as KnownEventMsg;
      if (ev.type === "task_started") {
        turnStarts.push({ arr: history, len: history.length, isUser: false });
      } else if (ev.type === "user_message" && turnStarts.length > 0) {
        turnStarts.at(-1)!.isUser = true;
      } else if (ev.type === "thread_rolled_back") {
        const n = Math.max(0, Math.floor(Number(ev.num_turns) || 0));
        const userStarts = turnStarts.flatMap((t, idx) => (t.isUser ? [idx] : []));
        if (n === 0) continue;
        if (userStarts.length === 0) {
          history = dropLastUserTurns(history, n);
        } else {
          const idx = userStarts[Math.max(0, userStarts.length - n)]!;
          const snap = turnStarts[idx]!;
          history = snap.arr.slice(0, snap.len);
          turnStarts.length = idx;
        }
      }
    }
  }

  // Whole-file facts.
  let tokenInfo: TokenUsageInfo | null = null;
  let lastTurnId: string | null = null;
  let threadName: string | null = null;
  let compactions = 0;
  const initialMessages: EventMsg[] = [];
  const firstMeta = items.find((i) => i.type === "session_meta");
  const meta = firstMeta?.type === "session_meta" ? firstMeta.payload : null;
  for (const item of items) {
    if (item.type === "compacted") compactions++;
    if (item.type !== "event_msg") continue;
    initialMessages.push(item.payload);
    const ev = item.payload as KnownEventMsg;
    if (ev.type === "token_count" && ev.info) tokenInfo = ev.info as TokenUsageInfo;
    else if (ev.type === "task_started") lastTurnId = ev.turn_id;
    else if (ev.type === "thread_name_updated") {
      threadName = typeof ev.thread_name === "string" && ev.thread_name !== "" ? ev.thread_name : null;
    }
  }

  const ref = reference as Reference;
  return {
    history,
    previousTurnSettings: previous,
    // A legacy compaction cannot restore where the old context sat: re-inject it in full.
    referenceContextItem: ref.kind === "latest" && !sawLegacyCompaction ? ref.item : null,
    windowGeneration: kind === "resumed" ? compactions : 0,
    tokenInfo,
    lastTurnId,
    forkedFromId: kind === "resumed" ? (meta?.forked_from_id ?? null) : (meta?.id ?? null),
    baseInstructions: meta?.base_instructions?.text ?? null,
    dynamicTools: meta?.dynamic_tools ?? null,
    threadName,
    initialMessages,
  };
}
