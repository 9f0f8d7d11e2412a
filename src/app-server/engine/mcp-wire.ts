import type { McpElicitationResult } from "../../mcp/types.js";
import type { EventMsgOf } from "../../protocol/events.js";
import type { ServerRequestResult } from "../../protocol/v2/registry.js";
import type { AnyRequest } from "./approvals.js";

/**
 * MCP questions over the wire (spec mcp.md §5, §6): an `elicitation_request` becomes the
 * `mcpServer/elicitation/request` server request and its answer the MCP elicitation result.
 */

type JsonObject = Record<string, unknown>;

export function elicitationServerRequest(
  event: EventMsgOf<"elicitation_request">,
  threadId: string,
): AnyRequest {
  const r = event.request as JsonObject;
  const base = {
    threadId,
    turnId: event.turn_id,
    serverName: event.server_name,
    message: event.request.message,
    _meta: (r._meta ?? null) as never,
  };
  if (r.mode === "url") {
    return {
      method: "mcpServer/elicitation/request",
      params: {
        ...base,
        mode: "url",
        url: String(r.url ?? ""),
        elicitationId: String(r.elicitationId ?? ""),
      },
    };
  }
  return {
    method: "mcpServer/elicitation/request",
    params: { ...base, mode: "form", requestedSchema: (r.requestedSchema ?? null) as never },
  };
}

/** The client's answer; content goes back only with `accept`, as the MCP spec wants. */
export function elicitationResultFromV2(
  result: ServerRequestResult<"mcpServer/elicitation/request">,
): McpElicitationResult {
  const content = result.content;
  const meta = result._meta;
  return {
    action: result.action,
    ...(result.action === "accept" && content && typeof content === "object" && !Array.isArray(content)
      ? { content: content as JsonObject }
      : {}),
    ...(meta && typeof meta === "object" && !Array.isArray(meta) ? { _meta: meta as JsonObject } : {}),
  };
}
