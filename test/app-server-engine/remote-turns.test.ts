import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RolloutItem } from "../../src/protocol/rollout.js";
import { serverNotifications } from "../../src/protocol/v2/registry.js";
import { RemoteTurnFeed } from "../../src/app-server/engine/remote-turns.js";
import type { Notification } from "../../src/app-server/engine/event-mapper.js";
import { buildTurns } from "../../src/rollout/turns.js";
import { ev, meta, ri, userItem } from "../rollout/builders.js";

const T = "019db6f0-5a2e-7c41-9d3f-0a1b2c3d4e5f";

/** One turn as the recorder stores it: start, the user's message, answers, and (maybe) its end. */
function turnItems(id: string, answers: number, ended: "complete" | "aborted" | "open"): RolloutItem[] {
  const items: RolloutItem[] = [
    ev("task_started", { turn_id: id, started_at: 1776890010 }),
    ri(userItem(`question ${id}`)),
    ev("user_message", { message: `question ${id}`, images: [], local_images: [], text_elements: [] }),
  ];
  for (let i = 0; i < answers; i++)
    items.push(ev("agent_message", { message: `answer ${id}.${i}`, phase: null }));
  if (ended === "complete")
    items.push(ev("task_complete", { turn_id: id, completed_at: 1776890011, duration_ms: 5 }));
  if (ended === "aborted") items.push(ev("turn_aborted", { turn_id: id, reason: "interrupted" }));
  return items;
}

function validate(n: Notification): void {
  const spec = serverNotifications[n.method];
  expect(spec.params.safeParse(n.params).success, `${n.method} ${JSON.stringify(n.params)}`).toBe(true);
}

describe("RemoteTurnFeed (a thread running on another server, seen through its item log)", () => {
  it("announces a turn, its stored items and its end, with the thread's status around it", () => {
    const feed = new RemoteTurnFeed(T, [meta(T)], () => 1000);
    const all = turnItems("turn-1", 1, "complete");
    const first = feed.append(all.slice(0, 3));
    expect(first.map((n) => n.method)).toEqual([
      "thread/status/changed",
      "turn/started",
      "item/started",
      "item/completed",
    ]);
    expect(feed.running).toBe(true);
    const rest = feed.append(all.slice(3));
    expect(rest.map((n) => n.method)).toEqual([
      "item/started",
      "item/completed",
      "turn/completed",
      "thread/status/changed",
    ]);
    for (const n of [...first, ...rest]) validate(n);
    const done = rest.find((n) => n.method === "turn/completed")!;
    expect(done.params).toMatchObject({ threadId: T, turn: { id: "turn-1", status: "completed" } });
    expect(feed.running).toBe(false);
  });

  it("announces every item exactly once, whatever the batches the log is read in", () => {
    const turnSpec = fc.record({
      answers: fc.nat(3),
      ended: fc.constantFrom("complete", "aborted", "open") as fc.Arbitrary<"complete" | "aborted" | "open">,
    });
    fc.assert(
      fc.property(
        fc.array(turnSpec, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(40), { maxLength: 8 }),
        (turns, cuts) => {
          // Only the last turn may still be open: the writer closes a turn before the next.
          const items: RolloutItem[] = [meta(T)];
          for (const [i, t] of turns.entries()) {
            items.push(...turnItems(`turn-${i}`, t.answers, i === turns.length - 1 ? t.ended : "complete"));
          }
          const points = [...new Set(cuts.map((c) => Math.min(c, items.length)))].sort((a, b) => a - b);
          const initialEnd = points[0] ?? 0;
          const feed = new RemoteTurnFeed(T, items.slice(0, initialEnd));
          const before = buildTurns(items.slice(0, initialEnd));
          const out: Notification[] = [];
          let at = initialEnd;
          for (const p of [...points.slice(1), items.length]) {
            out.push(...feed.append(items.slice(at, p)));
            at = p;
          }
          for (const n of out) validate(n);
          const final = buildTurns(items);
          const known = new Set(before.flatMap((t) => t.items.map((i) => i.id)));
          const expected = final.flatMap((t) => t.items.map((i) => i.id)).filter((id) => !known.has(id));
          const completed = out.flatMap((n) => (n.method === "item/completed" ? [n.params.item.id] : []));
          expect(completed).toEqual(expected);
          // Each turn starts once, before its items, and ends once.
          for (const turn of final) {
            const started = out.findIndex((n) => n.method === "turn/started" && n.params.turn.id === turn.id);
            const wasKnown = before.some((b) => b.id === turn.id);
            expect(started === -1).toBe(wasKnown);
            const firstItem = out.findIndex(
              (n) => n.method === "item/completed" && n.params.turnId === turn.id,
            );
            if (started !== -1 && firstItem !== -1) expect(started).toBeLessThan(firstItem);
            const ends = out.filter((n) => n.method === "turn/completed" && n.params.turn.id === turn.id);
            const endedBefore = before.some((b) => b.id === turn.id && b.status !== "inProgress");
            expect(ends.length).toBe(turn.status !== "inProgress" && !endedBefore ? 1 : 0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
