import type { EventMsgOf } from "../../protocol/events.js";
import type { McpServerStatusUpdatedNotification } from "../../protocol/v2/misc.js";

/** Core `mcp_startup_update` → v2 `mcpServer/startupStatus/updated` (spec mcp.md §7). */
export function mcpStartupStatusToV2(
  threadId: string,
  msg: EventMsgOf<"mcp_startup_update">,
): McpServerStatusUpdatedNotification {
  const { status } = msg;
  return {
    threadId,
    name: msg.server,
    status: status.state,
    error: status.state === "failed" ? status.error : null,
    // Codex sets this only when stored OAuth credentials were rejected; keel's core does not say so yet.
    failureReason: null,
  };
}
