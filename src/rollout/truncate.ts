import type { KnownEventMsg, RolloutItem } from "../protocol/rollout.js";
import { buildTurns } from "./turns.js";

/**
 * Cutting a rollout at a turn boundary (thread/fork `lastTurnId` / `beforeTurnId`, thread/revert).
 * A turn starts at its `task_started` event: everything the turn recorded (context, turn_context,
 * messages, tool calls, its end event) comes after it, so the items before that line are exactly
 * the history of the earlier turns.
 */

export class TurnNotFoundError extends Error {
  override name = "TurnNotFoundError";
  constructor(readonly turnId: string) {
    super(`turn not found: ${turnId}`);
  }
}

function startedTurnId(item: RolloutItem): string | null {
  if (item.type !== "event_msg") return null;
  const ev = item.payload as KnownEventMsg;
  return ev.type === "task_started" ? ev.turn_id : null;
}

/** Index of the `task_started` line of `turnId`, or -1. */
function turnStart(items: readonly RolloutItem[], turnId: string): number {
  return items.findIndex((item) => startedTurnId(item) === turnId);
}

/** The items before `turnId` started: that turn and every later one are dropped. */
export function itemsBeforeTurn<T extends RolloutItem>(items: readonly T[], turnId: string): T[] {
  const start = turnStart(items, turnId);
  if (start === -1) throw new TurnNotFoundError(turnId);
  return items.slice(0, start);
}

/** The items through `turnId`: every turn started after it is dropped. */
export function itemsThroughTurn<T extends RolloutItem>(items: readonly T[], turnId: string): T[] {
  const start = turnStart(items, turnId);
  if (start === -1) throw new TurnNotFoundError(turnId);
  const next = items.findIndex((item, i) => i > start && startedTurnId(item) !== null);
  return next === -1 ? [...items] : items.slice(0, next);
}

export interface TurnCut {
  lastTurnId?: string | null;
  beforeTurnId?: string | null;
}

/** Applies a fork's `lastTurnId` / `beforeTurnId` (at most one is set). */
export function truncateAtTurn<T extends RolloutItem>(items: readonly T[], cut: TurnCut): T[] {
  if (cut.beforeTurnId) return itemsBeforeTurn(items, cut.beforeTurnId);
  if (cut.lastTurnId) return itemsThroughTurn(items, cut.lastTurnId);
  return [...items];
}

/**
 * `truncateAtTurn`, for a turn the thread still shows: a turn dropped by an earlier rollback or
 * revert is "not found" even though its lines are still in the file.
 */
export function cutAtVisibleTurn<T extends RolloutItem>(items: readonly T[], cut: TurnCut): T[] {
  const turnId = cut.beforeTurnId || cut.lastTurnId;
  if (!turnId) return [...items];
  if (!buildTurns(items).some((turn) => turn.id === turnId)) throw new TurnNotFoundError(turnId);
  return truncateAtTurn(items, cut);
}

/**
 * The rollout text before the `task_started` line of `turnId`, byte for byte (lines of types this
 * version does not know are kept). Throws when the turn never started in this text.
 */
export function textBeforeTurn(text: string, turnId: string): string {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    if (isTaskStartedLine(text.slice(start, end), turnId)) return text.slice(0, start);
    start = end + 1;
  }
  throw new TurnNotFoundError(turnId);
}

function isTaskStartedLine(line: string, turnId: string): boolean {
  if (!line.includes("task_started")) return false;
  try {
    const parsed = JSON.parse(line) as { type?: unknown; payload?: { type?: unknown; turn_id?: unknown } };
    return (
      parsed.type === "event_msg" &&
      parsed.payload?.type === "task_started" &&
      parsed.payload.turn_id === turnId
    );
  } catch {
    return false;
  }
}
