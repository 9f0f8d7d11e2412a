import { z } from "zod";
import {
  type CatalogFacts,
  type CatalogFamily,
  type ModelCatalogFile,
  ModelCatalogFileSchema,
} from "../../protocol/model-catalog.js";
import builtin from "./models.json" with { type: "json" };
import { type ModelCatalog, type ModelInfo, unknownModelInfo } from "./model-info.js";

/**
 * Resolution order, as Codex 0.169 does for its catalog: the exact slug, then the longest listed
 * slug the name starts with (`gpt-5.5-mini` gets `gpt-5.5`'s facts, under its own name). keel
 * then tries its families (longest prefix) before the unknown-model defaults.
 */
export function createModelCatalog(
  file: ModelCatalogFile,
  families: readonly CatalogFamily[] = [],
): ModelCatalog {
  const models = [...file.models].sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
  const infos = models.map((m) => modelInfoFrom(m.slug, m, true));
  const bySlug = new Map(infos.map((info, i) => [info.slug, { info, entry: models[i]! }]));
  return {
    resolve(slug) {
      const exact = bySlug.get(slug);
      if (exact) return exact.info;
      const listed = longestPrefix(models, (m) => m.slug, slug);
      if (listed) return { ...modelInfoFrom(slug, listed, true), displayName: slug };
      const family = longestPrefix(families, (f) => f.prefix, slug);
      return family ? { ...modelInfoFrom(slug, family, false), displayName: slug } : unknownModelInfo(slug);
    },
    list: () => infos,
  };
}

function longestPrefix<T>(items: readonly T[], key: (item: T) => string, slug: string): T | undefined {
  let best: T | undefined;
  for (const item of items) {
    if (slug.startsWith(key(item)) && (!best || key(item).length > key(best).length)) best = item;
  }
  return best;
}

/** Catalog facts over the unknown-model defaults: a key the entry leaves out keeps the default. */
function modelInfoFrom(slug: string, m: CatalogFacts, known: boolean): ModelInfo {
  const base = unknownModelInfo(slug);
  return {
    slug,
    displayName: m.display_name ?? slug,
    description: m.description ?? "",
    known,
    shellType: m.shell_type ?? base.shellType,
    applyPatchToolType:
      m.apply_patch_tool_type === undefined ? base.applyPatchToolType : m.apply_patch_tool_type,
    inputModalities: m.input_modalities ?? base.inputModalities,
    supportsParallelToolCalls: m.supports_parallel_tool_calls ?? base.supportsParallelToolCalls,
    contextWindow: m.context_window ?? base.contextWindow,
    autoCompactTokenLimit: m.auto_compact_token_limit ?? base.autoCompactTokenLimit,
    truncationPolicy: m.truncation_policy
      ? { mode: m.truncation_policy.mode, limit: m.truncation_policy.limit }
      : base.truncationPolicy,
    defaultReasoningEffort:
      m.default_reasoning_level === undefined ? base.defaultReasoningEffort : m.default_reasoning_level,
    supportedReasoningEfforts: (m.supported_reasoning_levels ?? []).map((l) => ({
      effort: l.effort,
      description: l.description,
    })),
    supportsReasoningSummaries: m.supports_reasoning_summaries ?? base.supportsReasoningSummaries,
    defaultReasoningSummary:
      m.default_reasoning_summary === undefined ? base.defaultReasoningSummary : m.default_reasoning_summary,
    supportsVerbosity: m.support_verbosity ?? base.supportsVerbosity,
    defaultVerbosity: m.default_verbosity ?? null,
    supportsImageDetailOriginal: m.supports_image_detail_original ?? base.supportsImageDetailOriginal,
    webSearchToolType: m.web_search_tool_type ?? base.webSearchToolType,
    hidden: m.visibility !== undefined && m.visibility !== "list",
    minimalClientVersion: m.minimal_client_version ?? null,
    priority: m.priority ?? base.priority,
    upgrade: m.upgrade?.model ?? null,
    additionalSpeedTiers: m.additional_speed_tiers ?? [],
    serviceTiers: m.service_tiers?.map((t) => t.id) ?? base.serviceTiers,
  };
}

const BUILTIN = ModelCatalogFileSchema.parse(builtin);

/** The catalog shipped with keel (the models Codex 0.169 knows, plus keel's families). */
export const BUILTIN_MODEL_CATALOG: ModelCatalog = createModelCatalog(BUILTIN, BUILTIN.families ?? []);

/**
 * A `model_catalog_json` document: its models replace the built-in ones; its families, if it has
 * any, replace keel's. Throws an Error naming the first bad field.
 */
export function modelCatalogFromJson(json: unknown): ModelCatalog {
  const parsed = ModelCatalogFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
    throw new Error(`not a model catalog${where}: ${issue?.message ?? z.prettifyError(parsed.error)}`);
  }
  return createModelCatalog(parsed.data, parsed.data.families ?? BUILTIN.families ?? []);
}
