import { describe, expect, it } from "vitest";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import {
  type Fixture,
  fixture,
  type Message,
  type Peer,
  stdioServer,
  text,
  turnCompleted,
} from "./support.js";

/**
 * Tools the client answers, end to end over stdio against the scripted model server:
 * `request_user_input` (spec app-server.md §9.4), dynamic tools (§9.5) and collaboration modes.
 * Expected shapes were taken from Codex 0.169 driven the same way.
 */

const PLAN = {
  mode: "plan",
  settings: { model: "mock-model", reasoning_effort: null, developer_instructions: null },
};
const DEFAULT = { ...PLAN, mode: "default" };

const QUESTIONS = {
  questions: [
    {
      id: "color",
      header: "Color",
      question: "Which color?",
      options: [
        { label: "Red (Recommended)", description: "warm" },
        { label: "Blue", description: "cool" },
      ],
    },
  ],
};

async function startThread(fx: Fixture, peer: Peer, params: Record<string, unknown> = {}) {
  await peer.initialize();
  const result = await peer.request("thread/start", { cwd: fx.workspace, ...params });
  await peer.notification("thread/started");
  return result.thread.id as string;
}

/**
 * A thread whose first turn (in `mode`) has the model call request_user_input with `args`;
 * `then` is the model's next answer.
 */
async function questionTurn(args: unknown, mode: unknown = PLAN, then = "ok") {
  const fx = await fixture();
  const { peer } = stdioServer(fx);
  const threadId = await startThread(fx, peer);
  fx.model.enqueue(turn([functionCall("request_user_input", args, "call_q")]), textTurn(then));
  const params = { threadId, input: text("go"), ...(mode ? { collaborationMode: mode } : {}) };
  const { turn: t } = await peer.request("turn/start", params);
  return { fx, peer, threadId, turnId: t.id as string };
}

// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
const outputOf = (body: any, callId: string) =>
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
  body.input.find((i: any) => i.type === "function_call_output" && i.call_id === callId)?.output;
// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
const toolNames = (body: any) => body.tools.map((t: any) => `${t.type}:${t.name ?? ""}`);
/** Texts of the developer messages of a request, part by part. */
// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
const developerParts = (body: any): string[] =>
  body.input
    // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
    .filter((i: any) => i.type === "message" && i.role === "developer")
    // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
    .flatMap((m: any) => m.content.map((c: any) => c.text as string));
const modeBlocks = (parts: string[]) => parts.filter((p) => p.startsWith("<collaboration_mode>"));

