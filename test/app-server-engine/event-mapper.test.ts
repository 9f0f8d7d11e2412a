import { describe, expect, it } from "vitest";
import { EventMapper, type MapperOutput } from "../../src/app-server/engine/event-mapper.js";
import type { EventMsg, EventMsgType } from "../../src/protocol/events.js";
import { serverNotifications } from "../../src/protocol/v2/registry.js";

/** The event → notification mapping in isolation (the e2e tests check it on the wire). */

const T = "turn-1";
const THREAD = "thread-1";
const base = { turn_id: T };
const changes = { "/w/a.txt": { type: "add" as const, content: "a\n" } };

/** One event of every kind: the Record type makes the compiler insist on completeness. */
const samples: Record<EventMsgType, EventMsg> = {
  session_configured: {
    type: "session_configured",
    session_id: THREAD,
    forked_from_id: null,
    thread_name: null,
    model: "m",
    model_provider_id: "p",
    service_tier: null,
    approval_policy: "on-request",
    approvals_reviewer: "user",
    sandbox_policy: { type: "danger-full-access" },
    permission_profile: { network: null, file_system: null },
    cwd: "/w",
    reasoning_effort: null,
    history_log_id: 0,
    history_entry_count: 0,
    initial_messages: null,
    rollout_path: null,
  } as EventMsg,
  warning: { type: "warning", message: "careful" },
  entered_review_mode: {
    type: "entered_review_mode",
    target: { type: "uncommittedChanges" },
    user_facing_hint: "current changes",
  },
  exited_review_mode: { type: "exited_review_mode", review_output: null },
  deprecation_notice: { type: "deprecation_notice", summary: "old", details: null },
  task_started: { type: "task_started", ...base, started_at: 100 },
  user_message: { type: "user_message", message: "hi" },
  item_started: {
    type: "item_started",
    thread_id: THREAD,
    turn_id: T,
    item: { type: "agent_message", id: "msg", text: "", phase: null },
  },
  agent_message_delta: { type: "agent_message_delta", item_id: "msg", delta: "he" },
  agent_message: { type: "agent_message", message: "hello" },
  item_completed: {
    type: "item_completed",
    thread_id: THREAD,
    turn_id: T,
    item: { type: "agent_message", id: "msg", text: "hello", phase: "final_answer" },
  },
  agent_reasoning_section_break: { type: "agent_reasoning_section_break", item_id: "rs", summary_index: 0 },
  agent_reasoning_delta: { type: "agent_reasoning_delta", item_id: "rs", summary_index: 0, delta: "think" },
  agent_reasoning: { type: "agent_reasoning", text: "think" },
  agent_reasoning_raw_content_delta: {
    type: "agent_reasoning_raw_content_delta",
    item_id: "rs",
    content_index: 0,
    delta: "raw",
  },
  agent_reasoning_raw_content: { type: "agent_reasoning_raw_content", text: "raw" },
  token_count: {
    type: "token_count",
    info: {
      total_token_usage: {
        input_tokens: 3,
        cached_input_tokens: 0,
        output_tokens: 2,
        reasoning_output_tokens: 0,
        total_tokens: 5,
      },
      last_token_usage: {
        input_tokens: 3,
        cached_input_tokens: 0,
        output_tokens: 2,
        reasoning_output_tokens: 0,
        total_tokens: 5,
      },
      model_context_window: 1000,
    },
    rate_limits: { primary: { used_percent: 12.6, window_minutes: 300, resets_at: 5 }, secondary: null },
  },
  exec_command_begin: {
    type: "exec_command_begin",
    call_id: "c1",
    ...base,
    command: ["/bin/bash", "-lc", "ls"],
    cwd: "/w",
    parsed_cmd: [{ type: "list_files", cmd: "ls", path: null }],
    source: "agent",
  },
  exec_approval_request: {
    type: "exec_approval_request",
    call_id: "c1",
    ...base,
    command: ["/bin/bash", "-lc", "ls"],
    cwd: "/w",
    parsed_cmd: [],
    available_decisions: ["approved", "denied"],
  },
  exec_command_output_delta: {
    type: "exec_command_output_delta",
    call_id: "c1",
    stream: "stdout",
    chunk: "a.txt\n",
  },
  exec_command_end: {
    type: "exec_command_end",
    call_id: "c1",
    ...base,
    command: ["/bin/bash", "-lc", "ls"],
    cwd: "/w",
    aggregated_output: "a.txt\n",
    exit_code: 0,
    duration: { secs: 1, nanos: 500_000_000 },
    status: "completed",
  },
  terminal_interaction: { type: "terminal_interaction", call_id: "c1", process_id: "4242", stdin: "y\n" },
  apply_patch_approval_request: { type: "apply_patch_approval_request", call_id: "p1", ...base, changes },
  request_permissions: {
    type: "request_permissions",
    call_id: "r1",
    ...base,
    cwd: "/w",
    permissions: { network: { enabled: true }, file_system: null },
  },
  request_user_input: {
    type: "request_user_input",
    call_id: "q1",
    ...base,
    questions: [
      {
        id: "a",
        header: "A",
        question: "A?",
        isOther: true,
        isSecret: false,
        options: [{ label: "x", description: "y" }],
      },
    ],
  },
  dynamic_tool_call_request: {
    type: "dynamic_tool_call_request",
    call_id: "d1",
    ...base,
    namespace: null,
    tool: "t",
    arguments: { a: 1 },
  },
  dynamic_tool_call_response: {
    type: "dynamic_tool_call_response",
    call_id: "d1",
    ...base,
    namespace: null,
    tool: "t",
    arguments: { a: 1 },
    content_items: [{ type: "input_text", text: "ok" }],
    success: true,
    duration: { secs: 0, nanos: 5_000_000 },
  },
  patch_apply_begin: { type: "patch_apply_begin", call_id: "p1", ...base, auto_approved: false, changes },
  patch_apply_end: { type: "patch_apply_end", call_id: "p1", ...base, success: true, status: "completed" },
  turn_diff: { type: "turn_diff", unified_diff: "+a" },
  plan_update: { type: "plan_update", explanation: null, plan: [{ step: "one", status: "in_progress" }] },
  stream_error: { type: "stream_error", message: "Reconnecting... 1/5", additional_details: "reset" },
  context_compacted: { type: "context_compacted" },
  thread_name_updated: { type: "thread_name_updated", thread_id: THREAD, thread_name: "Named" },
  error: { type: "error", message: "boom" },
  task_complete: { type: "task_complete", ...base, completed_at: 101, duration_ms: 1000 },
  turn_aborted: { type: "turn_aborted", ...base, reason: "interrupted" },
  shutdown_complete: { type: "shutdown_complete" },
  web_search_begin: { type: "web_search_begin", call_id: "ws_1" },
  web_search_end: {
    type: "web_search_end",
    call_id: "ws_1",
    query: "weather",
    action: { type: "find_in_page", url: "https://e.com", pattern: "rain" },
  },
  view_image_tool_call: { type: "view_image_tool_call", call_id: "call-img", path: "/w/a.png" },
  mcp_startup_update: { type: "mcp_startup_update", server: "docs", status: { state: "starting" } },
  mcp_startup_complete: { type: "mcp_startup_complete", ready: ["docs"], failed: [], cancelled: [] },
  mcp_tool_call_begin: {
    type: "mcp_tool_call_begin",
    call_id: "call-mcp",
    invocation: { server: "docs", tool: "echo", arguments: { text: "hi" } },
  },
  mcp_tool_call_end: {
    type: "mcp_tool_call_end",
    call_id: "call-mcp",
    invocation: { server: "docs", tool: "echo", arguments: { text: "hi" } },
    duration: { secs: 0, nanos: 5_000_000 },
    result: { Ok: { content: [{ type: "text", text: "hi" }] } },
  },
  elicitation_request: {
    type: "elicitation_request",
    server_name: "docs",
    id: "elicit-1",
    turn_id: T,
    request: { mode: "form", message: "Name?", requestedSchema: { type: "object", properties: {} } },
  },
  hook_started: { type: "hook_started", turn_id: T, run: hookRun("running") },
  hook_completed: { type: "hook_completed", turn_id: T, run: hookRun("completed") },
};

