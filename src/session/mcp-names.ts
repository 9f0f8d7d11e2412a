import type { McpTool } from "../mcp/types.js";

/** An MCP tool under the names the model sees: its namespace (`mcp__<server>`) and function name. */
export interface QualifiedMcpTool {
  namespace: string;
  name: string;
  tool: McpTool;
}

// TEMPORARY until m13-core's src/mcp/tool-names.ts lands: sanitising only, no collision hashes.
const sanitize = (raw: string) => raw.replace(/[^A-Za-z0-9_]/g, "_");

/** Every tool of the ready servers with its model-facing names (collisions resolved by the core). */
export function qualifyMcpTools(tools: readonly McpTool[]): QualifiedMcpTool[] {
  return tools.map((tool) => ({
    namespace: `mcp__${sanitize(tool.server)}`,
    name: sanitize(tool.name),
    tool,
  }));
}
