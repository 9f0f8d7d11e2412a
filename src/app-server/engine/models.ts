import type { LoadedConfig } from "../../config/load.js";
import type { ResolvedModelProvider } from "../../config/model-provider.js";
import { storedApiKey } from "../../auth/auth-file.js";
import { endpointUrl, providerHeaders } from "../../model/http.js";
import type { ModelInfo } from "../../model/catalog/model-info.js";
import type { ModelProviderInfo } from "../../config/model-provider.js";
import type { Model, ModelProviderListResponse, ModelProviderSummary } from "../../protocol/v2/model.js";

/**
 * `model/list` entries: the model catalog (for OpenAI's provider, or any provider when
 * `model_catalog_json` names one), the configured model, and whatever the provider's `GET /models`
 * lists when it answers quickly — each described by its catalog facts. Never fails: the TUI
 * aborts start-up when model/list errors.
 */

const LIST_TIMEOUT_MS = 1500;
/** A provider that failed is asked again after this long. */
const FAILURE_TTL_MS = 60_000;

/** Offered for a model whose catalog entry lists no efforts (unknown models). */
const FALLBACK_EFFORTS = [
  { reasoningEffort: "low", description: "Fast responses with lighter reasoning" },
  { reasoningEffort: "medium", description: "Balances speed and reasoning depth" },
  { reasoningEffort: "high", description: "Greater reasoning depth for complex problems" },
];

/** Codex's `Model` entry for one model's facts. */
export function modelEntry(
  info: ModelInfo,
  isDefault: boolean,
  configuredEffort: string | null = null,
): Model {
  const efforts = info.supportedReasoningEfforts.map((e) => ({
    reasoningEffort: e.effort,
    description: e.description,
  }));
  return {
    id: info.slug,
    model: info.slug,
    upgrade: info.upgrade,
    upgradeInfo: info.upgrade
      ? { model: info.upgrade, upgradeCopy: null, modelLink: null, migrationMarkdown: null }
      : null,
    availabilityNux: null,
    displayName: info.displayName,
    description: info.description,
    hidden: info.hidden,
    supportedReasoningEfforts: efforts.length > 0 ? efforts : FALLBACK_EFFORTS,
    defaultReasoningEffort: configuredEffort ?? info.defaultReasoningEffort ?? "medium",
    inputModalities: [...info.inputModalities],
    supportsPersonality: false,
    additionalSpeedTiers: [...info.additionalSpeedTiers],
    isDefault,
  };
}

export interface ModelListOptions {
  providerId?: string | null | undefined;
  includeHidden?: boolean | null | undefined;
  /** The connected client's `clientInfo`: Codex clients older than an entry's minimum skip it. */
  client?: { name: string; version: string } | undefined;
}

/**
 * Whether a Codex client can read this entry: an older TUI rejects the whole `model/list` answer
 * when one entry is beyond it. Only clients that call themselves Codex are judged by Codex's
 * versions.
 */
function isCodexClient(client: ModelListOptions["client"]): client is { name: string; version: string } {
  return client !== undefined && /^codex/i.test(client.name);
}

function clientUnderstands(client: ModelListOptions["client"], info: ModelInfo): boolean {
  if (!isCodexClient(client) || info.minimalClientVersion === null) return true;
  return compareVersions(client.version, info.minimalClientVersion) >= 0;
}

/** The efforts Codex clients knew before `max` and `ultra` (the 0.124 TUI fails on others). */
const LEGACY_EFFORTS = new Set(["none", "minimal", "low", "medium", "high", "xhigh"]);
/** The oldest client version the catalog pairs with `max`/`ultra` efforts. */
const EXTENDED_EFFORTS_SINCE = "0.142.2";