function hookRun(status: "running" | "completed") {
  return {
    id: "pre-tool-use:0:/h/hooks.json:call-1",
    eventName: "preToolUse",
    handlerType: "command" as const,
    executionMode: "sync" as const,
    scope: "turn" as const,
    sourcePath: "/h/hooks.json",
    source: "user",
    displayOrder: 0,
    status,
    statusMessage: null,
    startedAt: 1,
    completedAt: status === "running" ? null : 2,
    durationMs: status === "running" ? null : 5,
    entries: status === "running" ? [] : [{ kind: "context" as const, text: "ctx" }],
  };
}

const notifications = (outputs: MapperOutput[]) =>
  outputs.flatMap((o) => (o.kind === "notify" || o.kind === "broadcast" ? [o.notification] : []));

describe("EventMapper", () => {
  it("maps every event kind to valid v2 notifications", () => {
    const mapper = new EventMapper(THREAD, () => 1_000);
    const all: MapperOutput[] = [];
    for (const msg of Object.values(samples)) {
      if (msg.type === "turn_aborted") continue; // the turn already completed
      all.push(...mapper.map({ id: T, msg }), ...mapper.flushStash());
    }
    for (const n of notifications(all)) {
      const spec = (
        serverNotifications as unknown as Record<string, { params: { parse(v: unknown): unknown } }>
      )[n.method];
      expect(() => spec!.params.parse(n.params), n.method).not.toThrow();
    }
    const methods = notifications(all).map((n) => n.method);
    for (const method of [
      "warning",
      "deprecationNotice",
      "turn/started",
      "item/started",
      "item/agentMessage/delta",
      "item/completed",
      "item/reasoning/summaryPartAdded",
      "item/reasoning/summaryTextDelta",
      "item/reasoning/textDelta",
      "thread/tokenUsage/updated",
      "account/rateLimits/updated",
      "item/commandExecution/outputDelta",
      "turn/diff/updated",
      "turn/plan/updated",
      "error",
      "thread/compacted",
      "thread/name/updated",
      "turn/completed",
    ]) {
      expect(methods, method).toContain(method);
    }
    const completedTurn = notifications(all).find((n) => n.method === "turn/completed")!;
    expect(completedTurn.params).toMatchObject({ turn: { status: "failed", error: { message: "boom" } } });
    const command = notifications(all).find(
      (n) => n.method === "item/completed" && n.params.item.type === "commandExecution",
    );
    expect(command!.params).toMatchObject({
      item: {
        command: "/bin/bash -lc ls",
        commandActions: [{ type: "listFiles", command: "ls", path: null }],
        durationMs: 1500,
      },
    });
    const limits = notifications(all).find((n) => n.method === "account/rateLimits/updated")!;
    expect(limits.params).toMatchObject({
      rateLimits: { primary: { usedPercent: 13, windowDurationMins: 300 } },
    });
    expect(all.filter((o) => o.kind === "approval")).toHaveLength(3);
  });

  it("puts an exec item's start after the approval's status change, and releases it otherwise", () => {
    const mapper = new EventMapper(THREAD);
    mapper.map({ id: T, msg: samples.task_started });
    expect(mapper.map({ id: T, msg: samples.exec_command_begin })).toEqual([]);
    const approval = mapper.map({ id: T, msg: samples.exec_approval_request });
    expect(approval).toHaveLength(1);
    expect(approval[0]).toMatchObject({ kind: "approval", itemStarted: { method: "item/started" } });

    const other = new EventMapper(THREAD);
    other.map({ id: T, msg: samples.task_started });
    other.map({ id: T, msg: samples.exec_command_begin });
    const delta = notifications(other.map({ id: T, msg: samples.exec_command_output_delta }));
    expect(delta.map((n) => n.method)).toEqual(["item/started", "item/commandExecution/outputDelta"]);
  });

  it("reports a failure at the turn's end: status, error, turn/completed, then withdrawal", () => {
    const mapper = new EventMapper(THREAD);
    mapper.map({ id: T, msg: samples.task_started });
    expect(mapper.map({ id: T, msg: samples.error })).toEqual([]);
    const end = mapper.map({ id: T, msg: samples.task_complete });
    expect(end.map((o) => (o.kind === "notify" ? o.notification.method : o.kind))).toEqual([
      "turnEnded",
      "error",
      "turn/completed",
      "turnFinished",
    ]);
    expect(end[0]).toEqual({ kind: "turnEnded", turnId: T, failed: true });
  });

  it("echoes the client's own input (text elements, client id) in the userMessage item", () => {
    const mapper = new EventMapper(THREAD);
    const input = [
      {
        type: "text" as const,
        text: "hi @x",
        text_elements: [{ byteRange: { start: 3, end: 5 }, placeholder: "@x" }],
      },
    ];
    mapper.expectInput(input, "client-1");
    const item = {
      type: "user_message" as const,
      id: "u1",
      content: [{ type: "text" as const, text: "hi @x" }],
    };
    const [started] = notifications(
      mapper.map({ id: T, msg: { type: "item_started", thread_id: THREAD, turn_id: T, item } }),
    );
    expect(started!.params).toMatchObject({
      item: { type: "userMessage", content: input, clientId: "client-1" },
    });
  });
});
