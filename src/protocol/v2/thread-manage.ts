import { z } from "zod";
import {
  ActivePermissionProfileSchema,
  ApprovalsReviewerSchema,
  AskForApprovalSchema,
  SandboxPolicyV2Schema,
} from "../permissions.js";
import { ThreadItemSchema } from "./items.js";
import { named } from "./names.js";
import {
  CollaborationModeSchema,
  JsonValueSchema,
  PageParamsShape,
  PersonalitySchema,
  ReasoningEffortSchema,
  ReasoningSummarySchema,
  ServiceTierSchema,
} from "./shared.js";
import { ThreadSchema, ThreadSourceKindSchema } from "./thread.js";
import { TurnStartParamsSchema } from "./turn.js";

/** Thread management methods of issue 17: delete, revert, item pages, search (Codex 0.169 shapes). */

export const ThreadDeleteParamsSchema = named("ThreadDeleteParams", z.object({ threadId: z.string() }));
export type ThreadDeleteParams = z.infer<typeof ThreadDeleteParamsSchema>;

export const ThreadDeletedNotificationSchema = named(
  "ThreadDeletedNotification",
  z.object({ threadId: z.string() }),
);

export const ThreadRevertParamsSchema = named(
  "ThreadRevertParams",
  /** Drops `beforeTurnId` and every later turn from the stored history (files are not reverted). */
  z.object({ threadId: z.string(), beforeTurnId: z.string() }),
);
export type ThreadRevertParams = z.infer<typeof ThreadRevertParamsSchema>;

export const ThreadRevertResponseSchema = named(
  "ThreadRevertResponse",
  z.object({
    /** `turns` is always empty; page the kept history with thread/turns/list. */
    thread: ThreadSchema,
    turnsBackwardsCursor: z.string().nullish(),
    itemsBackwardsCursor: z.string().nullish(),
  }),
);

export const ThreadRevertedNotificationSchema = named(
  "ThreadRevertedNotification",
  z.object({ threadId: z.string() }),
);

export const ThreadItemsListAnchorSchema = named(
  "ThreadItemsListAnchor",
  z.object({ type: z.literal("item"), itemId: z.string() }),
);

export const ThreadItemsListParamsSchema = named(
  "ThreadItemsListParams",
  z.object({
    threadId: z.string(),
    /** Only this turn's items. */
    turnId: z.string().nullish(),
    /** A cursor from a previous page, or an exclusive item anchor (needs `turnId`). */
    cursor: z.union([z.string(), ThreadItemsListAnchorSchema]).nullish(),
    limit: PageParamsShape.limit,
    /** Default asc (oldest first). */
    sortDirection: z.enum(["asc", "desc"]).nullish(),
    deferOutput: z
      .object({ commandExecution: z.boolean().optional(), mcpToolCall: z.boolean().optional() })
      .nullish(),
  }),
);
export type ThreadItemsListParams = z.infer<typeof ThreadItemsListParamsSchema>;

export const ThreadItemEntrySchema = named(
  "ThreadItemEntry",
  z.object({
    turnId: z.string(),
    item: ThreadItemSchema,
    startedAtMs: z.number().int().nullish(),
    completedAtMs: z.number().int().nullish(),
    outputDeferred: z.boolean().optional(),
  }),
);
export type ThreadItemEntry = z.infer<typeof ThreadItemEntrySchema>;

export const ThreadItemsListResponseSchema = named(
  "ThreadItemsListResponse",
  z.object({
    data: z.array(ThreadItemEntrySchema),
    nextCursor: z.string().nullable(),
    backwardsCursor: z.string().nullable(),
  }),
);

