import { describe, expect, it } from "vitest";
import { COMPACTION_PROMPT, summarize } from "../../src/model/compact.js";
import type { ResponseItem } from "../../src/protocol/items.js";
import { reasoning, textTurn, turn } from "../support/model-server.js";
import { harness } from "./helpers.js";

const history: ResponseItem[] = [
  { type: "message", role: "user", content: [{ type: "input_text", text: "fix the build" }] },
  { type: "message", role: "assistant", content: [{ type: "output_text", text: "Fixed tsconfig." }] },
];

describe("summarize", () => {
  it("sends the history plus the compaction prompt and returns the summary", async () => {
    const { server, client } = await harness();
    server.enqueue(turn([reasoning("condense"), ...textTurn("  The build is fixed.  ").outputs]));

    const summary = await summarize(client, history, {
      model: "mock-model",
      instructions: "base",
      windowGeneration: 1,
    });

    expect(summary).toBe("The build is fixed.");
    const body = server.requests[0]!.body;
    expect(body.instructions).toBeUndefined();
    expect(body.tools).toEqual([]);
    expect(body.input).toEqual([
      { type: "message", role: "developer", content: [{ type: "input_text", text: "base" }] },
      ...history,
      { type: "message", role: "user", content: [{ type: "input_text", text: COMPACTION_PROMPT }] },
    ]);
    expect(server.requests[0]!.headers["x-keel-window-id"]).toBe("thr_1:1");
  });

  it("uses a custom prompt and rejects an empty summary", async () => {
    const { server, client } = await harness();
    server.enqueue(textTurn(""));

    await expect(
      summarize(client, history, { model: "m", instructions: "", prompt: "Summarise briefly." }),
    ).rejects.toThrow("empty summary");
    expect(server.requests[0]!.body.input.at(-1).content[0].text).toBe("Summarise briefly.");
  });
});
