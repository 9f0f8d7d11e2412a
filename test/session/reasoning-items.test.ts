import { describe, expect, it } from "vitest";
import { functionCall, message, reasoning, turn, unresolvableItemMessage } from "../support/model-server.js";
import { harness, isType, rolloutLines, text } from "./harness.js";

/**
 * Reasoning items under `store: false`, against a model server that, like the real Responses
 * API, keeps nothing between requests and answers 404 for a reasoning item it cannot resolve.
 */
describe("reasoning items with store: false", () => {
  const reasoningItems = (body: { input: { type: string }[] }) =>
    body.input.filter((i) => i.type === "reasoning");

  it("asks for encrypted reasoning and passes it back after a tool call", async () => {
    const h = await harness({ model: "gpt-5.5", server: { strictStoreFalse: true } });
    h.server.enqueue(
      turn([reasoning("Look first", { id: "rs_1" }), functionCall("no_such_tool", {}, "call_1")]),
      turn([message("done")]),
    );
    const session = await h.manager.start(h.options());
    await session.submit(text("go"));
    const done = await h.waitFor(session.threadId, (m) => m.type === "task_complete" || m.type === "error");
    expect(done.type).toBe("task_complete");

    const [first, second] = h.server.modelRequests();
    expect(first!.body.include).toEqual(["reasoning.encrypted_content"]);
    expect(first!.body.reasoning).toEqual({ effort: "medium" });
    const [passedBack] = reasoningItems(second!.body);
    expect(passedBack).toMatchObject({
      type: "reasoning",
      encrypted_content: expect.stringMatching(/^gAAAAA/),
    });
    expect(passedBack).not.toHaveProperty("id");
  });

  it("drops a reasoning item that has no encrypted content instead of sending it by id", async () => {
    const h = await harness({ model: "gpt-5.5", server: { strictStoreFalse: true } });
    h.server.enqueue(
      turn([
        reasoning("Look first", { id: "rs_2", encryptedContent: null }),
        functionCall("no_such_tool", {}, "call_2"),
      ]),
      turn([message("done")]),
    );
    const session = await h.manager.start(h.options());
    await session.submit(text("go"));
    const done = await h.waitFor(session.threadId, (m) => m.type === "task_complete" || m.type === "error");
    expect(done.type).toBe("task_complete");
    expect(reasoningItems(h.server.modelRequests()[1]!.body)).toEqual([]);
    expect(h.msgs(session.threadId).some(isType("error"))).toBe(false);
  });

  it("keeps the encrypted content through resume", async () => {
    const h = await harness({ model: "gpt-5.5", server: { strictStoreFalse: true } });
    h.server.enqueue(
      turn([reasoning("Plan", { id: "rs_3", encryptedContent: "gAAAAA-kept" }), message("one")]),
    );
    const first = await h.manager.start(h.options());
    await first.submit(text("one"));
    await h.waitFor(first.threadId, (m) => m.type === "task_complete");
    const saved = rolloutLines(first.rolloutPath!).find(
      (l) => l.type === "response_item" && l.payload.type === "reasoning",
    );
    expect(saved?.payload.encrypted_content).toBe("gAAAAA-kept");
    await h.manager.unload(first.threadId);

    h.server.enqueue(turn([message("two")]));
    const resumed = await h.manager.resume({ threadId: first.threadId }, h.options());
    await resumed.submit(text("two"));
    await resumed.waitForIdle();
    expect(h.msgs(resumed.threadId).filter(isType("task_complete"))).toHaveLength(2);
    expect(reasoningItems(h.server.modelRequests()[1]!.body)).toEqual([
      {
        type: "reasoning",
        summary: [{ type: "summary_text", text: "Plan" }],
        encrypted_content: "gAAAAA-kept",
      },
    ]);
  });

  it("keeps the encrypted content in a fork", async () => {
    const h = await harness({ model: "gpt-5.5", server: { strictStoreFalse: true } });
    h.server.enqueue(
      turn([reasoning("Plan", { id: "rs_4", encryptedContent: "gAAAAA-forked" }), message("one")]),
    );
    const source = await h.manager.start(h.options());
    await source.submit(text("one"));
    await source.waitForIdle();

    h.server.enqueue(turn([message("two")]));
    const fork = await h.manager.fork({ threadId: source.threadId }, h.options());
    await fork.submit(text("two"));
    await fork.waitForIdle();
    expect(h.msgs(fork.threadId).some(isType("error"))).toBe(false);
    expect(reasoningItems(h.server.modelRequests()[1]!.body)).toEqual([
      {
        type: "reasoning",
        summary: [{ type: "summary_text", text: "Plan" }],
        encrypted_content: "gAAAAA-forked",
      },
    ]);
  });

  it("the strict server answers an unresolvable reasoning item like the real API", async () => {
    const h = await harness({ server: { strictStoreFalse: true } });
    const res = await fetch(`${h.server.url}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "m",
        store: false,
        input: [{ type: "reasoning", id: "rs_9", summary: [] }],
      }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      unresolvableItemMessage("rs_9"),
    );
  });
});
