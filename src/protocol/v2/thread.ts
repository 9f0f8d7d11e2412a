import { z } from "zod";
import { ResponseItemSchema } from "../items.js";
import { named } from "./names.js";
import {
  EmptyResponseSchema,
  GitInfoSchema,
  JsonValueSchema,
  PageParamsShape,
  ReasoningEffortSchema,
  SessionSourceSchema,
  ThreadSettingsResponseShape,
  ThreadSettingsShape,
  ThreadTokenUsageSchema,
} from "./shared.js";
import { TurnSchema } from "./turn.js";

/** Threads (spec app-server.md §4, §5.1, §6). */

export const ThreadActiveFlagSchema = named(
  "ThreadActiveFlag",
  z.enum(["waitingOnApproval", "waitingOnUserInput"]),
);
export type ThreadActiveFlag = z.infer<typeof ThreadActiveFlagSchema>;

export const ThreadStatusSchema = named(
  "ThreadStatus",
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("notLoaded") }),
    z.object({ type: z.literal("idle") }),
    z.object({ type: z.literal("systemError") }),
    z.object({ type: z.literal("active"), activeFlags: z.array(ThreadActiveFlagSchema) }),
  ]),
);
export type ThreadStatus = z.infer<typeof ThreadStatusSchema>;

export const ThreadSchema = named(
  "Thread",
  z.object({
    /** UUIDv7. */
    id: z.string(),
    forkedFromId: z.string().nullable(),
    /** First user message text; "" for a fresh thread. */
    preview: z.string(),
    ephemeral: z.boolean(),
    modelProvider: z.string(),
    /** Unix seconds. */
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
    status: ThreadStatusSchema,
    /** Rollout file; null when ephemeral. [UNSTABLE] */
    path: z.string().nullable(),
    cwd: z.string(),
    cliVersion: z.string(),
    source: SessionSourceSchema,
    agentNickname: z.string().nullable(),
    agentRole: z.string().nullable(),
    gitInfo: GitInfoSchema.nullable(),
    /** User-facing title (thread/name/set). */
    name: z.string().nullable(),
    /** Filled only by thread/resume, thread/fork, thread/rollback and thread/read with turns. */
    turns: z.array(TurnSchema),
    /** [cur] required by 0.169 clients: equals `id` for root threads. */
    sessionId: z.string(),
    /** [cur] required by 0.169 clients. */
    projectId: z.string().nullable(),
    /** [cur] */
    parentThreadId: z.string().nullish(),
    /** [cur] */
    historyMode: z.enum(["legacy", "paginated"]).optional(),
    /** [cur] */
    model: z.string().nullish(),
    /** [cur] */
    reasoningEffort: ReasoningEffortSchema.nullish(),
    /** [cur] */
    originator: z.string().nullish(),
  }),
);
export type Thread = z.infer<typeof ThreadSchema>;

// ---------------------------------------------------------------------------------------------
// thread/start, thread/resume, thread/fork

const DynamicToolFunctionShape = {
  name: z.string(),
  description: z.string(),
  inputSchema: JsonValueSchema,
  deferLoading: z.boolean().nullish(),
};

/**
 * A client-implemented tool. [seed] a flat spec with an optional `namespace`; [cur] a tagged
 * union of `{type:"function", …}` and `{type:"namespace", name, description, tools:[…]}` (the
 * 0.169 TUI sends the namespace form on every `thread/start`).
 */
export const DynamicToolSpecSchema = named(
  "DynamicToolSpec",
  z.union([
    z.object({ type: z.literal("function"), ...DynamicToolFunctionShape }),
    z.object({
      type: z.literal("namespace"),
      name: z.string(),
      description: z.string(),
      tools: z.array(z.object({ type: z.literal("function").optional(), ...DynamicToolFunctionShape })),
    }),
    z.object({ ...DynamicToolFunctionShape, namespace: z.string().nullish() }),
  ]),
);

export type DynamicToolSpec = z.infer<typeof DynamicToolSpecSchema>;

