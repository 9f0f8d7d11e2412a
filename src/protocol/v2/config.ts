import { z } from "zod";
import { named } from "./names.js";
import { JsonValueSchema } from "./shared.js";

/** config/read, configRequirements/read and configuration warnings (spec app-server.md §11). */

export const ConfigReadParamsSchema = named(
  "ConfigReadParams",
  z.object({
    /** Also return each config layer. */
    includeLayers: z.boolean().nullish(),
    /** Resolve project-local layers for this directory. */
    cwd: z.string().nullish(),
  }),
);
export type ConfigReadParams = z.infer<typeof ConfigReadParamsSchema>;

/** The effective configuration with `config.toml` (snake_case) keys. */
export const ConfigSchema = named(
  "Config",
  z.looseObject({
    model: z.string().nullish(),
    model_provider: z.string().nullish(),
  }),
);

/**
 * Where a configuration layer came from: the four of Codex's `ConfigLayerSource` variants keel
 * has. `dotCodexFolder` keeps Codex's field name (it holds keel's `.keel` folder) because
 * clients written for Codex read that key.
 */
export const ConfigLayerSourceSchema = named(
  "ConfigLayerSource",
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("system"), file: z.string() }),
    z.object({ type: z.literal("user"), file: z.string() }),
    z.object({ type: z.literal("project"), dotCodexFolder: z.string() }),
    z.object({ type: z.literal("sessionFlags") }),
  ]),
);
export type ConfigLayerSource = z.infer<typeof ConfigLayerSourceSchema>;

/** A layer's source and the fingerprint of its contents. */
export const ConfigLayerMetadataSchema = named(
  "ConfigLayerMetadata",
  z.looseObject({ name: ConfigLayerSourceSchema, version: z.string() }),
);
export type ConfigLayerMetadata = z.infer<typeof ConfigLayerMetadataSchema>;

export const ConfigLayerSchema = named(
  "ConfigLayer",
  z.looseObject({ name: ConfigLayerSourceSchema, version: z.string(), config: JsonValueSchema }),
);

export const ConfigReadResponseSchema = named(
  "ConfigReadResponse",
  z.object({
    config: ConfigSchema,
    /** Dotted key → the layer that set it. */
    origins: z.record(z.string(), ConfigLayerMetadataSchema),
    layers: z.array(ConfigLayerSchema).nullable(),
  }),
);
export type ConfigReadResponse = z.infer<typeof ConfigReadResponseSchema>;

export const ConfigRequirementsReadResponseSchema = named(
  "ConfigRequirementsReadResponse",
  z.object({
    /** Managed requirements (requirements.toml), null when none apply. */
    requirements: z.record(z.string(), JsonValueSchema).nullable(),
    /** [cur] */
    supportsIndependentSpeedModes: z.boolean().optional(),
  }),
);
export type ConfigRequirementsReadResponse = z.infer<typeof ConfigRequirementsReadResponseSchema>;

export const TextPositionSchema = named(
  "TextPosition",
  z.object({ line: z.number().int(), column: z.number().int() }),
);

export const ConfigWarningNotificationSchema = named(
  "ConfigWarningNotification",
  z.object({
    summary: z.string(),
    details: z.string().nullish(),
    path: z.string().nullish(),
    range: z.object({ start: TextPositionSchema, end: TextPositionSchema }).nullish(),
  }),
);
export type ConfigWarningNotification = z.infer<typeof ConfigWarningNotificationSchema>;

// config/value/write and config/batchWrite [cur]: edits of the user config.toml.

export const MergeStrategySchema = named("MergeStrategy", z.enum(["replace", "upsert"]));

export const ConfigEditSchema = named(
  "ConfigEdit",
  z.object({
    keyPath: z.string(),
    value: z.unknown(),
    mergeStrategy: MergeStrategySchema,
  }),
);

export const ConfigValueWriteParamsSchema = named(
  "ConfigValueWriteParams",
  z.object({
    keyPath: z.string(),
    value: z.unknown(),
    mergeStrategy: MergeStrategySchema,
    /** The user layer's version from config/read; a stale one is refused. */
    expectedVersion: z.string().nullish(),
    /** Defaults to the user's config.toml, the only file keel writes. */
    filePath: z.string().nullish(),
  }),
);
export type ConfigValueWriteParams = z.infer<typeof ConfigValueWriteParamsSchema>;

export const ConfigBatchWriteParamsSchema = named(
  "ConfigBatchWriteParams",
  z.object({
    edits: z.array(ConfigEditSchema),
    expectedVersion: z.string().nullish(),
    filePath: z.string().nullish(),
    reloadUserConfig: z.boolean().optional(),
  }),
);
export type ConfigBatchWriteParams = z.infer<typeof ConfigBatchWriteParamsSchema>;

export const ConfigWriteResponseSchema = named(
  "ConfigWriteResponse",
  z.object({
    status: z.enum(["ok", "okOverridden"]),
    version: z.string(),
    filePath: z.string(),
    overriddenMetadata: z
      .object({
        message: z.string(),
        overridingLayer: ConfigLayerMetadataSchema,
        effectiveValue: z.unknown(),
      })
      .nullish(),
  }),
);
export type ConfigWriteResponse = z.infer<typeof ConfigWriteResponseSchema>;
