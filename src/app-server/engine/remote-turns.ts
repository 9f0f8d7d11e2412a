import type { RolloutItem } from "../../protocol/rollout.js";
import type { ThreadStatus } from "../../protocol/v2/thread.js";
import type { Turn } from "../../protocol/v2/turn.js";
import { buildTurns } from "../../rollout/turns.js";
import type { Notification } from "./event-mapper.js";
import { turnsToV2 } from "./thread-view.js";

/**
 * Notifications for a thread another server runs (issue 19), rebuilt from its stored items: the
 * same projection thread/read uses, compared with what this watcher has already announced. What
 * reaches the watcher is what the item log holds, so this is the faithful subset of the live
 * stream: `turn/started`, `item/started` + `item/completed` (together, once the item is stored),
 * `turn/completed`, and `thread/status/changed` around turns. Deltas, approvals and other
 * in-flight events are never stored and so never seen here.
 */
export class RemoteTurnFeed {
  private readonly items: RolloutItem[];
  private readonly turnStatus = new Map<string, Turn["status"]>();
  private readonly announced = new Set<string>();
  private active = false;

  /** `initial`: the items the watcher's client already has (in its resume or read response). */
  constructor(
    private readonly threadId: string,
    initial: readonly RolloutItem[],
    private readonly now: () => number = Date.now,
  ) {
    this.items = [...initial];
    for (const turn of this.project()) {
      this.turnStatus.set(turn.id, turn.status);
      for (const item of turn.items) this.announced.add(item.id);
      this.active = turn.status === "inProgress";
    }
  }

  /** Whether the last stored turn is still open (the other server is running it). */
  get running(): boolean {
    return this.active;
  }

  private project(): Turn[] {
    return turnsToV2(buildTurns(this.items));
  }

  /** Items newly stored by the other server, in order; the notifications they amount to. */
  append(items: readonly RolloutItem[]): Notification[] {
    if (items.length === 0) return [];
    this.items.push(...items);
    const threadId = this.threadId;
    const out: Notification[] = [];
    for (const turn of this.project()) {
      const before = this.turnStatus.get(turn.id);
      if (before === undefined) {
        this.setActive(true, out);
        out.push({
          method: "turn/started",
          params: { threadId, turn: { ...turn, items: [], status: "inProgress" } },
        });
      }
      for (const item of turn.items) {
        if (this.announced.has(item.id)) continue;
        this.announced.add(item.id);
        const at = this.now();
        out.push({ method: "item/started", params: { item, threadId, turnId: turn.id, startedAtMs: at } });
        out.push({
          method: "item/completed",
          params: { item, threadId, turnId: turn.id, completedAtMs: at },
        });
      }
      if (turn.status !== "inProgress" && before !== turn.status) {
        out.push({ method: "turn/completed", params: { threadId, turn: { ...turn, items: [] } } });
        this.setActive(false, out);
      }
      this.turnStatus.set(turn.id, turn.status);
    }
    return out;
  }

  private setActive(active: boolean, out: Notification[]): void {
    if (active === this.active) return;
    this.active = active;
    const status: ThreadStatus = active ? { type: "active", activeFlags: [] } : { type: "idle" };
    out.push({ method: "thread/status/changed", params: { threadId: this.threadId, status } });
  }
}