export const ThreadStartParamsSchema = named(
  "ThreadStartParams",
  z.object({
    ...ThreadSettingsShape,
    /** Metrics tag. */
    serviceName: z.string().nullish(),
    /** In-memory only: no rollout file, `path: null`. */
    ephemeral: z.boolean().nullish(),
    /** What SessionStart hooks receive; default "startup". */
    sessionStartSource: z.enum(["startup", "clear"]).nullish(),
    /** Experimental: client-implemented tools (`item/tool/call`). */
    dynamicTools: z.array(DynamicToolSpecSchema).nullish(),
    /** Experimental. */
    experimentalRawEvents: z.boolean().nullish(),
    /** Experimental: persist tool items so resume can rebuild them. */
    persistExtendedHistory: z.boolean().nullish(),
    /** Experimental; exists to test the gate. */
    mockExperimentalField: z.string().nullish(),
    /** [cur] experimental. */
    historyMode: z.enum(["legacy", "paginated"]).nullish(),
    /** [cur] analytics classification, e.g. "thread_title". */
    threadSource: z.string().nullish(),
  }),
);
export type ThreadStartParams = z.infer<typeof ThreadStartParamsSchema>;

export const ThreadStartResponseSchema = named(
  "ThreadStartResponse",
  z.object({ thread: ThreadSchema, ...ThreadSettingsResponseShape }),
);
export type ThreadStartResponse = z.infer<typeof ThreadStartResponseSchema>;

export const ThreadResumeParamsSchema = named(
  "ThreadResumeParams",
  z.object({
    threadId: z.string(),
    /** [UNSTABLE] resume from these items instead of the rollout. */
    history: z.array(ResponseItemSchema).nullish(),
    /** [UNSTABLE] rollout path; "" counts as absent. */
    path: z.string().nullish(),
    ...ThreadSettingsShape,
    persistExtendedHistory: z.boolean().nullish(),
    /** [cur] */
    excludeTurns: z.boolean().nullish(),
  }),
);
export type ThreadResumeParams = z.infer<typeof ThreadResumeParamsSchema>;

export const ThreadResumeResponseSchema = named(
  "ThreadResumeResponse",
  z.object({ thread: ThreadSchema, ...ThreadSettingsResponseShape }),
);
export type ThreadResumeResponse = z.infer<typeof ThreadResumeResponseSchema>;

export const ThreadForkParamsSchema = named(
  "ThreadForkParams",
  z.object({
    threadId: z.string(),
    /** [UNSTABLE] a non-empty path wins over threadId. */
    path: z.string().nullish(),
    ...ThreadSettingsShape,
    ephemeral: z.boolean().nullish(),
    persistExtendedHistory: z.boolean().nullish(),
    /** [cur] fork through this turn (exclusive with beforeTurnId). */
    lastTurnId: z.string().nullish(),
    /** [cur] fork before this turn. */
    beforeTurnId: z.string().nullish(),
    /** [cur] */
    excludeTurns: z.boolean().nullish(),
  }),
);
export type ThreadForkParams = z.infer<typeof ThreadForkParamsSchema>;

export const ThreadForkResponseSchema = named(
  "ThreadForkResponse",
  z.object({ thread: ThreadSchema, ...ThreadSettingsResponseShape }),
);
export type ThreadForkResponse = z.infer<typeof ThreadForkResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Listing and reading

export const ThreadSourceKindSchema = named(
  "ThreadSourceKind",
  z.enum([
    "cli",
    "vscode",
    "exec",
    "appServer",
    "subAgent",
    "subAgentReview",
    "subAgentCompact",
    "subAgentThreadSpawn",
    "subAgentOther",
    "unknown",
  ]),
);
export type ThreadSourceKind = z.infer<typeof ThreadSourceKindSchema>;

export const ThreadListParamsSchema = named(
  "ThreadListParams",
  z.object({
    ...PageParamsShape,
    /** Default created_at. [cur] adds recency_at, section_position. */
    sortKey: z.string().nullish(),
    /** Default desc. */
    sortDirection: z.enum(["asc", "desc"]).nullish(),
    /** Empty = all providers. */
    modelProviders: z.array(z.string()).nullish(),
    /** Absent or empty = interactive sources only (cli, vscode). */
    sourceKinds: z.array(ThreadSourceKindSchema).nullish(),
    /** true = archived threads only. */
    archived: z.boolean().nullish(),
    /** Exact match on one or several directories. */
    cwd: z.union([z.string(), z.array(z.string())]).nullish(),
    useStateDbOnly: z.boolean().nullish(),
    /** Case-sensitive substring of the title. */
    searchTerm: z.string().nullish(),
  }),
);
export type ThreadListParams = z.infer<typeof ThreadListParamsSchema>;

