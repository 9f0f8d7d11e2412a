import { z } from "zod";
import { named } from "./names.js";
import { PageParamsShape, ReasoningEffortSchema } from "./shared.js";

/** model/list and model rerouting (spec app-server.md §7.4, §11). */

export const ModelListParamsSchema = named(
  "ModelListParams",
  z.object({
    ...PageParamsShape,
    includeHidden: z.boolean().nullish(),
    /** [cur] */
    modelProvider: z.string().nullish(),
  }),
);
export type ModelListParams = z.infer<typeof ModelListParamsSchema>;

export const ReasoningEffortOptionSchema = named(
  "ReasoningEffortOption",
  z.object({ reasoningEffort: ReasoningEffortSchema, description: z.string() }),
);

export const ModelUpgradeInfoSchema = named(
  "ModelUpgradeInfo",
  z.object({
    model: z.string(),
    upgradeCopy: z.string().nullable(),
    modelLink: z.string().nullable(),
    migrationMarkdown: z.string().nullable(),
  }),
);

export const ModelSchema = named(
  "Model",
  z.object({
    id: z.string(),
    model: z.string(),
    upgrade: z.string().nullable(),
    upgradeInfo: ModelUpgradeInfoSchema.nullable(),
    availabilityNux: z.object({ message: z.string() }).nullable(),
    displayName: z.string(),
    description: z.string(),
    hidden: z.boolean(),
    supportedReasoningEfforts: z.array(ReasoningEffortOptionSchema),
    defaultReasoningEffort: ReasoningEffortSchema,
    inputModalities: z.array(z.enum(["text", "image"])),
    supportsPersonality: z.boolean(),
    additionalSpeedTiers: z.array(z.string()),
    isDefault: z.boolean(),
  }),
);
export type Model = z.infer<typeof ModelSchema>;

export const ModelListResponseSchema = named(
  "ModelListResponse",
  z.object({ data: z.array(ModelSchema), nextCursor: z.string().nullable() }),
);
export type ModelListResponse = z.infer<typeof ModelListResponseSchema>;

export const ModelReroutedNotificationSchema = named(
  "ModelReroutedNotification",
  z.object({
    threadId: z.string(),
    turnId: z.string(),
    fromModel: z.string(),
    toModel: z.string(),
    reason: z.string(),
  }),
);
export type ModelReroutedNotification = z.infer<typeof ModelReroutedNotificationSchema>;

/** modelProvider/list [0.169]: the providers a client can pick, and the default one. */
export const ModelProviderListParamsSchema = named("ModelProviderListParams", z.object({}).nullish());

const GatewayAuthSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("none") }),
  z.object({ mode: z.literal("environmentVariable"), envKey: z.string() }),
  z.object({ mode: z.literal("externallyConfigured"), envKey: z.string().nullish() }),
]);

export const ProviderSettingsSchema = named(
  "ProviderSettings",
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("openai") }),
    z.object({ type: z.literal("customGateway"), auth: GatewayAuthSchema }),
    z.object({ type: z.literal("bedrock"), profile: z.string().nullish(), region: z.string().nullish() }),
    z.object({
      type: z.literal("gcp"),
      credentialFile: z.string().nullish(),
      location: z.string().nullish(),
      projectId: z.string().nullish(),
    }),
  ]),
);

export const ModelProviderSummarySchema = named(
  "ModelProviderSummary",
  z.object({
    id: z.string(),
    name: z.string(),
    /** Whether a field can be edited in the user layer (keel: never, it has no provider editor). */
    canEdit: z.boolean(),
    /** Null when absent or not safe to show. */
    baseUrl: z.string().nullish(),
    settings: ProviderSettingsSchema,
  }),
);
export type ModelProviderSummary = z.infer<typeof ModelProviderSummarySchema>;

export const ModelProviderListResponseSchema = named(
  "ModelProviderListResponse",
  z.object({
    data: z.array(ModelProviderSummarySchema),
    defaultProviderId: z.string(),
    canChangeDefault: z.boolean(),
  }),
);
export type ModelProviderListResponse = z.infer<typeof ModelProviderListResponseSchema>;
