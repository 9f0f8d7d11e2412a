import { describe, expect, it } from "vitest";
import type { ResponseItem } from "../../src/protocol/items.js";
import { type ToolCall, type ToolContext, type ToolRouter, toolOutputItem } from "../../src/session/index.js";
import { functionCall, message, reasoning, textTurn, turn } from "../support/model-server.js";
import { harness, inputTexts, rolloutLines, text } from "./harness.js";

describe("turn loop", () => {
  it("runs a text-only turn: deltas, message, token count, completion — and persists it", async () => {
    const h = await harness();
    h.server.enqueue(turn([reasoning("Thinking it over"), message("Hello there, friend.")]));
    const session = await h.manager.start(h.options());
    const { turnId, steered } = await session.submit(text("hi"));
    expect(steered).toBe(false);
    const done = await h.waitFor(session.threadId, (m) => m.type === "task_complete");
    expect(done).toMatchObject({ turn_id: turnId, last_agent_message: "Hello there, friend." });

    const types = h.msgs(session.threadId).map((m) => m.type);
    const turnTypes = types.slice(types.indexOf("task_started"));
    expect(turnTypes.filter((t) => !t.endsWith("_delta"))).toEqual([
      "task_started",
      "user_message",
      "item_started",
      "item_completed",
      "item_started",
      "agent_reasoning_section_break",
      "agent_reasoning",
      "item_completed",
      "item_started",
      "agent_message",
      "item_completed",
      "token_count",
      "task_complete",
    ]);
    const deltas = h
      .msgs(session.threadId)
      .flatMap((m) => (m.type === "agent_message_delta" ? [m.delta] : []));
    expect(deltas.join("")).toBe("Hello there, friend.");
    expect(
      h.events.filter((e) => e.event.msg.type !== "session_configured").every((e) => e.event.id === turnId),
    ).toBe(true);

    // What the model saw: base instructions (the first developer message, as Codex 0.169 sends
    // them), the developer permissions message, the environment context, then the input.
    const [request] = h.server.modelRequests();
    expect(request!.body.instructions).toBeUndefined();
    expect(inputTexts(request!.body, "developer")[0]).toContain("You are keel");
    expect(inputTexts(request!.body, "developer")[1]).toContain("<permissions_instructions>");
    const user = inputTexts(request!.body, "user");
    expect(user[0]).toContain(`<cwd>${h.project}</cwd>`);
    expect(user[0]).toContain("<shell>bash</shell>");
    expect(user.at(-1)).toBe("hi");
    // Codex 0.169 no longer offers update_plan (it still answers a call, see below).
    expect(request!.body.tools.map((t: { name: string }) => t.name)).not.toContain("update_plan");
    expect(request!.headers["x-keel-window-id"]).toBe(`${session.threadId}:0`);

    // Rollout: the Codex line sequence of one turn.
    const lines = rolloutLines(session.rolloutPath!);
    const shape = lines.map((l) =>
      l.type === "event_msg" || l.type === "response_item" ? `${l.type}:${l.payload.type}` : l.type,
    );
    expect(shape).toEqual([
      "session_meta",
      "event_msg:task_started",
      "response_item:message",
      "response_item:message",
      "turn_context",
      "response_item:message",
      "event_msg:user_message",
      "event_msg:agent_reasoning",
      "response_item:reasoning",
      "event_msg:agent_message",
      "response_item:message",
      "event_msg:token_count",
      "event_msg:task_complete",
    ]);
  });

  it("re-injects the environment context only when it changes", async () => {
    const h = await harness({ configToml: 'sandbox_mode = "workspace-write"' });
    h.server.enqueue(textTurn("one"), textTurn("two"), textTurn("three"));
    const session = await h.manager.start(h.options());
    for (const input of ["a", "b"]) {
      await session.submit(text(input));
      await session.waitForIdle();
    }
    await session.submit(text("c"), {
      sandboxPolicy: { type: "read-only", access: { type: "full-access" }, network_access: false },
    });
    await session.waitForIdle();
    const [, second, third] = h.server.modelRequests();
    const envCount = (body: unknown) =>
      inputTexts(body).filter((t) => t.includes("<environment_context>")).length;
    expect(envCount(second!.body)).toBe(1);
    expect(envCount(third!.body)).toBe(2);
    expect(inputTexts(third!.body, "developer")).toHaveLength(3);
    expect(inputTexts(third!.body, "developer")[2]).toContain("Sandbox: read-only");
  });

  it("answers update_plan and unknown tools itself and loops until a plain answer", async () => {
    const h = await harness();
    const plan = {
      explanation: "two steps",
      plan: [
        { step: "look", status: "in_progress" },
        { step: "fix", status: "pending" },
      ],
    };
    h.server.enqueue(
      turn([
        functionCall("update_plan", plan, "call_plan"),
        functionCall("no_such_tool", { x: 1 }, "call_unknown"),
      ]),
      textTurn("done"),
    );
    const session = await h.manager.start(h.options());
    await session.submit(text("do it"));
    await h.waitFor(session.threadId, (m) => m.type === "task_complete");
    const planEvent = h.msgs(session.threadId).find((m) => m.type === "plan_update");
    expect(planEvent).toEqual({ type: "plan_update", ...plan });
    const second = h.server.modelRequests()[1]!.body.input as ResponseItem[];
    const outputs = second.filter((i) => i.type === "function_call_output");
    expect(outputs).toEqual([
      { type: "function_call_output", call_id: "call_plan", output: "Plan updated" },
      { type: "function_call_output", call_id: "call_unknown", output: "unsupported call: no_such_tool" },
    ]);
    expect(h.msgs(session.threadId).filter((m) => m.type === "token_count")).toHaveLength(2);
  });

  it("runs parallel-capable tool calls concurrently and feeds outputs back in call order", async () => {
    const h = await harness();
    let running = 0;
    let maxRunning = 0;
    let release: () => void = () => {};
    const bothStarted = new Promise<void>((resolve) => {
      release = resolve;
    });
    const router: ToolRouter = {
      specs: () => [
        {
          type: "function",
          name: "probe",
          description: "test",
          parameters: { type: "object", properties: {} },
        },
      ],
      handles: (name) => name === "probe",
      supportsParallel: () => true,
      async dispatch(call: ToolCall, _ctx: ToolContext) {
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (running === 2) release();
        await bothStarted;
        running--;
        return toolOutputItem(call, `probe ${call.callId}`);
      },
    };
    h.server.enqueue(
      turn([functionCall("probe", {}, "c1"), functionCall("probe", {}, "c2")]),
      textTurn("ok"),
    );
    const session = await h.manager.start(h.options({ router }));
    await session.submit(text("go"));
    await h.waitFor(session.threadId, (m) => m.type === "task_complete");
    expect(maxRunning).toBe(2);
    const input = h.server.modelRequests()[1]!.body.input as { type: string; call_id?: string }[];
    expect(
      input.filter((i) => i.type.startsWith("function_call")).map((i) => `${i.type}:${i.call_id}`),
    ).toEqual(["function_call:c1", "function_call:c2", "function_call_output:c1", "function_call_output:c2"]);
    expect(h.server.modelRequests()[0]!.body.parallel_tool_calls).toBe(true);
  });

  it("serialises calls of tools that are not parallel-capable", async () => {
    const h = await harness();
    const order: string[] = [];
    const router: ToolRouter = {
      specs: () => [],
      handles: (name) => name === "serial",
      supportsParallel: () => false,
      async dispatch(call) {
        order.push(`start ${call.callId}`);
        await new Promise((r) => setTimeout(r, 20));
        order.push(`end ${call.callId}`);
        return toolOutputItem(call, "ok");
      },
    };
    h.server.enqueue(
      turn([functionCall("serial", {}, "a"), functionCall("serial", {}, "b")]),
      textTurn("ok"),
    );
    const session = await h.manager.start(h.options({ router }));
    await session.submit(text("go"));
    await h.waitFor(session.threadId, (m) => m.type === "task_complete");
    expect(order).toEqual(["start a", "end a", "start b", "end b"]);
  });

  it("reports a failed model request as an error and still completes the turn", async () => {
    const h = await harness();
    h.server.enqueue({
      kind: "http",
      status: 400,
      body: { error: { message: "bad request here", type: "invalid_request_error" } },
    });
    const session = await h.manager.start(h.options());
    await session.submit(text("hi"));
    await h.waitFor(session.threadId, (m) => m.type === "task_complete");
    const error = h.msgs(session.threadId).find((m) => m.type === "error");
    expect(error).toMatchObject({ message: expect.stringContaining("bad request here") });
  });
});
