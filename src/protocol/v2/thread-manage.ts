import { z } from "zod";
import { ThreadItemSchema } from "./items.js";
import { named } from "./names.js";
import { PageParamsShape } from "./shared.js";
import { ThreadSchema, ThreadSourceKindSchema } from "./thread.js";

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
