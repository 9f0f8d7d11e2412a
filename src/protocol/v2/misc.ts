import { z } from "zod";
import { ResponseItemSchema } from "../items.js";
import { named } from "./names.js";
import { JsonValueSchema, ModeKindSchema, PageParamsShape, ReasoningEffortSchema } from "./shared.js";

/**
 * Auxiliary list methods the clients call at start-up (spec app-server.md §11) and global
 * notifications. Entries the engine does not produce yet are kept open (`looseObject`).
 */

// skills/list

export const SkillsListParamsSchema = named(
  "SkillsListParams",
  z.object({
    cwds: z.array(z.string()).nullish(),
    forceReload: z.boolean().nullish(),
    perCwdExtraUserRoots: JsonValueSchema.nullish(),
  }),
);
export type SkillsListParams = z.infer<typeof SkillsListParamsSchema>;

export const SkillScopeSchema = named("SkillScope", z.enum(["user", "repo", "system", "admin"]));

export const SkillInterfaceSchema = named(
  "SkillInterface",
  z.object({
    displayName: z.string().nullish(),
    shortDescription: z.string().nullish(),
    iconSmall: z.string().nullish(),
    iconLarge: z.string().nullish(),
    iconSmallUrl: z.string().nullish(),
    iconLargeUrl: z.string().nullish(),
    brandColor: z.string().nullish(),
    defaultPrompt: z.string().nullish(),
  }),
);

export const SkillToolDependencySchema = named(
  "SkillToolDependency",
  z.object({
    type: z.string(),
    value: z.string(),
    description: z.string().nullish(),
    transport: z.string().nullish(),
    command: z.string().nullish(),
    url: z.string().nullish(),
  }),
);

export const SkillDependenciesSchema = named(
  "SkillDependencies",
  z.object({ tools: z.array(SkillToolDependencySchema) }),
);

export const SkillMetadataSchema = named(
  "SkillMetadata",
  z.object({
    name: z.string(),
    description: z.string(),
    /** Legacy `metadata.short-description` of SKILL.md. */
    shortDescription: z.string().nullish(),
    interface: SkillInterfaceSchema.nullish(),
    dependencies: SkillDependenciesSchema.nullish(),
    /** Absolute path of the SKILL.md. */
    path: z.string(),
    scope: SkillScopeSchema,
    enabled: z.boolean(),
    pluginId: z.string().nullish(),
  }),
);
export type SkillMetadata = z.infer<typeof SkillMetadataSchema>;

export const SkillErrorInfoSchema = named(
  "SkillErrorInfo",
  z.object({ path: z.string(), message: z.string() }),
);

export const SkillsListEntrySchema = named(
  "SkillsListEntry",
  z.object({
    cwd: z.string(),
    skills: z.array(SkillMetadataSchema),
    errors: z.array(SkillErrorInfoSchema),
  }),
);

export const SkillsListResponseSchema = named(
  "SkillsListResponse",
  z.object({ data: z.array(SkillsListEntrySchema) }),
);
export type SkillsListResponse = z.infer<typeof SkillsListResponseSchema>;

// skills/extraRoots/set, skills/config/write

/** Codex's `AbsolutePathBuf`: a relative path is refused when the request is parsed. */
const AbsolutePathSchema = z.string().refine((p) => p.startsWith("/"), { message: "path must be absolute" });

export const SkillsExtraRootsSetParamsSchema = named(
  "SkillsExtraRootsSetParams",
  z.object({ extraRoots: z.array(AbsolutePathSchema) }),
);
export const SkillsExtraRootsSetResponseSchema = named("SkillsExtraRootsSetResponse", z.object({}));

export const SkillsConfigWriteParamsSchema = named(
  "SkillsConfigWriteParams",
  z.object({
    /** Name-based selector. */
    name: z.string().nullish(),
    /** Path-based selector (a SKILL.md). */
    path: AbsolutePathSchema.nullish(),
    enabled: z.boolean(),
  }),
);
export type SkillsConfigWriteParams = z.infer<typeof SkillsConfigWriteParamsSchema>;

