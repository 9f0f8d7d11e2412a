import { describe, expect, it } from "vitest";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { harness, inputTexts, isType, rolloutLines, text } from "./harness.js";

const BIG = { usage: { total_tokens: 5000 } };
const SMALL = { usage: { total_tokens: 50 } };

describe("auto-compaction", () => {
  it("summarises the history once the token limit is reached; the next request carries the summary", async () => {
    const h = await harness({ configToml: "model_auto_compact_token_limit = 100" });
    h.server.enqueue(
      textTurn("first answer", BIG),
      textTurn("SUMMARY OF WORK", SMALL),
      textTurn("second answer", SMALL),
    );
    const session = await h.manager.start(h.options());
    await session.submit(text("one"));
    await session.waitForIdle();
    const { turnId } = await session.submit(text("two"));
    await session.waitForIdle();

    const [first, compaction, next] = h.server.modelRequests();
    expect(inputTexts(compaction!.body).at(-1)).toContain("hand-off note");
    expect(compaction!.body.tools).toEqual([]);
    const nextText = JSON.stringify(next!.body.input);
    expect(nextText).toContain("SUMMARY OF WORK");
    expect(nextText).not.toContain("first answer");
    expect(inputTexts(next!.body, "user").filter((t) => t === "one" || t === "two")).toEqual(["one", "two"]);
    expect(first!.headers["x-keel-window-id"]).toBe(`${session.threadId}:0`);
    expect(next!.headers["x-keel-window-id"]).toBe(`${session.threadId}:1`);

    const msgs = h.msgs(session.threadId);
    expect(msgs.filter(isType("context_compacted"))).toHaveLength(1);
    expect(msgs.some((m) => m.type === "agent_message" && m.message === "SUMMARY OF WORK")).toBe(false);
    const compactedAt = h.events.findIndex((e) => e.event.msg.type === "context_compacted");
    expect(h.events[compactedAt]!.event.id).toBe(turnId);

    const lines = rolloutLines(session.rolloutPath!);
    const compacted = lines.find((l) => l.type === "compacted");
    expect(compacted?.payload.message).toBe("SUMMARY OF WORK");
    expect(JSON.stringify(compacted?.payload.replacement_history)).toContain("SUMMARY OF WORK");
    expect(lines.some((l) => l.type === "event_msg" && l.payload.type === "context_compacted")).toBe(true);

    // A resumed thread starts from the replacement history and keeps the window generation.
    const threadId = session.threadId;
    await h.manager.unload(threadId);
    const resumed = await h.manager.resume({ threadId }, h.options());
    expect(JSON.stringify(resumed.history())).not.toContain("first answer");
    h.server.enqueue(textTurn("third", SMALL));
    await resumed.submit(text("three"));
    await resumed.waitForIdle();
    expect(h.server.modelRequests()[3]!.headers["x-keel-window-id"]).toBe(`${threadId}:1`);
  });

  it("compacts in the middle of a turn and continues it", async () => {
    const h = await harness({ configToml: "model_auto_compact_token_limit = 100" });
    const plan = { plan: [{ step: "a", status: "in_progress" }] };
    h.server.enqueue(
      turn([functionCall("update_plan", plan, "c1")], BIG),
      textTurn("MID SUMMARY", SMALL),
      textTurn("finished", SMALL),
    );
    const session = await h.manager.start(h.options());
    await session.submit(text("long job"));
    await session.waitForIdle();
    const [, compaction, resumed] = h.server.modelRequests();
    expect(JSON.stringify(compaction!.body.input)).toContain("call_id");
    expect(JSON.stringify(resumed!.body.input)).toContain("MID SUMMARY");
    // The base instructions and the permissions message.
    expect(inputTexts(resumed!.body, "developer")).toHaveLength(2);
    const done = h.msgs(session.threadId).find(isType("task_complete"));
    expect(done?.last_agent_message).toBe("finished");
    const lines = rolloutLines(session.rolloutPath!);
    expect(lines.filter((l) => l.type === "turn_context")).toHaveLength(2);
  });
});
