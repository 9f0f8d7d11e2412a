import type { WebSearchMode } from "../config/requirements-toml.js";
import type { WebSearchToolConfig } from "../config/schema.js";
import type { ModelInfo } from "../model/catalog/model-info.js";
import type { ToolSpec } from "../protocol/model.js";
import type { SandboxPolicy } from "../protocol/permissions.js";
import type { WebSearchAction } from "../protocol/v2/items.js";

/**
 * The hosted `web_search` tool: the API runs the search, keel only offers the tool and reports
 * the `web_search_call` items the model returns. The mode is chosen as Codex 0.169 chooses it.
 */

/** Which config says what: `web_search`, else the legacy features, else unset (the turn decides). */
export function configuredWebSearchMode(
  webSearch: WebSearchMode | undefined,
  features: Readonly<Record<string, boolean>>,
): WebSearchMode | null {
  if (webSearch !== undefined) return webSearch;
  if (features.web_search_cached === true) return "cached";
  if (features.web_search_request === true) return "live";
  return null;
}

/**
 * The mode of a turn. Unset means `cached`, or `live` when commands run without a sandbox. A mode
 * requirements do not allow falls back to the first allowed of cached, live, disabled (live
 * first without a sandbox); `disabled` is always allowed.
 */
export function webSearchModeForTurn(
  configured: WebSearchMode | null,
  allowed: readonly WebSearchMode[] | null,
  sandbox: SandboxPolicy,
): WebSearchMode {
  const unsandboxed = sandbox.type === "danger-full-access";
  const preferred = configured ?? (unsandboxed ? "live" : "cached");
  const ok = (mode: WebSearchMode) => mode === "disabled" || allowed === null || allowed.includes(mode);
  if (unsandboxed && preferred !== "disabled") {
    return (["live", "cached"] as const).find(ok) ?? "disabled";
  }
  if (ok(preferred)) return preferred;
  return (["cached", "live"] as const).find(ok) ?? "disabled";
}

/** Offered unless the turn's mode is `disabled`. */
export function webSearchToolEnabled(mode: WebSearchMode): boolean {
  return mode !== "disabled";
}

/**
 * The tool as Codex sends it: `external_web_access` is true only for live search; a
 * `[tools] web_search` table adds the domain filter, the user's location and the context size.
 */
export function webSearchToolSpec(
  mode: WebSearchMode,
  info: ModelInfo,
  tool: WebSearchToolConfig | null = null,
): ToolSpec {
  return {
    type: "web_search",
    external_web_access: mode === "live",
    ...(tool?.allowed_domains ? { filters: { allowed_domains: tool.allowed_domains } } : {}),
    ...(tool?.location ? { user_location: { type: "approximate", ...tool.location } } : {}),
    ...(tool?.context_size ? { search_context_size: tool.context_size } : {}),
    ...(info.webSearchToolType === "text_and_image" ? { search_content_types: ["text", "image"] } : {}),
  };
}

type ApiAction = { type?: unknown; query?: unknown; queries?: unknown; url?: unknown; pattern?: unknown };

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const strings = (v: unknown): string[] | null =>
  Array.isArray(v) && v.every((s) => typeof s === "string") ? (v as string[]) : null;

/** A `web_search_call` action (API spelling, snake_case types) as the v2 `WebSearchAction`. */
export function webSearchActionToV2(action: unknown): WebSearchAction {
  const a = (typeof action === "object" && action !== null ? action : {}) as ApiAction;
  switch (a.type) {
    case "search":
      return { type: "search", query: str(a.query), queries: strings(a.queries) };
    case "open_page":
      return { type: "openPage", url: str(a.url) };
    case "find_in_page":
      return { type: "findInPage", url: str(a.url), pattern: str(a.pattern) };
    default:
      return { type: "other" };
  }
}

/** The one-line summary Codex shows as the item's `query`. */
export function webSearchActionDetail(action: WebSearchAction): string {
  switch (action.type) {
    case "search": {
      if (action.query) return action.query;
      const queries = action.queries ?? [];
      const first = queries[0] ?? "";
      return queries.length > 1 && first !== "" ? `${first} ...` : first;
    }
    case "openPage":
      return action.url ?? "";
    case "findInPage":
      if (action.pattern && action.url) return `'${action.pattern}' in ${action.url}`;
      if (action.pattern) return `'${action.pattern}'`;
      return action.url ?? "";
    case "other":
      return "";
  }
}
