import type { ModelInfo } from "./catalog/model-info.js";

/**
 * The `service_tier` Codex 0.169 sends for a configured one (captured with gpt-5.5,
 * gpt-daybreak-blue-latest and an unknown model): "fast" is the API's "priority"; "flex" goes to
 * any model; any other tier only to a model whose catalog entry advertises it, else it is left
 * out (the API would reject the request, e.g. "fast" is no API tier at all).
 */
export function wireServiceTier(configured: string | null | undefined, info: ModelInfo): string | null {
  if (!configured) return null;
  const tier = serviceTierId(configured);
  if (tier === "flex" || info.serviceTiers.includes(tier)) return tier;
  return null;
}

/** The API's id of a configured tier: Codex's "fast" is the API's "priority". */
export function serviceTierId(configured: string): string {
  return configured === "fast" ? "priority" : configured;
}
