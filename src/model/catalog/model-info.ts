/**
 * What keel knows about one model: which tools it is offered, its defaults and its budgets.
 * Codex keeps the same facts per model in its catalog; keel's field names are camelCase forms of
 * Codex's (`shell_type` → `shellType`, …) so `model_catalog_json` files map one to one.
 *
 * Contract for the rest of the code: read a model's facts only through `currentModelInfo(config)`
 * (src/session/model-info.ts), never by comparing model names.
 */
export type ShellToolType = "unified_exec" | "shell_command" | "default" | "local" | "disabled";
export type ApplyPatchToolType = "freeform" | "function";
export type InputModality = "text" | "image";
export type Verbosity = "low" | "medium" | "high";
/** What the hosted `web_search` tool may return: `text_and_image` adds `search_content_types`. */
export type WebSearchToolType = "text" | "text_and_image";

export interface TruncationPolicy {
  readonly mode: "tokens" | "bytes";
  readonly limit: number;
}

export interface ReasoningEffortPreset {
  readonly effort: string;
  readonly description: string;
}

export interface ModelInfo {
  readonly slug: string;
  readonly displayName: string;
  readonly description: string;
  /** Whether the slug was found in the catalog (false: the family defaults below). */
  readonly known: boolean;
  readonly shellType: ShellToolType;
  readonly applyPatchToolType: ApplyPatchToolType | null;
  readonly inputModalities: readonly InputModality[];
  /** Images go to the model unresized with `detail: "original"` (else resized, `detail: "high"`). */
  readonly supportsImageDetailOriginal: boolean;
  readonly webSearchToolType: WebSearchToolType;
  readonly supportsParallelToolCalls: boolean;
  readonly contextWindow: number | null;
  readonly autoCompactTokenLimit: number | null;
  readonly truncationPolicy: TruncationPolicy;
  readonly defaultReasoningEffort: string | null;
  readonly supportedReasoningEfforts: readonly ReasoningEffortPreset[];
  readonly supportsReasoningSummaries: boolean;
  readonly defaultReasoningSummary: string | null;
  readonly supportsVerbosity: boolean;
  readonly defaultVerbosity: Verbosity | null;
  /** Left out of `model/list` unless hidden models are asked for. */
  readonly hidden: boolean;
  /** The oldest Codex client that understands this entry (e.g. its reasoning efforts); null: any. */
  readonly minimalClientVersion: string | null;
  /** Sort order of `model/list` (lower first); the first listed model is the default. */
  readonly priority: number;
  /** The model `model/list` suggests moving to, if any. */
  readonly upgrade: string | null;
  readonly additionalSpeedTiers: readonly string[];
  /** Wire ids of the service tiers the model advertises (`service_tiers[].id`, e.g. "priority"). */
  readonly serviceTiers: readonly string[];
}

export interface ModelCatalog {
  /** The catalog entry for `slug`, or family defaults for a name the catalog does not list. */
  resolve(slug: string): ModelInfo;
  /** Every model the catalog lists, hidden ones included, in `priority` order. */
  list(): readonly ModelInfo[];
}

/** Codex's defaults for a model it does not know (observed with Codex 0.169 and `my-custom-model`). */
export function unknownModelInfo(slug: string): ModelInfo {
  return {
    slug,
    displayName: slug,
    description: "",
    known: false,
    shellType: "unified_exec",
    applyPatchToolType: null,
    inputModalities: ["text", "image"],
    supportsImageDetailOriginal: false,
    webSearchToolType: "text",
    supportsParallelToolCalls: true,
    contextWindow: null,
    autoCompactTokenLimit: null,
    truncationPolicy: { mode: "bytes", limit: 10_000 },
    defaultReasoningEffort: null,
    supportedReasoningEfforts: [],
    supportsReasoningSummaries: true,
    defaultReasoningSummary: "auto",
    supportsVerbosity: false,
    defaultVerbosity: null,
    hidden: false,
    minimalClientVersion: null,
    priority: Number.MAX_SAFE_INTEGER,
    upgrade: null,
    additionalSpeedTiers: [],
    serviceTiers: [],
  };
}

/** A catalog without entries: every model gets the unknown-model defaults. */
export const EMPTY_MODEL_CATALOG: ModelCatalog = { resolve: unknownModelInfo, list: () => [] };