/** An entry an older Codex client can parse: efforts it does not know are left out. */
function forClient(client: ModelListOptions["client"], entry: Model): Model {
  if (!isCodexClient(client) || compareVersions(client.version, EXTENDED_EFFORTS_SINCE) >= 0) return entry;
  const efforts = entry.supportedReasoningEfforts.filter((e) => LEGACY_EFFORTS.has(e.reasoningEffort));
  const fallback = efforts.at(-1)?.reasoningEffort ?? "medium";
  return {
    ...entry,
    supportedReasoningEfforts: efforts,
    defaultReasoningEffort: LEGACY_EFFORTS.has(entry.defaultReasoningEffort)
      ? entry.defaultReasoningEffort
      : (fallback as Model["defaultReasoningEffort"]),
  };
}

/** Numeric dotted-version order ("0.124.0" < "0.142.2"); a pre-release tag is ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .split(/[-+]/)[0]!
      .split(".")
      .map((p) => Number.parseInt(p, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export class ModelCatalog {
  private readonly cache = new Map<string, { at: number; models: Promise<string[]>; ok: boolean }>();

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  async list(loaded: LoadedConfig, options: ModelListOptions = {}): Promise<Model[]> {
    const configured = loaded.model.value;
    let provider: ResolvedModelProvider | null = null;
    try {
      const id = options.providerId ?? loaded.modelProviderId.value;
      provider = { id, info: loaded.modelProviders.get(id) };
    } catch {
      provider = null;
    }
    const catalog = loaded.modelCatalog;
    const listsCatalog =
      provider?.info.requires_openai_auth === true || loaded.modelCatalogJson.value !== null;
    const listed = provider ? await this.providerModels(provider, () => storedApiKey(loaded.keelHome)) : [];
    const slugs = [
      ...new Set([
        ...(configured ? [configured] : []),
        ...(listsCatalog ? catalog.list().map((m) => m.slug) : []),
        ...listed,
      ]),
    ];
    const defaultSlug = configured ?? slugs[0];
    return slugs
      .map((slug) => catalog.resolve(slug))
      .filter((info) => options.includeHidden === true || !info.hidden || info.slug === configured)
      .filter((info) => info.slug === configured || clientUnderstands(options.client, info))
      .map((info) =>
        modelEntry(
          info,
          info.slug === defaultSlug,
          info.slug === configured ? loaded.modelReasoningEffort.value : null,
        ),
      )
      .map((entry) => forClient(options.client, entry));
  }

  private providerModels(
    provider: ResolvedModelProvider,
    storedKey: () => string | undefined,
  ): Promise<string[]> {
    const key = `${provider.id} ${provider.info.base_url ?? ""}`;
    const cached = this.cache.get(key);
    if (cached && (cached.ok || Date.now() - cached.at < FAILURE_TTL_MS)) return cached.models;
    const entry = { at: Date.now(), ok: true, models: Promise.resolve<string[]>([]) };
    entry.models = fetchModels(provider, this.env, storedKey).catch(() => {
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
  storedKey: () => string | undefined,
) {
  const response = await fetch(endpointUrl(provider, "/models"), {
    headers: providerHeaders(provider, env, undefined, storedKey),
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

/**
 * `modelProvider/list`: OpenAI's provider, the user's `[model_providers.*]` and the active one (a
 * broken table is left out; it fails when used). keel has no provider editor, so nothing is
 * editable; `baseUrl` is shown without credentials or query.
 */
export function modelProviderList(loaded: LoadedConfig): ModelProviderListResponse {
  const active = loaded.modelProviderId.value;
  const ids = [...new Set(["openai", ...Object.keys(loaded.toml.model_providers ?? {}), active])];
  const data: ModelProviderSummary[] = [];
  for (const id of ids) {
    let info: ModelProviderInfo;
    try {
      info = loaded.modelProviders.get(id);
    } catch {
      continue;
    }
    data.push({
      id,
      name: info.name,
      canEdit: false,
      baseUrl: displayUrl(info.base_url),
      settings: info.requires_openai_auth
        ? { type: "openai" }
        : {
            type: "customGateway",
            auth: info.env_key ? { mode: "environmentVariable", envKey: info.env_key } : { mode: "none" },
          },
    });
  }
  return { data, defaultProviderId: active, canChangeDefault: false };
}

function displayUrl(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return null;
  }
}