describe("request_user_input", () => {
  it("in Plan mode asks the client and hands its answers to the model as JSON", async () => {
    const { fx, peer, threadId, turnId } = await questionTurn(QUESTIONS);
    const waiting = await peer.notification("thread/status/changed", (p) =>
      p.status.activeFlags?.includes("waitingOnUserInput"),
    );
    expect(waiting.params.status).toEqual({ type: "active", activeFlags: ["waitingOnUserInput"] });
    const request = await peer.serverRequest("item/tool/requestUserInput");
    expect(request.params).toEqual({
      threadId,
      turnId,
      itemId: "call_q",
      questions: [{ ...QUESTIONS.questions[0], isOther: true, isSecret: false }],
      isBlocking: true,
      autoResolutionMs: null,
    });
    const answers = { color: { answers: ["Blue", "user_note: darker please"] } };
    peer.send({ id: request.id, result: { answers } });
    const resolved = await peer.notification("serverRequest/resolved");
    expect(resolved.params).toEqual({ threadId, requestId: request.id });
    await peer.notification("thread/status/changed", (p) => p.status.type === "active");
    await turnCompleted(peer, turnId);
    expect(outputOf(fx.model.requests[1]!.body, "call_q")).toBe(JSON.stringify({ answers }));
  });

  it("is offered after the command tool but refused outside Plan mode with Codex's text", async () => {
    const { fx, peer, turnId } = await questionTurn(QUESTIONS, null);
    await turnCompleted(peer, turnId);
    const names = toolNames(fx.model.requests[0]!.body);
    expect(names.indexOf("function:request_user_input")).toBe(names.indexOf("function:write_stdin") + 1);
    expect(outputOf(fx.model.requests[1]!.body, "call_q")).toBe(
      "request_user_input is unavailable in Default mode",
    );
    expect(peer.received.some((m) => m.method === "item/tool/requestUserInput")).toBe(false);
  });

  it("with [features] default_mode_request_user_input, Default mode asks as well", async () => {
    const fx = await fixture({ extraToml: "\n[features]\ndefault_mode_request_user_input = true\n" });
    const { peer } = stdioServer(fx);
    const threadId = await startThread(fx, peer);
    fx.model.enqueue(turn([functionCall("request_user_input", QUESTIONS, "call_q")]), textTurn("ok"));
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("go") });
    const request = await peer.serverRequest("item/tool/requestUserInput");
    peer.send({ id: request.id, result: { answers: { color: { answers: ["Blue"] } } } });
    await turnCompleted(peer, t.id);
    // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
    const spec = fx.model.requests[0]!.body.tools.find((tl: any) => tl.name === "request_user_input");
    expect(spec.description).toContain("Default or Plan mode");
    expect(outputOf(fx.model.requests[1]!.body, "call_q")).toBe('{"answers":{"color":{"answers":["Blue"]}}}');
  });

  it("refuses questions without options before asking anyone", async () => {
    const noOptions = { questions: [{ id: "name", header: "Name", question: "Your name?", options: [] }] };
    const { fx, peer, turnId } = await questionTurn(noOptions);
    await turnCompleted(peer, turnId);
    expect(outputOf(fx.model.requests[1]!.body, "call_q")).toBe(
      "request_user_input requires non-empty options for every question",
    );
  });

  it("a client error answers with no answers, and the turn goes on", async () => {
    const { fx, peer, turnId } = await questionTurn(QUESTIONS);
    const request = await peer.serverRequest("item/tool/requestUserInput");
    peer.send({ id: request.id, error: { code: -32000, message: "no user here" } });
    await turnCompleted(peer, turnId);
    expect(outputOf(fx.model.requests[1]!.body, "call_q")).toBe('{"answers":{}}');
  });

  it("turn/interrupt withdraws a pending question after turn/completed; a late answer is ignored", async () => {
    const { fx, peer, threadId, turnId } = await questionTurn(QUESTIONS, PLAN, "next");
    const request = await peer.serverRequest("item/tool/requestUserInput");
    const mark = peer.received.length;
    expect(await peer.request("turn/interrupt", { threadId, turnId })).toEqual({});
    const resolved = await peer.notification("serverRequest/resolved");
    expect(resolved.params.requestId).toBe(request.id);
    const order = peer.received
      .slice(mark)
      .map((m) => m.method)
      .filter((m) => m === "turn/completed" || m === "serverRequest/resolved");
    expect(order).toEqual(["turn/completed", "serverRequest/resolved"]);
    peer.send({ id: request.id, result: { answers: { color: { answers: ["Blue"] } } } });
    const { turn: next } = await peer.request("turn/start", { threadId, input: text("again") });
    await turnCompleted(peer, next.id);
    expect(outputOf(fx.model.requests[1]!.body, "call_q")).toMatch(/^aborted by user after /);
  });
});

