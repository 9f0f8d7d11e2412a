import type { LoadedConfig } from "../../config/load.js";
import type { ResolvedModelProvider } from "../../config/model-provider.js";
import { endpointUrl, providerHeaders } from "../../model/http.js";
import type { Model } from "../../protocol/v2/model.js";

/**
 * `model/list` entries: the configured model, plus whatever the provider's `GET /models` lists
 * when it answers quickly. Never fails — the TUI aborts start-up when model/list errors.
 */

const LIST_TIMEOUT_MS = 1500;
/** A provider that failed is asked again after this long. */
const FAILURE_TTL_MS = 60_000;

const EFFORTS = [
  { reasoningEffort: "low", description: "Fast responses with lighter reasoning" },
  { reasoningEffort: "medium", description: "Balances speed and reasoning depth" },
  { reasoningEffort: "high", description: "Greater reasoning depth for complex problems" },
];

export function modelEntry(id: string, isDefault: boolean, defaultEffort: string | null): Model {
  return {
    id,
    model: id,
    upgrade: null,
    upgradeInfo: null,
    availabilityNux: null,
    displayName: id,
    description: isDefault ? "Configured model" : "",
    hidden: false,
    supportedReasoningEfforts: EFFORTS,
    defaultReasoningEffort: defaultEffort ?? "medium",
    inputModalities: ["text", "image"],
    supportsPersonality: false,
    additionalSpeedTiers: [],
    isDefault,
  };
}

export class ModelCatalog {
  private readonly cache = new Map<string, { at: number; models: Promise<string[]>; ok: boolean }>();

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  async list(loaded: LoadedConfig, providerId: string | null | undefined): Promise<Model[]> {
    const configured = loaded.model.value;
    let provider: ResolvedModelProvider | null = null;
    try {
      const id = providerId ?? loaded.modelProviderId.value;
      provider = { id, info: loaded.modelProviders.get(id) };
    } catch {
      provider = null;
    }
    const listed = provider ? await this.providerModels(provider) : [];
    const ids = [...new Set([...(configured ? [configured] : []), ...listed])];
    return ids.map((id) => modelEntry(id, id === configured, loaded.modelReasoningEffort.value));
  }

  private providerModels(provider: ResolvedModelProvider): Promise<string[]> {
    const key = `${provider.id} ${provider.info.base_url ?? ""}`;
    const cached = this.cache.get(key);
    if (cached && (cached.ok || Date.now() - cached.at < FAILURE_TTL_MS)) return cached.models;
    const entry = { at: Date.now(), ok: true, models: Promise.resolve<string[]>([]) };
    entry.models = fetchModels(provider, this.env).catch(() => {
      entry.ok = false;
      return [];
    });
    this.cache.set(key, entry);
    return entry.models;
  }
}

async function fetchModels(
  provider: ResolvedModelProvider,
  env: Readonly<Record<string, string | undefined>>,
) {
  const response = await fetch(endpointUrl(provider, "/models"), {
    headers: providerHeaders(provider, env, undefined),
    signal: AbortSignal.timeout(LIST_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`GET /models: ${response.status}`);
  const body = (await response.json()) as { data?: { id?: unknown }[]; models?: { slug?: unknown }[] };
  const ids = [
    ...(body.data ?? []).map((m) => m.id),
    ...(Array.isArray(body.models) ? body.models.map((m) => m.slug) : []),
  ];
  return ids.filter((id): id is string => typeof id === "string" && id !== "");
}
