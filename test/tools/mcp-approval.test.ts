import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { McpApprovalMode, McpTool } from "../../src/mcp/types.js";
import type { AskForApproval, SandboxPolicy } from "../../src/protocol/permissions.js";
import {
  MCP_APPROVAL_NEVER_TEXT,
  mcpApprovalDecision,
  mcpToolNeedsApproval,
} from "../../src/tools/mcp-approval.js";

/** The approval matrix of spec mcp.md §5, cell by cell, and its invariants. */

const WRITE: SandboxPolicy = { type: "workspace-write" } as SandboxPolicy;
const READ: SandboxPolicy = { type: "read-only" } as SandboxPolicy;
const FULL: SandboxPolicy = { type: "danger-full-access" };

const decide = (
  mode: McpApprovalMode,
  annotations: McpTool["annotations"],
  approvalPolicy: AskForApproval,
  sandboxPolicy: SandboxPolicy,
  approvedForSession = false,
) => mcpApprovalDecision({ mode, annotations, approvalPolicy, sandboxPolicy, approvedForSession });

describe("mcpToolNeedsApproval (Codex's annotation rule)", () => {
  it.each([
    [undefined, true],
    [{}, true],
    [{ readOnlyHint: true }, false],
    [{ readOnlyHint: true, destructiveHint: true }, false],
    [{ destructiveHint: true }, true],
    [{ destructiveHint: false }, true],
    [{ openWorldHint: false }, true],
    [{ destructiveHint: false, openWorldHint: false }, false],
    [{ destructiveHint: false, openWorldHint: true }, true],
  ])("%j ⇒ %s", (annotations, needs) => {
    expect(mcpToolNeedsApproval(annotations)).toBe(needs);
  });
});

describe("mcpApprovalDecision", () => {
  const risky = { destructiveHint: true };
  const readOnly = { readOnlyHint: true };

  it("auto mode, a tool that needs approval: prompt / refuse / run", () => {
    for (const policy of ["untrusted", "on-request", "on-failure"] as const)
      expect(decide("auto", risky, policy, WRITE)).toEqual({ kind: "prompt", persist: true });
    expect(decide("auto", risky, "never", WRITE)).toEqual({ kind: "deny", message: MCP_APPROVAL_NEVER_TEXT });
    expect(decide("auto", risky, "never", READ)).toEqual({ kind: "deny", message: MCP_APPROVAL_NEVER_TEXT });
    expect(decide("auto", risky, "never", FULL)).toEqual({ kind: "run" });
  });

  it("auto mode, a read-only tool: runs everywhere", () => {
    for (const policy of ["untrusted", "on-request", "never"] as const)
      for (const sandbox of [WRITE, READ, FULL])
        expect(decide("auto", readOnly, policy, sandbox).kind).toBe("run");
  });

  it("prompt mode asks even for read-only tools, without persist; never refuses in a sandbox", () => {
    expect(decide("prompt", readOnly, "on-request", WRITE)).toEqual({ kind: "prompt", persist: false });
    expect(decide("prompt", readOnly, "on-request", WRITE, true)).toEqual({ kind: "prompt", persist: false });
    expect(decide("prompt", readOnly, "never", WRITE).kind).toBe("deny");
    expect(decide("prompt", readOnly, "never", FULL).kind).toBe("run");
  });

  it("a session approval skips the prompt in auto mode", () => {
    expect(decide("auto", risky, "on-request", WRITE, true)).toEqual({ kind: "run" });
  });

  it("granular policy without mcp_elicitations behaves like never", () => {
    const granular: AskForApproval = {
      granular: {
        sandbox_approval: true,
        rules: true,
        skill_approval: false,
        request_permissions: false,
        mcp_elicitations: false,
      },
    };
    expect(decide("auto", risky, granular, WRITE).kind).toBe("deny");
    expect(
      decide("auto", risky, { granular: { ...granular.granular, mcp_elicitations: true } }, WRITE).kind,
    ).toBe("prompt");
  });

  it("invariants: approve always runs; a prompt only when the policy may ask; never prompts under never", () => {
    const hint = fc.option(fc.boolean(), { nil: undefined });
    fc.assert(
      fc.property(
        fc.constantFrom<McpApprovalMode>("auto", "prompt", "approve"),
        fc.record({ readOnlyHint: hint, destructiveHint: hint, openWorldHint: hint }, { requiredKeys: [] }),
        fc.constantFrom<AskForApproval>("untrusted", "on-request", "on-failure", "never"),
        fc.constantFrom(WRITE, READ, FULL),
        fc.boolean(),
        (mode, annotations, policy, sandbox, session) => {
          const d = decide(mode, annotations, policy, sandbox, session);
          if (mode === "approve") expect(d.kind).toBe("run");
          if (policy === "never") expect(d.kind).not.toBe("prompt");
          if (sandbox.type === "danger-full-access") expect(d.kind).not.toBe("deny");
          if (d.kind === "prompt") expect(d.persist).toBe(mode === "auto");
          if (mode === "auto" && !mcpToolNeedsApproval(annotations)) expect(d.kind).toBe("run");
        },
      ),
    );
  });
});