describe("dynamic tools", () => {
  const dynamicTools = [
    {
      type: "function",
      name: "lookup_ticket",
      description: "Look up a ticket",
      inputSchema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
    },
    {
      type: "namespace",
      name: "ide",
      description: "IDE tools",
      tools: [
        { type: "function", name: "open_file", description: "Open a file", inputSchema: { type: "object" } },
        {
          type: "function",
          name: "later",
          description: "Deferred",
          inputSchema: { type: "object" },
          deferLoading: true,
        },
      ],
    },
  ];
  const image = "data:image/png;base64,iVBORw0KGgo=";

  it("offers them, routes calls to the client with item/tool/call and returns its result", async () => {
    const fx = await fixture();
    const firstServer = stdioServer(fx);
    const { peer } = firstServer;
    const threadId = await startThread(fx, peer, { dynamicTools, persistExtendedHistory: true });
    fx.model.enqueue(
      turn([functionCall("lookup_ticket", { id: "T-1" }, "call_a")]),
      turn([
        {
          type: "raw_item",
          item: {
            type: "function_call",
            id: "fc_ns",
            status: "completed",
            name: "open_file",
            namespace: "ide",
            arguments: '{"path":"a.ts"}',
            call_id: "call_b",
          },
        },
      ]),
      textTurn("done"),
    );
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("go") });

    const started = await peer.notification("item/started", (p) => p.item.type === "dynamicToolCall");
    expect(started.params.item).toMatchObject({
      id: "call_a",
      namespace: null,
      tool: "lookup_ticket",
      arguments: { id: "T-1" },
      status: "inProgress",
      contentItems: null,
      success: null,
    });
    const first = await peer.serverRequest("item/tool/call");
    expect(first.params).toEqual({
      threadId,
      turnId: t.id,
      callId: "call_a",
      namespace: null,
      tool: "lookup_ticket",
      arguments: { id: "T-1" },
    });
    const firstItems = [
      { type: "inputText", text: "ticket is open" },
      { type: "inputImage", imageUrl: image },
    ];
    peer.send({ id: first.id, result: { contentItems: firstItems, success: true } });
    const completed = await peer.notification("item/completed", (p) => p.item.id === "call_a");
    expect(completed.params.item).toMatchObject({
      status: "completed",
      contentItems: firstItems,
      success: true,
    });

    const second = await peer.serverRequest("item/tool/call");
    expect(second.params).toMatchObject({ callId: "call_b", namespace: "ide", tool: "open_file" });
    peer.send({
      id: second.id,
      result: { contentItems: [{ type: "inputText", text: "no such file" }], success: false },
    });
    const failed = await peer.notification("item/completed", (p) => p.item.id === "call_b");
    expect(failed.params.item).toMatchObject({ status: "failed", success: false });
    await turnCompleted(peer, t.id);

    const body = fx.model.requests[0]!.body;
    const names = toolNames(body);
    // After view_image, before the hosted web_search (Codex 0.169's order).
    expect(names.slice(-3)).toEqual(["function:lookup_ticket", "namespace:ide", "web_search:"]);
    // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
    expect(body.tools.find((tl: any) => tl.name === "lookup_ticket")).toEqual({
      type: "function",
      name: "lookup_ticket",
      description: "Look up a ticket",
      strict: false,
      parameters: dynamicTools[0]!.inputSchema,
    });
    // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
    expect(body.tools.find((tl: any) => tl.name === "ide")).toEqual({
      type: "namespace",
      name: "ide",
      description: "IDE tools",
      tools: [
        {
          type: "function",
          name: "open_file",
          description: "Open a file",
          strict: false,
          parameters: { type: "object" },
        },
      ],
    });
    expect(outputOf(fx.model.requests[1]!.body, "call_a")).toEqual([
      { type: "input_text", text: "ticket is open" },
      { type: "input_image", image_url: image, detail: "original" },
    ]);
    expect(outputOf(fx.model.requests[2]!.body, "call_b")).toBe("no such file");
    // As in Codex, the items tell the outcome: no serverRequest/resolved for dynamic tool calls.
    expect(peer.received.some((m) => m.method === "serverRequest/resolved")).toBe(false);

    // A resumed thread offers them again and shows the calls it made.
    await peer.request("thread/unsubscribe", { threadId });
    // The first server lets go of the thread's rollout (its writer lock) when it unloads it, which
    // may finish after the answer: end that server before another one resumes the thread.
    peer.close();
    await firstServer.exited;
    const { peer: other } = stdioServer(fx, "second");
    await other.initialize();
    const resumed = await other.request("thread/resume", { threadId, persistExtendedHistory: true });
    const items = resumed.thread.turns[0].items as Message[];
    expect(items.filter((i) => i.type === "dynamicToolCall").map((i) => [i.tool, i.status])).toEqual([
      ["lookup_ticket", "completed"],
      ["open_file", "failed"],
    ]);
    fx.model.enqueue(textTurn("again"));
    const { turn: again } = await other.request("turn/start", { threadId, input: text("more") });
    await turnCompleted(other, again.id);
    expect(toolNames(fx.model.requests[3]!.body).slice(-3, -1)).toEqual([
      "function:lookup_ticket",
      "namespace:ide",
    ]);
    // So does a fork.
    const forked = await other.request("thread/fork", { threadId });
    fx.model.enqueue(textTurn("forked"));
    const { turn: onFork } = await other.request("turn/start", {
      threadId: forked.thread.id,
      input: text("fork"),
    });
    await turnCompleted(other, onFork.id);
    expect(toolNames(fx.model.requests[4]!.body).slice(-3, -1)).toEqual([
      "function:lookup_ticket",
      "namespace:ide",
    ]);
  });
  it("an interrupt completes a pending call as failed, without content", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    const threadId = await startThread(fx, peer, { dynamicTools: [dynamicTools[0]] });
    fx.model.enqueue(turn([functionCall("lookup_ticket", { id: "T-9" }, "call_a")]));
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("go") });
    await peer.serverRequest("item/tool/call");
    await peer.request("turn/interrupt", { threadId, turnId: t.id });
    const completed = await peer.notification("item/completed", (p) => p.item.id === "call_a");
    expect(completed.params.item).toMatchObject({ status: "failed", contentItems: [], success: false });
    expect((await turnCompleted(peer, t.id)).params.turn.status).toBe("interrupted");
  });
});

