import type { KnownEventMsg, RolloutItem } from "../protocol/rollout.js";

/** Model-visible note recorded when a turn is cut short (interrupt, or a fork of a running turn). */
/** Codex's words: exec_command processes keep running after an interrupt, and the model is told. */
export const DEFAULT_TURN_ABORTED_MARKER =
  "<turn_aborted>\nThe user interrupted the previous turn on purpose. Any running unified exec processes " +
  "may still be running in the background. If any tools/commands were aborted, they may have partially " +
  "executed.\n</turn_aborted>";

/** The id of a turn that started but has no `task_complete`/`turn_aborted` yet, if any. */
export function openTurnId(items: readonly RolloutItem[]): string | null {
  const ended = new Set<string>();
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.type !== "event_msg") continue;
    const ev = item.payload as KnownEventMsg;
    if (ev.type === "task_complete") ended.add(ev.turn_id);
    else if (ev.type === "turn_aborted" && ev.turn_id) ended.add(ev.turn_id);
    else if (ev.type === "task_started") return ended.has(ev.turn_id) ? null : ev.turn_id;
  }
  return null;
}

/**
 * A fork of a thread whose last turn is still open is taken as if that turn had been
 * interrupted (rollout.md §11): the marker message and a `turn_aborted` event are appended.
 */
export function closeOpenTurn(
  items: readonly RolloutItem[],
  opts: { now?: Date; marker?: string } = {},
): RolloutItem[] {
  const turnId = openTurnId(items);
  if (turnId === null) return [...items];
  const now = opts.now ?? new Date();
  let startedAt: number | null = null;
  for (const item of items) {
    const ev = item.type === "event_msg" ? (item.payload as KnownEventMsg) : null;
    if (ev?.type === "task_started" && ev.turn_id === turnId) startedAt = ev.started_at ?? null;
  }
  const completedAt = Math.floor(now.getTime() / 1000);
  return [
    ...items,
    {
      type: "response_item",
      payload: {
        type: "message",
        role: "user",
        content: [{ type: "input_text", text: opts.marker ?? DEFAULT_TURN_ABORTED_MARKER }],
      },
    },
    {
      type: "event_msg",
      payload: {
        type: "turn_aborted",
        turn_id: turnId,
        reason: "interrupted",
        completed_at: completedAt,
        duration_ms: startedAt === null ? null : Math.max(0, now.getTime() - startedAt * 1000),
      },
    },
  ];
}
