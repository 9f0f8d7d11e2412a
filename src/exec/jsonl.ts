import type { EventMsg } from "../protocol/events.js";
import { joinShellWords } from "../tools/shell-words.js";
import type { ThreadEvent, ThreadItem, Usage } from "../protocol/exec-events.js";

type McpEnd = Extract<EventMsg, { type: "mcp_tool_call_end" }>;

/** Codex exec's `mcp_tool_call` item (spec mcp.md §8): status as the v2 item's, in snake case. */
function mcpItem(id: string, invocation: McpEnd["invocation"], result: McpEnd["result"] | null): ThreadItem {
  const ok = result && "Ok" in result ? result.Ok : null;
  const err = result && "Err" in result ? result.Err : null;
  return {
    id,
    type: "mcp_tool_call",
    server: invocation.server,
    tool: invocation.tool,
    arguments: invocation.arguments ?? null,
    result: ok
      ? {
          content: Array.isArray(ok.content) ? ok.content : [],
          structured_content: ok.structuredContent ?? null,
        }
      : null,
    error: err === null ? null : { message: err },
    status: result === null ? "in_progress" : ok !== null && ok.isError !== true ? "completed" : "failed",
  };
}

/**
 * Maps the session's event stream to the `--json` thread events, as Codex exec does: item ids
 * are `item_<n>` in order of appearance; agent messages and reasoning arrive only as completed
 * items; a command is started at `exec_command_begin` and completed at its end; a patch is one
 * completed `file_change`; a hosted web search is started and completed as a `web_search`; the
 * plan is a `todo_list` that completes with the turn; an `error`
 * event makes the turn end as `turn.failed`.
 */
