import { rememberedToWire } from "../../session/remembered.js";
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
          data: engine.require(params.threadId).session.rememberedApprovals().map(rememberedToWire),
        })),
      "thread/approvals/revoke": (params) =>
        wire(async () => ({ revoked: engine.require(params.threadId).session.revokeApproval(params.id) })),
    },
  };
}
