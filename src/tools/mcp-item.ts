/**
 * The v2 `mcpToolCall` item's fields (spec mcp.md §4) from the core events' parts, shared by the
 * live event mapper and the rollout projection (thread/read, resume). An `isError` result
 * fails the item but keeps the result; a call error, timeout or refusal has no result.
 */

type Obj = Record<string, unknown>;

export interface McpItemInput {
  invocation: { server: string; tool: string; arguments?: unknown };
  readOnlyHint?: boolean | null;
  /** null while running; else `{Ok: result}` or `{Err: message}` as the end event carries it. */
  result: { Ok: Obj } | { Err: string } | null;
  durationMs: number | null;
}

export function mcpToolCallItem(id: string, input: McpItemInput) {
  const ok = input.result && "Ok" in input.result ? input.result.Ok : null;
  const err = input.result && "Err" in input.result ? input.result.Err : null;
  const status =
    input.result === null ? "inProgress" : ok !== null && ok.isError !== true ? "completed" : "failed";
  return {
    type: "mcpToolCall" as const,
    id,
    server: input.invocation.server,
    tool: input.invocation.tool,
    status: status as "inProgress" | "completed" | "failed",
    arguments: (input.invocation.arguments ?? null) as never,
    result: ok
      ? {
          content: (Array.isArray(ok.content) ? ok.content : []) as never[],
          structuredContent: (ok.structuredContent ?? null) as never,
          _meta: (ok._meta ?? null) as never,
        }
      : null,
    error: err !== null ? { message: err } : null,
    durationMs: input.durationMs,
    readOnlyHint: input.readOnlyHint ?? null,
    appContext: null,
    mcpAppUi: null,
    pluginId: null,
  };
}
