import type { McpApprovalMode, McpServerConfig, McpTool } from "../mcp/types.js";
import type { AskForApproval, SandboxPolicy } from "../protocol/permissions.js";

/**
 * Whether an MCP tool call may run, must ask the user or is refused (spec mcp.md §5, Codex's
 * core/src/mcp_tool_call.rs). Pure: the caller remembers "approved for this session".
 */

export const MCP_APPROVAL_NEVER_TEXT = "MCP tool call requires approval, but approval policy is never";
export const MCP_DECLINED_TEXT = "user rejected MCP tool call";
export const MCP_CANCELLED_TEXT = "user cancelled MCP tool call";

export type McpApprovalDecision =
  | { kind: "run" }
  /** `persist`: the prompt offers "this session" / "always" (not in `prompt` mode). */
  | { kind: "prompt"; persist: boolean }
  | { kind: "deny"; message: string };

type Annotations = McpTool["annotations"];

/**
 * Codex's rule: a read-only tool never asks; otherwise it asks unless it says it is neither
 * destructive nor open-world (a missing hint counts as the risky answer).
 */
export function mcpToolNeedsApproval(annotations: Annotations): boolean {
  if (annotations?.readOnlyHint === true) return false;
  if (annotations?.destructiveHint === true) return true;
  return annotations?.destructiveHint !== false || annotations?.openWorldHint !== false;
}

/** `tools.<tool>.approval_mode`, else the server's `default_tools_approval_mode`. */
export function mcpToolApprovalMode(server: McpServerConfig | undefined, tool: string): McpApprovalMode {
  if (!server) return "auto";
  return server.tools[tool]?.approvalMode ?? server.defaultToolsApprovalMode;
}

/** Whether the approval policy lets keel ask the user about MCP calls and elicitations. */
export function mcpMayAskUser(policy: AskForApproval): boolean {
  if (typeof policy === "string") return policy !== "never";
  return policy.granular.mcp_elicitations;
}

export interface McpApprovalInput {
  mode: McpApprovalMode;
  annotations: Annotations;
  approvalPolicy: AskForApproval;
  sandboxPolicy: SandboxPolicy;
  /** The user already answered "for this session" for this server and tool. */
  approvedForSession: boolean;
}

export function mcpApprovalDecision(input: McpApprovalInput): McpApprovalDecision {
  if (input.mode === "approve") return { kind: "run" };
  if (input.mode === "auto" && !mcpToolNeedsApproval(input.annotations)) return { kind: "run" };
  if (input.mode === "auto" && input.approvedForSession) return { kind: "run" };
  if (!mcpMayAskUser(input.approvalPolicy)) {
    // Nobody can be asked: with no sandbox at all the call runs, else it is refused.
    return input.sandboxPolicy.type === "danger-full-access"
      ? { kind: "run" }
      : { kind: "deny", message: MCP_APPROVAL_NEVER_TEXT };
  }
  return { kind: "prompt", persist: input.mode === "auto" };
}