export const ThreadSearchParamsSchema = named(
  "ThreadSearchParams",
  z.object({
    /** Substring of a message of the thread (or its title); must not be empty. */
    searchTerm: z.string(),
    ...PageParamsShape,
    sortKey: z.enum(["created_at", "updated_at", "recency_at"]).nullish(),
    sortDirection: z.enum(["asc", "desc"]).nullish(),
    sourceKinds: z.array(ThreadSourceKindSchema).nullish(),
    archived: z.boolean().nullish(),
    currentAccountOnly: z.boolean().optional(),
    includeAttachedThreads: z.boolean().optional(),
  }),
);
export type ThreadSearchParams = z.infer<typeof ThreadSearchParamsSchema>;

export const ThreadSearchResultSchema = named(
  "ThreadSearchResult",
  z.object({ thread: ThreadSchema, snippet: z.string() }),
);

export const ThreadSearchResponseSchema = named(
  "ThreadSearchResponse",
  z.object({
    data: z.array(ThreadSearchResultSchema),
    nextCursor: z.string().nullable(),
    backwardsCursor: z.string().nullable(),
  }),
);

/** thread/settings/update: the turn/start overrides, applied for later turns without a turn. */
export const ThreadSettingsUpdateParamsSchema = named(
  "ThreadSettingsUpdateParams",
  TurnStartParamsSchema.pick({
    threadId: true,
    cwd: true,
    approvalPolicy: true,
    approvalsReviewer: true,
    sandboxPolicy: true,
    permissions: true,
    model: true,
    serviceTier: true,
    effort: true,
    summary: true,
    personality: true,
    collaborationMode: true,
    environments: true,
  }).extend({
    /** keel has no plugins: an empty list only. */
    disabledPluginIds: z.array(z.string()).nullish(),
    /** Deprecated in Codex; ignored. */
    multiAgentMode: z.string().nullish(),
  }),
);
export type ThreadSettingsUpdateParams = z.infer<typeof ThreadSettingsUpdateParamsSchema>;

/**
 * turn/settings/update (Codex 0.169, experimental): settings for the rest of one running turn,
 * not later turns. Unknown fields are refused (as Codex does), not ignored.
 */
export const TurnSettingsUpdateParamsSchema = named(
  "TurnSettingsUpdateParams",
  TurnStartParamsSchema.pick({
    threadId: true,
    approvalsReviewer: true,
    environments: true,
    model: true,
    effort: true,
    summary: true,
  })
    .extend({
      turnId: z.string(),
      /** null clears the requested tier; omitted keeps it. */
      serviceTier: z.string().nullish(),
    })
    .strict(),
);
export type TurnSettingsUpdateParams = z.infer<typeof TurnSettingsUpdateParamsSchema>;

export const TurnSettingsUpdateResponseSchema = named(
  "TurnSettingsUpdateResponse",
  /** applied: later steps of the turn use the settings; targetUnavailable: that turn is not running. */
  z.object({ status: z.enum(["applied", "targetUnavailable"]) }),
);

export const ThreadSettingsSchema = named(
  "ThreadSettings",
  z.object({
    cwd: z.string(),
    approvalPolicy: AskForApprovalSchema,
    approvalsReviewer: ApprovalsReviewerSchema,
    sandboxPolicy: SandboxPolicyV2Schema,
    activePermissionProfile: ActivePermissionProfileSchema.nullable(),
    model: z.string(),
    modelProvider: z.string(),
    serviceTier: ServiceTierSchema.nullable(),
    effort: ReasoningEffortSchema.nullable(),
    summary: ReasoningSummarySchema.nullable(),
    collaborationMode: CollaborationModeSchema,
    personality: PersonalitySchema.nullable(),
    disabledPluginIds: z.array(z.string()),
    environments: z.array(JsonValueSchema).nullable(),
    multiAgentMode: z.string(),
  }),
);
export type ThreadSettings = z.infer<typeof ThreadSettingsSchema>;

export const ThreadSettingsUpdatedNotificationSchema = named(
  "ThreadSettingsUpdatedNotification",
  z.object({ threadId: z.string(), threadSettings: ThreadSettingsSchema }),
);