describe("dynamic tools Codex refuses at thread/start", () => {
  const schema = { type: "object", properties: {} };
  const fn = (name: string, extra: Record<string, unknown> = {}) => ({
    type: "function",
    name,
    description: "d",
    inputSchema: schema,
    ...extra,
  });
  const legacy = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    description: "d",
    inputSchema: schema,
    ...extra,
  });
  const ns = (name: string, tools: unknown[]) => ({ type: "namespace", name, description: "d", tools });
  // Each answer is what Codex 0.169's app-server said to the same thread/start.
  const refused: [unknown[], string][] = [
    [[legacy("a"), legacy("a")], "duplicate dynamic tool name: a"],
    [[fn("")], "dynamic tool name must not be empty"],
    [[fn(" a")], "dynamic tool name has leading/trailing whitespace:  a"],
    [[fn("mcp__x")], "dynamic tool name is reserved: mcp__x"],
    [[fn("mcp")], "dynamic tool name is reserved: mcp"],
    [[fn("a b")], "dynamic tool name must match ^[a-zA-Z0-9_-]+$ to match Responses API: a b"],
    [
      [legacy("a", { inputSchema: 5 })],
      "dynamic tool input schema is not supported for a: invalid type: number, expected struct JsonSchema",
    ],
    [[ns("ns", [fn("a"), fn("a")])], "duplicate dynamic tool name in namespace ns: a"],
    [[ns("ns", [])], "dynamic tool namespace must contain at least one tool: ns"],
    [[ns("", [fn("a")])], "dynamic tool namespace must not be empty"],
    [
      [ns("a b", [fn("a")])],
      "dynamic tool namespace must match ^[a-zA-Z0-9_-]+$ to match Responses API: a b",
    ],
    [[ns("mcp__x", [fn("a")])], "dynamic tool namespace is reserved: mcp__x"],
    [[ns("ns", [fn("a")]), ns("ns", [fn("b")])], "duplicate dynamic tool namespace: ns"],
    [
      [ns("ns", [fn("a")]), legacy("b")],
      "Invalid request: dynamic tools must use either canonical or legacy format consistently",
    ],
    [
      [ns("ns", [legacy("a")])],
      "Invalid request: dynamic tools must use either canonical or legacy format consistently",
    ],
    [
      [legacy("a", { namespace: "ns" }), legacy("a", { namespace: "ns" })],
      "duplicate dynamic tool name in namespace ns: a",
    ],
    [
      [legacy("a", { namespace: "a b" })],
      "dynamic tool namespace must match ^[a-zA-Z0-9_-]+$ to match Responses API: a b",
    ],
  ];
  const accepted: unknown[][] = [
    [ns("a", [fn("a")]), fn("a")],
    [legacy("a", { namespace: "ns" }), legacy("a")],
    [ns("ns", [fn("a", { deferLoading: true })])],
    [fn("Lookup-ticket_2")],
  ];

  it("refuses each bad declaration with Codex's message, and starts no thread", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    for (const [dynamicTools, message] of refused) {
      await expect(peer.request("thread/start", { cwd: fx.workspace, dynamicTools })).rejects.toThrow(
        `thread/start: ${message}`,
      );
    }
    expect(peer.received.filter((m) => m.method === "thread/started")).toEqual([]);
  });

  it("accepts what Codex accepts", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    for (const dynamicTools of accepted) {
      const { thread } = await peer.request("thread/start", { cwd: fx.workspace, dynamicTools });
      expect(thread.id).toEqual(expect.any(String));
    }
  });
});