export const ThreadListResponseSchema = named(
  "ThreadListResponse",
  z.object({
    data: z.array(ThreadSchema),
    nextCursor: z.string().nullable(),
    backwardsCursor: z.string().nullable(),
  }),
);
export type ThreadListResponse = z.infer<typeof ThreadListResponseSchema>;

export const ThreadReadParamsSchema = named(
  "ThreadReadParams",
  /** [seed] requires includeTurns; [cur] makes it optional. */
  z.object({ threadId: z.string(), includeTurns: z.boolean().nullish() }),
);
export type ThreadReadParams = z.infer<typeof ThreadReadParamsSchema>;

export const ThreadReadResponseSchema = named("ThreadReadResponse", z.object({ thread: ThreadSchema }));
export type ThreadReadResponse = z.infer<typeof ThreadReadResponseSchema>;

/** [cur] turn pagination; cursors are opaque. */
export const ThreadTurnsListParamsSchema = named(
  "ThreadTurnsListParams",
  z.object({
    threadId: z.string(),
    ...PageParamsShape,
    /** Default desc (newest first). */
    sortDirection: z.enum(["asc", "desc"]).nullish(),
    itemsView: z.enum(["notLoaded", "summary", "full"]).nullish(),
  }),
);
export type ThreadTurnsListParams = z.infer<typeof ThreadTurnsListParamsSchema>;

export const ThreadTurnsListResponseSchema = named(
  "ThreadTurnsListResponse",
  z.object({
    data: z.array(TurnSchema),
    nextCursor: z.string().nullable(),
    backwardsCursor: z.string().nullable(),
  }),
);
export type ThreadTurnsListResponse = z.infer<typeof ThreadTurnsListResponseSchema>;

export const ThreadLoadedListParamsSchema = named("ThreadLoadedListParams", z.object({ ...PageParamsShape }));
export type ThreadLoadedListParams = z.infer<typeof ThreadLoadedListParamsSchema>;

export const ThreadLoadedListResponseSchema = named(
  "ThreadLoadedListResponse",
  z.object({ data: z.array(z.string()), nextCursor: z.string().nullable() }),
);
export type ThreadLoadedListResponse = z.infer<typeof ThreadLoadedListResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Mutations

export const ThreadSetNameParamsSchema = named(
  "ThreadSetNameParams",
  z.object({ threadId: z.string(), name: z.string() }),
);
export type ThreadSetNameParams = z.infer<typeof ThreadSetNameParamsSchema>;

export const ThreadArchiveParamsSchema = named("ThreadArchiveParams", z.object({ threadId: z.string() }));
export const ThreadUnarchiveParamsSchema = named("ThreadUnarchiveParams", z.object({ threadId: z.string() }));
export const ThreadUnarchiveResponseSchema = named(
  "ThreadUnarchiveResponse",
  z.object({ thread: ThreadSchema }),
);

export const ThreadUnsubscribeParamsSchema = named(
  "ThreadUnsubscribeParams",
  z.object({ threadId: z.string() }),
);
export const ThreadUnsubscribeStatusSchema = named(
  "ThreadUnsubscribeStatus",
  z.enum(["unsubscribed", "notSubscribed", "notLoaded"]),
);
export type ThreadUnsubscribeStatus = z.infer<typeof ThreadUnsubscribeStatusSchema>;
export const ThreadUnsubscribeResponseSchema = named(
  "ThreadUnsubscribeResponse",
  z.object({ status: ThreadUnsubscribeStatusSchema }),
);

export const ThreadCompactStartParamsSchema = named(
  "ThreadCompactStartParams",
  z.object({ threadId: z.string() }),
);

export const ThreadRollbackParamsSchema = named(
  "ThreadRollbackParams",
  /** Drops the last `numTurns` user turns. */
  z.object({ threadId: z.string(), numTurns: z.number().int().min(1) }),
);
export const ThreadRollbackResponseSchema = named(
  "ThreadRollbackResponse",
  z.object({ thread: ThreadSchema }),
);

export const ThreadShellCommandParamsSchema = named(
  "ThreadShellCommandParams",
  /** A user `!` command; runs unsandboxed. */
  z.object({ threadId: z.string(), command: z.string() }),
);

