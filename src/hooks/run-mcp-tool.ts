import type { McpCallToolResult } from "../mcp/types.js";
import type { CommandRun } from "./run-command.js";
import type { McpHookTarget } from "./types.js";

/** Calls a tool on one of the thread's MCP servers (its connection manager's `callTool`). */
export type HookMcpCaller = (
  server: string,
  tool: string,
  args: Record<string, unknown>,
  options: { signal: AbortSignal; timeoutMs: number },
) => Promise<McpCallToolResult>;

/**
 * Runs an `mcp_tool` hook (spec hooks.md §1): the configured tool with its static `input`. The
 * result's text is read like a command's stdout, so one parser decides for both handler kinds;
 * an `isError` result reads like a failed exit, a timeout like a command's.
 */
export async function runHookMcpTool(
  caller: HookMcpCaller | null,
  target: McpHookTarget,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<CommandRun> {
  const run = { exitCode: null, stdout: "", stderr: "", timedOut: false, spawnError: null };
  if (caller === null) return { ...run, spawnError: `MCP server ${target.server} is not available` };
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const result = await caller(target.server, target.tool, target.input, { signal: combined, timeoutMs });
    const text = result.content
      .flatMap((block) => (block.type === "text" && typeof block.text === "string" ? [block.text] : []))
      .join("\n");
    return result.isError ? { ...run, exitCode: 1, stderr: text } : { ...run, exitCode: 0, stdout: text };
  } catch (error) {
    if (timeout.aborted) return { ...run, timedOut: true };
    return { ...run, spawnError: `MCP tool ${target.server}/${target.tool}: ${(error as Error).message}` };
  }
}