export class ThreadEventMapper {
  private counter = 0;
  private readonly commands = new Map<string, string>();
  /** MCP calls between begin and end: their item ids. */
  private readonly mcpCalls = new Map<string, string>();
  /** Searches whose item number is taken (between begin and end). */
  private readonly searches = new Set<string>();
  private todo: { id: string; items: { text: string; completed: boolean }[] } | null = null;
  private usage: Usage = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0 };
  private turnError: string | null = null;
  /** Between task_started and the turn's end; Codex prints no item events outside a turn. */
  private turnOpen = false;

  private nextId(): string {
    return `item_${this.counter++}`;
  }

  map(msg: EventMsg): ThreadEvent[] {
    switch (msg.type) {
      case "session_configured":
        return [{ type: "thread.started", thread_id: msg.session_id }];
      case "task_started":
        this.turnError = null;
        this.turnOpen = true;
        return [{ type: "turn.started" }];
      case "item_completed":
        return this.completedItem(msg.item);
      case "exec_command_begin": {
        const id = this.nextId();
        this.commands.set(msg.call_id, id);
        const item: ThreadItem = {
          id,
          type: "command_execution",
          command: joinShellWords(msg.command),
          aggregated_output: "",
          exit_code: null,
          status: "in_progress",
        };
        return [{ type: "item.started", item }];
      }
      case "exec_command_end": {
        const known = this.commands.get(msg.call_id);
        this.commands.delete(msg.call_id);
        // A session still running when the turn ended is killed on exit: Codex reports nothing.
        if (!this.turnOpen && known !== undefined) return [];
        const id = known ?? this.nextId();
        // "failed" also with exit code 0: the sandbox's check after the command can fail it.
        const status =
          msg.status === "declined"
            ? "declined"
            : msg.exit_code === 0 && msg.status !== "failed"
              ? "completed"
              : "failed";
        const item: ThreadItem = {
          id,
          type: "command_execution",
          command: joinShellWords(msg.command),
          aggregated_output: msg.aggregated_output ?? "",
          exit_code: msg.exit_code,
          status,
        };
        return [{ type: "item.completed", item }];
      }
      case "patch_apply_end": {
        const changes = Object.entries(msg.changes ?? {}).map(([path, change]) => {
          const kind: "add" | "delete" | "update" =
            change.type === "add" ? "add" : change.type === "delete" ? "delete" : "update";
          return { path, kind };
        });
        const item: ThreadItem = {
          id: this.nextId(),
          type: "file_change",
          changes,
          status: msg.success ? "completed" : "failed",
        };
        return [{ type: "item.completed", item }];
      }
      case "plan_update": {
        const items = msg.plan.map((step) => ({ text: step.step, completed: step.status === "completed" }));
        if (this.todo) {
          this.todo.items = items;
          return [{ type: "item.updated", item: { id: this.todo.id, type: "todo_list", items } }];
        }
        this.todo = { id: this.nextId(), items };
        return [{ type: "item.started", item: { id: this.todo.id, type: "todo_list", items } }];
      }
      case "token_count": {
        const total = msg.info?.total_token_usage;
        if (total) {
          this.usage = {
            input_tokens: total.input_tokens,
            cached_input_tokens: total.cached_input_tokens,
            output_tokens: total.output_tokens,
          };
        }
        return [];
      }
      case "web_search_begin":
        this.searches.add(msg.call_id);
        this.nextId();
        return [{ type: "item.started", item: this.webSearchItem(msg.call_id, "", { type: "other" }) }];
      case "web_search_end": {
        const action = (msg.action ?? { type: "other" }) as { type: string };
        if (!this.searches.delete(msg.call_id)) this.nextId();
        return [{ type: "item.completed", item: this.webSearchItem(msg.call_id, msg.query ?? "", action) }];
      }
      case "mcp_tool_call_begin": {
        const id = this.nextId();
        this.mcpCalls.set(msg.call_id, id);
        return [{ type: "item.started", item: mcpItem(id, msg.invocation, null) }];
      }
      case "mcp_tool_call_end": {
        const id = this.mcpCalls.get(msg.call_id) ?? this.nextId();
        this.mcpCalls.delete(msg.call_id);
        return [{ type: "item.completed", item: mcpItem(id, msg.invocation, msg.result) }];
      }
      case "warning":
        return [this.errorItem(msg.message)];
      case "deprecation_notice":
        return [this.errorItem(msg.details ? `${msg.summary} (${msg.details})` : msg.summary)];
      case "error":
        this.turnError = msg.message;
        return [{ type: "error", message: msg.message }];
      case "task_complete": {
        this.turnOpen = false;
        const events = this.closeTodo();
        events.push(
          this.turnError === null
            ? { type: "turn.completed", usage: { ...this.usage } }
            : { type: "turn.failed", error: { message: this.turnError } },
        );
        return events;
      }
      case "turn_aborted":
        this.turnOpen = false;
        return this.closeTodo();
      default:
        return [];
    }
  }

  private completedItem(item: Extract<EventMsg, { type: "item_completed" }>["item"]): ThreadEvent[] {
    const turnItem = item as { type: string; text?: string; summary_text?: string[] };
    if (turnItem.type === "agent_message") {
      return [
        {
          type: "item.completed",
          item: { id: this.nextId(), type: "agent_message", text: turnItem.text ?? "" },
        },
      ];
    }
    if (turnItem.type === "reasoning") {
      const text = (turnItem.summary_text ?? []).join("\n");
      if (text.trim() === "") return [];
      return [{ type: "item.completed", item: { id: this.nextId(), type: "reasoning", text } }];
    }
    return [];
  }

  /**
   * Codex writes a search's item with two `id` keys, `item_<n>` and then the search's own id;
   * a JSON reader keeps the last, so the search id is what consumers see. The number is used up
   * all the same (once per search), so later items keep Codex's numbering.
   */
  private webSearchItem(callId: string, query: string, action: { type: string }): ThreadItem {
    return { id: callId, type: "web_search", query, action };
  }

  private errorItem(message: string): ThreadEvent {
    return { type: "item.completed", item: { id: this.nextId(), type: "error", message } };
  }

  private closeTodo(): ThreadEvent[] {
    if (!this.todo) return [];
    const done: ThreadEvent = {
      type: "item.completed",
      item: { id: this.todo.id, type: "todo_list", items: this.todo.items },
    };
    this.todo = null;
    return [done];
  }
}
