import { z } from "zod";
import { named } from "./names.js";

/**
 * keel-only (experimental) `thread/approvals/list` and `thread/approvals/revoke`: what a loaded
 * thread's session remembers granting, so a user can see why a command ran without being asked.
 * `source` says where the memory lives: `session` (gone when the thread ends) or `defaultRules`
 * (a line of `$KEEL_HOME/rules/default.rules`, kept across sessions).
 */

const RememberedSourceSchema = z.enum(["session", "defaultRules"]);

export const RememberedApprovalSchema = named(
  "RememberedApproval",
  z.discriminatedUnion("kind", [
    z.object({
      kind: z.literal("command"),
      id: z.string(),
      /** The exact argv approved; a later call matches with the same argv and cwd. */
      command: z.array(z.string()),
      cwd: z.string(),
      /** Approved to run outside the sandbox (this also covers running it inside). */
      unsandboxed: z.boolean(),
      source: RememberedSourceSchema,
    }),
    z.object({
      kind: z.literal("patch"),
      id: z.string(),
      path: z.string(),
      source: RememberedSourceSchema,
    }),
    z.object({
      kind: z.literal("execpolicyAmendment"),
      id: z.string(),
      /** The command prefix allowed by the saved `prefix_rule`. */
      prefix: z.array(z.string()),
      source: RememberedSourceSchema,
    }),
    z.object({
      kind: z.literal("mcpTool"),
      id: z.string(),
      server: z.string(),
      tool: z.string(),
      source: RememberedSourceSchema,
    }),
  ]),
);

export type RememberedApproval = z.infer<typeof RememberedApprovalSchema>;

export const ThreadApprovalsListParamsSchema = named(
  "ThreadApprovalsListParams",
  z.object({ threadId: z.string() }),
);
export const ThreadApprovalsListResponseSchema = named(
  "ThreadApprovalsListResponse",
  z.object({ data: z.array(RememberedApprovalSchema) }),
);
export const ThreadApprovalsRevokeParamsSchema = named(
  "ThreadApprovalsRevokeParams",
  z.object({ threadId: z.string(), id: z.string() }),
);
export const ThreadApprovalsRevokeResponseSchema = named(
  "ThreadApprovalsRevokeResponse",
  z.object({ revoked: z.boolean() }),
);
