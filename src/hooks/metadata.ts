import { eventCamel } from "./events.js";
import type { HookDefinition } from "./types.js";

/** A discovered hook as v2 `HookMetadata` (hooks/list). */
export function hookMetadata(hook: HookDefinition) {
  return {
    key: hook.key,
    eventName: eventCamel(hook.event),
    ...(hook.mcp
      ? { handlerType: "mcpTool" as const, server: hook.mcp.server, tool: hook.mcp.tool }
      : { handlerType: "command" as const, command: hook.command, async: hook.async }),
    matcher: hook.matcher,
    timeoutSec: hook.timeoutSec,
    statusMessage: hook.statusMessage,
    additionalContextLimit: hook.additionalContextLimit,
    sourcePath: hook.sourcePath,
    source: hook.source,
    pluginId: null,
    environmentId: null,
    displayOrder: hook.displayOrder,
    enabled: hook.enabled,
    isManaged: hook.isManaged,
    currentHash: hook.currentHash,
    trustStatus: hook.trustStatus,
  };
}
