import { describe, expect, it } from "vitest";
import { ThreadEventMapper } from "../../src/exec/jsonl.js";
import { ThreadEventSchema } from "../../src/protocol/exec-events.js";
import type { EventMsg } from "../../src/protocol/events.js";

const begin = (callId: string): EventMsg => ({
  type: "exec_command_begin",
  call_id: callId,
  turn_id: "t",
  command: ["bash", "-lc", "rm -rf x"],
  cwd: "/w",
  parsed_cmd: [],
  source: "agent",
});
const end = (callId: string, exit: number, status: string): EventMsg => ({
  type: "exec_command_end",
  call_id: callId,
  command: ["bash", "-lc", "rm -rf x"],
  cwd: "/w",
  aggregated_output: "exec command rejected by user",
  exit_code: exit,
  status,
});

function run(msgs: EventMsg[]) {
  const mapper = new ThreadEventMapper();
  const out = msgs.flatMap((m) => mapper.map(m));
  for (const e of out) expect(ThreadEventSchema.parse(e)).toEqual(e);
  return out;
}

describe("ThreadEventMapper", () => {
  it("a declined command completes with status declined; warnings become error items", () => {
    const out = run([
      { type: "task_started", turn_id: "t" },
      begin("c1"),
      end("c1", -1, "declined"),
      { type: "warning", message: "careful" },
      { type: "deprecation_notice", summary: "old key", details: "use the new one" },
      { type: "task_complete", turn_id: "t", last_agent_message: null },
    ]);
    expect(out).toEqual([
      { type: "turn.started" },
      { type: "item.started", item: expect.objectContaining({ id: "item_0", status: "in_progress" }) },
      {
        type: "item.completed",
        item: {
          id: "item_0",
          type: "command_execution",
          command: "bash -lc 'rm -rf x'",
          aggregated_output: "exec command rejected by user",
          exit_code: -1,
          status: "declined",
        },
      },
      { type: "item.completed", item: { id: "item_1", type: "error", message: "careful" } },
      { type: "item.completed", item: { id: "item_2", type: "error", message: "old key (use the new one)" } },
      { type: "turn.completed", usage: { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0 } },
    ]);
  });

  it("an error makes the turn fail; the next turn starts clean; an aborted turn has no completion", () => {
    const out = run([
      { type: "task_started", turn_id: "t1" },
      { type: "error", message: "boom" },
      { type: "task_complete", turn_id: "t1" },
      { type: "task_started", turn_id: "t2" },
      { type: "plan_update", plan: [{ step: "a", status: "pending" }] },
      { type: "plan_update", plan: [{ step: "a", status: "completed" }] },
      { type: "turn_aborted", turn_id: "t2", reason: "interrupted" },
    ]);
    expect(out.map((e) => e.type)).toEqual([
      "turn.started",
      "error",
      "turn.failed",
      "turn.started",
      "item.started",
      "item.updated",
      "item.completed",
    ]);
    expect(out[2]).toEqual({ type: "turn.failed", error: { message: "boom" } });
    expect(out.at(-1)).toEqual({
      type: "item.completed",
      item: { id: "item_0", type: "todo_list", items: [{ text: "a", completed: true }] },
    });
  });

  it("empty reasoning is skipped; usage is the thread total of the last token count", () => {
    const usage = {
      input_tokens: 10,
      cached_input_tokens: 4,
      output_tokens: 3,
      reasoning_output_tokens: 1,
      total_tokens: 13,
    };
    const out = run([
      {
        type: "item_completed",
        thread_id: "x",
        turn_id: "t",
        item: { type: "reasoning", id: "r", summary_text: [" "], raw_content: [] },
      },
      {
        type: "token_count",
        info: { total_token_usage: usage, last_token_usage: usage, model_context_window: null },
      },
      { type: "task_complete", turn_id: "t" },
    ]);
    expect(out).toEqual([
      { type: "turn.completed", usage: { input_tokens: 10, cached_input_tokens: 4, output_tokens: 3 } },
    ]);
  });
});