export const ThreadMetadataUpdateParamsSchema = named(
  "ThreadMetadataUpdateParams",
  z.object({
    threadId: z.string(),
    /** Per field: omitted keeps it, null clears it, a non-empty string replaces it. */
    gitInfo: GitInfoSchema.partial().nullish(),
    /** [cur] keel has no projects: only "" (clear) is accepted. */
    projectId: z.string().nullish(),
    /** [cur] an OpenAI product setting; not available in keel. */
    daybreakEnabled: z.boolean().nullish(),
  }),
);
export type ThreadMetadataUpdateParams = z.infer<typeof ThreadMetadataUpdateParamsSchema>;
export const ThreadMetadataUpdateResponseSchema = named(
  "ThreadMetadataUpdateResponse",
  z.object({ thread: ThreadSchema }),
);

export const ThreadBackgroundTerminalsCleanParamsSchema = named(
  "ThreadBackgroundTerminalsCleanParams",
  z.object({ threadId: z.string() }),
);

export const ThreadBackgroundTerminalsListParamsSchema = named(
  "ThreadBackgroundTerminalsListParams",
  z.object({
    threadId: z.string(),
    /** The `processId` after which the page starts (from `nextCursor`). */
    cursor: z.string().nullish(),
    limit: z.number().int().nonnegative().nullish(),
  }),
);
export const ThreadBackgroundTerminalSchema = named(
  "ThreadBackgroundTerminal",
  z.object({
    itemId: z.string(),
    processId: z.string(),
    /** The command as the model wrote it (`cmd`). */
    command: z.string(),
    cwd: z.string(),
    osPid: z.number().int().nullable(),
    cpuPercent: z.number().nullable(),
    rssKb: z.number().int().nullable(),
  }),
);
export const ThreadBackgroundTerminalsListResponseSchema = named(
  "ThreadBackgroundTerminalsListResponse",
  z.object({ data: z.array(ThreadBackgroundTerminalSchema), nextCursor: z.string().nullable() }),
);
export const ThreadBackgroundTerminalsTerminateParamsSchema = named(
  "ThreadBackgroundTerminalsTerminateParams",
  z.object({ threadId: z.string(), processId: z.string() }),
);
export const ThreadBackgroundTerminalsTerminateResponseSchema = named(
  "ThreadBackgroundTerminalsTerminateResponse",
  z.object({ terminated: z.boolean() }),
);

export const ThreadEmptyResponseSchema = EmptyResponseSchema;

// ---------------------------------------------------------------------------------------------
// Notifications

export const ThreadStartedNotificationSchema = named(
  "ThreadStartedNotification",
  z.object({ thread: ThreadSchema }),
);
export type ThreadStartedNotification = z.infer<typeof ThreadStartedNotificationSchema>;

export const ThreadStatusChangedNotificationSchema = named(
  "ThreadStatusChangedNotification",
  z.object({ threadId: z.string(), status: ThreadStatusSchema }),
);
export type ThreadStatusChangedNotification = z.infer<typeof ThreadStatusChangedNotificationSchema>;

export const ThreadNameUpdatedNotificationSchema = named(
  "ThreadNameUpdatedNotification",
  /** `threadName` absent or null when the name was cleared. */
  z.object({ threadId: z.string(), threadName: z.string().nullish() }),
);
export type ThreadNameUpdatedNotification = z.infer<typeof ThreadNameUpdatedNotificationSchema>;

export const ThreadArchivedNotificationSchema = named(
  "ThreadArchivedNotification",
  z.object({ threadId: z.string() }),
);
export const ThreadUnarchivedNotificationSchema = named(
  "ThreadUnarchivedNotification",
  z.object({ threadId: z.string() }),
);
export const ThreadClosedNotificationSchema = named(
  "ThreadClosedNotification",
  z.object({ threadId: z.string() }),
);

export const ThreadTokenUsageUpdatedNotificationSchema = named(
  "ThreadTokenUsageUpdatedNotification",
  z.object({ threadId: z.string(), turnId: z.string(), tokenUsage: ThreadTokenUsageSchema }),
);
export type ThreadTokenUsageUpdatedNotification = z.infer<typeof ThreadTokenUsageUpdatedNotificationSchema>;

export const ContextCompactedNotificationSchema = named(
  "ContextCompactedNotification",
  /** Deprecated: clients should use the contextCompaction item. */
  z.object({ threadId: z.string(), turnId: z.string() }),
);
