import { z } from "zod";

/**
 * The JSONL event stream of `keel exec --json`: the shapes the Codex TypeScript SDK reads from
 * `codex exec --experimental-json` (Codex `exec_events.rs`). One JSON object per line.
 */

export const CommandExecutionStatusSchema = z.enum(["in_progress", "completed", "failed", "declined"]);

export const ThreadItemSchema = z.discriminatedUnion("type", [
  z.object({ id: z.string(), type: z.literal("agent_message"), text: z.string() }),
  z.object({ id: z.string(), type: z.literal("reasoning"), text: z.string() }),
  z.object({
    id: z.string(),
    type: z.literal("command_execution"),
    command: z.string(),
    aggregated_output: z.string(),
    /** null while the command runs (Codex 0.169 sends it so). */
    exit_code: z.number().int().nullable().optional(),
    status: CommandExecutionStatusSchema,
  }),
  z.object({
    id: z.string(),
    type: z.literal("file_change"),
    changes: z.array(z.object({ path: z.string(), kind: z.enum(["add", "delete", "update"]) })),
    status: z.enum(["completed", "failed"]),
  }),
  z.object({
    id: z.string(),
    type: z.literal("todo_list"),
    items: z.array(z.object({ text: z.string(), completed: z.boolean() })),
  }),
  z.object({ id: z.string(), type: z.literal("error"), message: z.string() }),
  z.object({
    id: z.string(),
    type: z.literal("mcp_tool_call"),
    server: z.string(),
    tool: z.string(),
    arguments: z.unknown(),
    result: z.object({ content: z.array(z.unknown()), structured_content: z.unknown() }).nullable(),
    error: z.object({ message: z.string() }).nullable(),
    status: z.enum(["in_progress", "completed", "failed"]),
  }),
  /** `action` as the Responses API reports it (`search`, `open_page`, `find_in_page`, `other`). */
  z.object({
    id: z.string(),
    type: z.literal("web_search"),
    query: z.string(),
    action: z.looseObject({ type: z.string() }),
  }),
]);
export type ThreadItem = z.infer<typeof ThreadItemSchema>;

export const UsageSchema = z.object({
  input_tokens: z.number().int(),
  cached_input_tokens: z.number().int(),
  output_tokens: z.number().int(),
});
export type Usage = z.infer<typeof UsageSchema>;

export const ThreadEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("thread.started"), thread_id: z.string() }),
  z.object({ type: z.literal("turn.started") }),
  z.object({ type: z.literal("turn.completed"), usage: UsageSchema }),
  z.object({ type: z.literal("turn.failed"), error: z.object({ message: z.string() }) }),
  z.object({ type: z.literal("item.started"), item: ThreadItemSchema }),
  z.object({ type: z.literal("item.updated"), item: ThreadItemSchema }),
  z.object({ type: z.literal("item.completed"), item: ThreadItemSchema }),
  z.object({ type: z.literal("error"), message: z.string() }),
]);
export type ThreadEvent = z.infer<typeof ThreadEventSchema>;