export const SkillsConfigWriteResponseSchema = named(
  "SkillsConfigWriteResponse",
  z.object({ effectiveEnabled: z.boolean() }),
);

// hooks/list [cur]

export const HooksListParamsSchema = named(
  "HooksListParams",
  z.object({ cwds: z.array(z.string()).nullish(), threadId: z.string().nullish() }),
);
export type HooksListParams = z.infer<typeof HooksListParamsSchema>;

export const HooksListEntrySchema = named(
  "HooksListEntry",
  z.object({
    cwd: z.string(),
    hooks: z.array(z.looseObject({})),
    warnings: z.array(z.string()),
    errors: z.array(z.looseObject({})),
  }),
);

export const HooksListResponseSchema = named(
  "HooksListResponse",
  z.object({ data: z.array(HooksListEntrySchema) }),
);
export type HooksListResponse = z.infer<typeof HooksListResponseSchema>;

// collaborationMode/list (experimental)

export const CollaborationModeListParamsSchema = named("CollaborationModeListParams", z.object({}));

export const CollaborationModeMaskSchema = named(
  "CollaborationModeMask",
  z.object({
    name: z.string(),
    mode: ModeKindSchema.nullable(),
    model: z.string().nullable(),
    reasoning_effort: ReasoningEffortSchema.nullable(),
  }),
);

export const CollaborationModeListResponseSchema = named(
  "CollaborationModeListResponse",
  z.object({ data: z.array(CollaborationModeMaskSchema) }),
);
export type CollaborationModeListResponse = z.infer<typeof CollaborationModeListResponseSchema>;

// experimentalFeature/list

export const ExperimentalFeatureListParamsSchema = named(
  "ExperimentalFeatureListParams",
  /** `threadId`: features as that loaded thread's config (its cwd's project layers) has them. */
  z.object({ ...PageParamsShape, threadId: z.string().nullish() }),
);

export const ExperimentalFeatureStageSchema = named(
  "ExperimentalFeatureStage",
  z.enum(["beta", "underDevelopment", "stable", "deprecated", "removed"]),
);

export const ExperimentalFeatureSchema = named(
  "ExperimentalFeature",
  z.object({
    name: z.string(),
    stage: ExperimentalFeatureStageSchema,
    displayName: z.string().nullable(),
    description: z.string().nullable(),
    announcement: z.string().nullable(),
    enabled: z.boolean(),
    defaultEnabled: z.boolean(),
  }),
);

export const ExperimentalFeatureListResponseSchema = named(
  "ExperimentalFeatureListResponse",
  z.object({ data: z.array(ExperimentalFeatureSchema), nextCursor: z.string().nullable() }),
);
export type ExperimentalFeatureListResponse = z.infer<typeof ExperimentalFeatureListResponseSchema>;

/** Process-wide runtime enablement by feature name; omitted features are left as they are. */
export const ExperimentalFeatureEnablementSetParamsSchema = named(
  "ExperimentalFeatureEnablementSetParams",
  z.object({ enablement: z.record(z.string(), z.boolean()) }),
);
/** The entries that were applied (unknown names are dropped, as Codex does). */
export const ExperimentalFeatureEnablementSetResponseSchema = named(
  "ExperimentalFeatureEnablementSetResponse",
  z.object({ enablement: z.record(z.string(), z.boolean()) }),
);

// feedback/save: a local ZIP bundle; keel never uploads.

export const FeedbackSaveParamsSchema = named(
  "FeedbackSaveParams",
  z.object({
    classification: z.string(),
    /** Absolute path of a ZIP file that does not exist yet. */
    savePath: z.string(),
    reason: z.string().nullish(),
    threadId: z.string().nullish(),
    includeLogs: z.boolean().optional(),
    extraLogFiles: z.array(z.string()).nullish(),
    tags: z.record(z.string(), z.string()).nullish(),
  }),
);
export type FeedbackSaveParams = z.infer<typeof FeedbackSaveParamsSchema>;

