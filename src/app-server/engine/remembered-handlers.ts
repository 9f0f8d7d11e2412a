import type { RememberedApproval as WireRemembered } from "../../protocol/v2/remembered-approvals.js";
import type { RememberedApproval } from "../../session/remembered.js";
import type { HandlerModule } from "../router.js";
import type { Engine } from "./engine.js";
import { wire } from "./wire-errors.js";

/**
 * keel-only experimental `thread/approvals/list` and `thread/approvals/revoke`: what a loaded
 * thread's session remembers granting, and forgetting one of those grants.
 */
export function rememberedApprovalHandlers(engine: Engine): HandlerModule {
  return {
    resource: "thread (approvals)",
    handlers: {
      "thread/approvals/list": (params) =>
        wire(async () => ({
          data: engine.require(params.threadId).session.rememberedApprovals().map(toWire),
        })),
      "thread/approvals/revoke": (params) =>
        wire(async () => ({ revoked: engine.require(params.threadId).session.revokeApproval(params.id) })),
    },
  };
}

/** Drops the internal cache key; an amendment lives in default.rules, the rest in the session. */
export function toWire(grant: RememberedApproval): WireRemembered {
  const { id } = grant;
  switch (grant.kind) {
    case "command":
      return {
        kind: "command",
        id,
        command: grant.command,
        cwd: grant.cwd,
        unsandboxed: grant.unsandboxed,
        source: "session",
      };
    case "patch":
      return { kind: "patch", id, path: grant.path, source: "session" };
    case "execpolicyAmendment":
      return { kind: "execpolicyAmendment", id, prefix: grant.prefix, source: "defaultRules" };
    case "mcpTool":
      return { kind: "mcpTool", id, server: grant.server, tool: grant.tool, source: "session" };
  }
}
