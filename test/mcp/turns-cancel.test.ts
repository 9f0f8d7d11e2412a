import { describe, expect, it } from "vitest";
import { text, turnCompleted } from "../app-server-engine/support.js";
import { textTurn } from "../support/model-server.js";
import { eventually, readLog } from "./fixture.js";
import { completedItem, mcpThread, outputOf, startMcpTurn, WALL } from "./turns-support.js";

/** Interrupts and timeouts of MCP calls (spec mcp.md §6; acceptance tests 8 and 9). */

const APPROVE_SLOW = '[mcp_servers.fx.tools.slow]\napproval_mode = "approve"\n';

describe("MCP call cancellation", () => {
  it("turn/interrupt cancels the call at the server, completes no item, and tells the model", async () => {
    const t = await mcpThread({ extraToml: APPROVE_SLOW });
    const turnId = await startMcpTurn(t, [{ name: "slow", args: { ms: 30_000 }, callId: "c_slow" }]);
    await t.peer.notification("item/started", (p) => p.item.id === "c_slow");
    await eventually(() => (readLog(t.log).some((e) => e.method === "tools/call") ? true : undefined));
    await t.peer.request("turn/interrupt", { threadId: t.threadId, turnId });
    const done = await turnCompleted(t.peer, turnId);
    expect(done.params.turn.status).toBe("interrupted");
    const cancelled = await eventually(() =>
      readLog(t.log).find((e) => e.method === "notifications/cancelled"),
    );
    expect(cancelled.params).toMatchObject({ reason: "MCP request cancelled by caller" });
    expect(t.peer.received.some((m) => m.method === "item/completed" && m.params.item.id === "c_slow")).toBe(
      false,
    );

    t.fx.model.enqueue(textTurn("again"));
    const { turn: next } = await t.peer.request("turn/start", { threadId: t.threadId, input: text("next") });
    await turnCompleted(t.peer, next.id);
    const body = t.fx.model.requests.at(-1)!.body;
    expect(outputOf(body, "c_slow")).toMatch(/^aborted by user after \d+\.\ds$/);
  });

  it("tool_timeout_sec fails the item with the timeout text and cancels the call", async () => {
    const t = await mcpThread({ serverToml: "tool_timeout_sec = 1.5", extraToml: APPROVE_SLOW });
    const turnId = await startMcpTurn(t, [{ name: "slow", args: { ms: 30_000 }, callId: "c_slow" }]);
    const item = await completedItem(t.peer, "c_slow");
    expect(item).toMatchObject({ status: "failed", result: null });
    expect(item.error.message).toMatch(
      /^tool call error: tool call failed for `fx\/slow`\n\nCaused by:\n {4}timed out awaiting tools\/call after 1(\.5)?s$/,
    );
    await turnCompleted(t.peer, turnId);
    const out = outputOf(t.fx.model.requests[1]!.body, "c_slow");
    expect(out[0].text).toMatch(WALL);
    expect(out[1].text).toBe(item.error.message);
    await eventually(() => readLog(t.log).find((e) => e.method === "notifications/cancelled"));
  });
});