export const FeedbackSaveResponseSchema = named(
  "FeedbackSaveResponse",
  z.object({ savedPath: z.string(), threadId: z.string(), promptHash: z.string().nullish() }),
);
export type FeedbackSaveResponse = z.infer<typeof FeedbackSaveResponseSchema>;

// plugins and apps (no support yet: empty answers keep the clients quiet)

export const PluginListParamsSchema = named(
  "PluginListParams",
  z.object({ cwds: z.array(z.string()).nullish(), forceRemoteSync: z.boolean().nullish() }),
);
export const PluginListResponseSchema = named(
  "PluginListResponse",
  z.object({
    marketplaces: z.array(JsonValueSchema),
    marketplaceLoadErrors: z.array(JsonValueSchema),
    featuredPluginIds: z.array(z.string()),
  }),
);
export type PluginListResponse = z.infer<typeof PluginListResponseSchema>;

export const PluginInstalledParamsSchema = named(
  "PluginInstalledParams",
  z.object({
    cwds: z.array(z.string()).nullish(),
    installSuggestionPluginNames: z.array(z.string()).nullish(),
  }),
);
export const PluginInstalledResponseSchema = named(
  "PluginInstalledResponse",
  z.object({ marketplaces: z.array(JsonValueSchema), marketplaceLoadErrors: z.array(JsonValueSchema) }),
);
export type PluginInstalledResponse = z.infer<typeof PluginInstalledResponseSchema>;

export const AppsListParamsSchema = named(
  "AppsListParams",
  z.object({ ...PageParamsShape, threadId: z.string().nullish(), forceRefetch: z.boolean().nullish() }),
);
export const AppsListResponseSchema = named(
  "AppsListResponse",
  z.object({ data: z.array(JsonValueSchema), nextCursor: z.string().nullable() }),
);
export type AppsListResponse = z.infer<typeof AppsListResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Global and miscellaneous notifications

export const WarningNotificationSchema = named(
  "WarningNotification",
  z.object({ threadId: z.string().nullish(), message: z.string() }),
);
export type WarningNotification = z.infer<typeof WarningNotificationSchema>;

export const DeprecationNoticeNotificationSchema = named(
  "DeprecationNoticeNotification",
  z.object({ summary: z.string(), details: z.string().nullish() }),
);
export type DeprecationNoticeNotification = z.infer<typeof DeprecationNoticeNotificationSchema>;

export const SkillsChangedNotificationSchema = named("SkillsChangedNotification", z.object({}));

export const McpServerStartupStateSchema = named(
  "McpServerStartupState",
  z.enum(["starting", "ready", "failed", "cancelled"]),
);

export const McpServerStartupFailureReasonSchema = named(
  "McpServerStartupFailureReason",
  z.enum(["reauthenticationRequired"]),
);

export const McpServerStatusUpdatedNotificationSchema = named(
  "McpServerStatusUpdatedNotification",
  z.object({
    threadId: z.string().nullish(),
    name: z.string(),
    status: McpServerStartupStateSchema,
    error: z.string().nullish(),
    failureReason: McpServerStartupFailureReasonSchema.nullish(),
  }),
);
export type McpServerStatusUpdatedNotification = z.infer<typeof McpServerStatusUpdatedNotificationSchema>;

export const HookRunSummarySchema = named(
  "HookRunSummary",
  z.looseObject({ id: z.string(), eventName: z.string(), status: z.string() }),
);

export const HookStartedNotificationSchema = named(
  "HookStartedNotification",
  z.object({ threadId: z.string(), turnId: z.string().nullable(), run: HookRunSummarySchema }),
);
export const HookCompletedNotificationSchema = named(
  "HookCompletedNotification",
  z.object({ threadId: z.string(), turnId: z.string().nullable(), run: HookRunSummarySchema }),
);

/** Experimental: only for threads started with `experimentalRawEvents`. */
export const RawResponseItemCompletedNotificationSchema = named(
  "RawResponseItemCompletedNotification",
  z.object({ threadId: z.string(), turnId: z.string(), item: ResponseItemSchema }),
);