describe("collaboration modes", () => {
  it("collaborationMode/list returns Codex's presets", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    expect(await peer.request("collaborationMode/list", {})).toEqual({
      data: [
        { name: "Plan", mode: "plan", model: null, reasoning_effort: "medium" },
        { name: "Default", mode: "default", model: null, reasoning_effort: null },
      ],
    });
  });

  it("plan mode adds its instructions once, persists, and a switch to Default says so", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    const threadId = await startThread(fx, peer);
    fx.model.enqueue(textTurn("one"), textTurn("two"), textTurn("three"), textTurn("four"));
    const run = async (params: Record<string, unknown>) => {
      const { turn: t } = await peer.request("turn/start", { threadId, input: text("go"), ...params });
      await turnCompleted(peer, t.id);
    };
    await run({});
    await run({ collaborationMode: { ...PLAN, settings: { ...PLAN.settings, reasoning_effort: "high" } } });
    await run({});
    await run({ collaborationMode: DEFAULT });
    const [plain, plan, stays, back] = fx.model.requests.map((r) => r.body);

    expect(modeBlocks(developerParts(plain))).toEqual([]);
    const planBlocks = modeBlocks(developerParts(plan));
    expect(planBlocks).toHaveLength(1);
    expect(planBlocks[0]).toContain("Plan mode");
    expect(planBlocks[0]).toContain("request_user_input");
    expect(planBlocks[0]).toContain("<proposed_plan>");
    expect(plan.reasoning).toMatchObject({ effort: "high" });
    // The mode and its effort stay for later turns; the block is not repeated.
    expect(modeBlocks(developerParts(stays))).toEqual(planBlocks);
    expect(stays.reasoning).toMatchObject({ effort: "high" });
    const backBlocks = modeBlocks(developerParts(back));
    expect(backBlocks).toHaveLength(2);
    expect(backBlocks[1]).toContain("Default mode");
    expect(backBlocks[1]).not.toContain("<proposed_plan>");
  });

  it("a thread resumed in a new server is still in Plan mode", async () => {
    const fx = await fixture();
    const first = stdioServer(fx, "first");
    const threadId = await startThread(fx, first.peer);
    fx.model.enqueue(textTurn("planned"));
    const { turn: t } = await first.peer.request("turn/start", {
      threadId,
      input: text("go"),
      collaborationMode: PLAN,
    });
    await turnCompleted(first.peer, t.id);
    first.peer.close();
    await first.exited;

    const { peer } = stdioServer(fx, "second");
    await peer.initialize();
    await peer.request("thread/resume", { threadId });
    fx.model.enqueue(turn([functionCall("request_user_input", QUESTIONS, "call_q")]), textTurn("ok"));
    const { turn: next } = await peer.request("turn/start", { threadId, input: text("more") });
    const request = await peer.serverRequest("item/tool/requestUserInput");
    peer.send({ id: request.id, result: { answers: {} } });
    await turnCompleted(peer, next.id);
    // The model already knows the mode: its block is not sent again.
    expect(modeBlocks(developerParts(fx.model.requests[1]!.body))).toHaveLength(1);
  });

  it("config developer_instructions reach the model once, not again as mode instructions", async () => {
    const fx = await fixture({ topLevel: { developer_instructions: "Be brief." } });
    const { peer } = stdioServer(fx);
    const threadId = await startThread(fx, peer);
    fx.model.enqueue(textTurn("one"));
    const { turn: t } = await peer.request("turn/start", { threadId, input: text("go") });
    await turnCompleted(peer, t.id);
    const parts = developerParts(fx.model.requests[0]!.body);
    expect(parts.filter((p) => p.includes("Be brief."))).toEqual(["Be brief."]);
  });

  it("a client's own mode instructions replace the built-in text", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    const threadId = await startThread(fx, peer);
    fx.model.enqueue(textTurn("one"));
    const custom = {
      ...PLAN,
      settings: { ...PLAN.settings, developer_instructions: "Only plan, in haiku." },
    };
    const { turn: t } = await peer.request("turn/start", {
      threadId,
      input: text("go"),
      collaborationMode: custom,
    });
    await turnCompleted(peer, t.id);
    expect(modeBlocks(developerParts(fx.model.requests[0]!.body))).toEqual([
      "<collaboration_mode>Only plan, in haiku.</collaboration_mode>",
    ]);
  });
});
