import { z } from "zod";

/**
 * A model catalog file: keel's built-in `src/model/catalog/models.json` and any file named by
 * `model_catalog_json`. The format is Codex's (`{"models": [...]}`, snake_case); keys keel does
 * not use are allowed and ignored. `families` is keel's addition: defaults for unlisted names.
 */

const EffortPresetSchema = z.looseObject({ effort: z.string(), description: z.string().default("") });

const ModelFactsShape = {
  display_name: z.string().optional(),
  description: z.string().nullish(),
  visibility: z.string().optional(),
  minimal_client_version: z.string().optional(),
  priority: z.number().optional(),
  shell_type: z.enum(["unified_exec", "shell_command", "default", "local", "disabled"]).optional(),
  apply_patch_tool_type: z.enum(["freeform", "function"]).nullish(),
  input_modalities: z.array(z.enum(["text", "image"])).optional(),
  supports_parallel_tool_calls: z.boolean().optional(),
  context_window: z.number().int().positive().nullish(),
  auto_compact_token_limit: z.number().int().positive().nullish(),
  truncation_policy: z
    .looseObject({ mode: z.enum(["tokens", "bytes"]), limit: z.number().int().nonnegative() })
    .optional(),
  default_reasoning_level: z.string().nullish(),
  supported_reasoning_levels: z.array(EffortPresetSchema).optional(),
  supports_reasoning_summaries: z.boolean().optional(),
  default_reasoning_summary: z.enum(["auto", "concise", "detailed", "none"]).nullish(),
  support_verbosity: z.boolean().optional(),
  default_verbosity: z.enum(["low", "medium", "high"]).nullish(),
  supports_image_detail_original: z.boolean().optional(),
  web_search_tool_type: z.enum(["text", "text_and_image"]).optional(),
  upgrade: z.looseObject({ model: z.string() }).nullish(),
  additional_speed_tiers: z.array(z.string()).optional(),
  service_tiers: z.array(z.looseObject({ id: z.string() })).optional(),
};

/** The facts one entry or family may set (every key optional). */
export const CatalogFactsSchema = z.object(ModelFactsShape);
export type CatalogFacts = z.infer<typeof CatalogFactsSchema>;

export const CatalogModelSchema = z.looseObject({ slug: z.string().min(1), ...ModelFactsShape });
export type CatalogModel = z.infer<typeof CatalogModelSchema>;

export const CatalogFamilySchema = z.looseObject({ prefix: z.string().min(1), ...ModelFactsShape });
export type CatalogFamily = z.infer<typeof CatalogFamilySchema>;

export const ModelCatalogFileSchema = z.looseObject({
  models: z.array(CatalogModelSchema),
  families: z.array(CatalogFamilySchema).optional(),
});
export type ModelCatalogFile = z.infer<typeof ModelCatalogFileSchema>;
