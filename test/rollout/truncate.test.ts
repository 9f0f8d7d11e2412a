import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RolloutItem } from "../../src/protocol/rollout.js";
import { formatRolloutLine } from "../../src/rollout/reader.js";
import {
  cutAtVisibleTurn,
  itemsBeforeTurn,
  itemsThroughTurn,
  textBeforeTurn,
  TurnNotFoundError,
} from "../../src/rollout/truncate.js";
import { buildTurns } from "../../src/rollout/turns.js";
import { assistantItem, ev, meta, ri, turnContext, userItem } from "./builders.js";

/** Cutting a rollout at a turn boundary (thread/fork lastTurnId/beforeTurnId, thread/revert). */

function turn(id: string, text: string): RolloutItem[] {
  return [
    ev("task_started", { turn_id: id, started_at: 1 }),
    ri(userItem(text)),
    turnContext(id),
    ev("user_message", { message: text, images: [], local_images: [], text_elements: [] }),
    ri(assistantItem(`re ${text}`)),
    ev("agent_message", { message: `re ${text}` }),
    ev("task_complete", { turn_id: id, last_agent_message: `re ${text}` }),
  ];
}

const AT = new Date("2026-12-03T12:00:00Z");

const rollout = (count: number) => [
  meta("thread-1"),
  ...Array.from({ length: count }, (_, i) => turn(`t${i}`, `msg ${i}`)).flat(),
];

describe("turn cuts", () => {
  it("keeps exactly the turns before / through the named one, for every turn", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.nat(), (count, pick) => {
        const items = rollout(count);
        const k = pick % count;
        const ids = buildTurns(items).map((t) => t.id);
        expect(buildTurns(itemsBeforeTurn(items, `t${k}`)).map((t) => t.id)).toEqual(ids.slice(0, k));
        expect(buildTurns(itemsThroughTurn(items, `t${k}`)).map((t) => t.id)).toEqual(ids.slice(0, k + 1));
        // A cut is a prefix of the rollout, and the raw text cut is the same prefix.
        const before = itemsBeforeTurn(items, `t${k}`);
        expect(items.slice(0, before.length)).toEqual(before);
        const text = items.map((i) => `${formatRolloutLine(i, AT)}\n`).join("");
        expect(textBeforeTurn(text, `t${k}`)).toBe(
          before.map((i) => `${formatRolloutLine(i, AT)}\n`).join(""),
        );
      }),
    );
  });

  it("does not cut at a turn the thread no longer shows", () => {
    const items = [...rollout(3), ev("thread_rolled_back", { num_turns: 1 })];
    expect(() => cutAtVisibleTurn(items, { beforeTurnId: "t2" })).toThrow(TurnNotFoundError);
    expect(() => cutAtVisibleTurn(items, { lastTurnId: "nope" })).toThrow("turn not found: nope");
    expect(buildTurns(cutAtVisibleTurn(items, { lastTurnId: "t0" })).map((t) => t.id)).toEqual(["t0"]);
  });

  it("keeps lines of unknown types in the raw text", () => {
    const text = `${formatRolloutLine(meta("x"))}\n{"timestamp":"t","type":"future_kind","payload":{}}\n${formatRolloutLine(ev("task_started", { turn_id: "a" }))}\n`;
    expect(textBeforeTurn(text, "a")).toContain("future_kind");
    expect(() => textBeforeTurn(text, "b")).toThrow(TurnNotFoundError);
  });
});
