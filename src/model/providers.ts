import type { ModelProviderInfo } from "../config/model-provider.js";
import { UserError } from "../lib/errors.js";

/** Codex's defaults for `[model_providers.<id>]` retry and timeout keys. */
export const DEFAULT_REQUEST_MAX_RETRIES = 4;
export const DEFAULT_STREAM_MAX_RETRIES = 5;
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
/** Upper bound for configured retry counts (same cap as Codex). */
export const MAX_CONFIGURED_RETRIES = 100;

export const OPENAI_PROVIDER_ID = "openai";
export const OLLAMA_PROVIDER_ID = "ollama";
export const LMSTUDIO_PROVIDER_ID = "lmstudio";
export const OSS_PROVIDER_IDS = [LMSTUDIO_PROVIDER_ID, OLLAMA_PROVIDER_ID] as const;
export type OssProviderId = (typeof OSS_PROVIDER_IDS)[number];

export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";
export const DEFAULT_OLLAMA_PORT = 11434;
export const DEFAULT_LMSTUDIO_PORT = 1234;

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value : undefined;
}

/**
 * Base URL of a local (OSS) provider: `KEEL_OSS_BASE_URL` wins, else `KEEL_OSS_PORT` replaces the
 * default port (both experimental, mirroring Codex's `CODEX_OSS_*`).
 */
export function ossBaseUrl(defaultPort: number, env: Env): string {
  const explicit = nonEmpty(env.KEEL_OSS_BASE_URL);
  if (explicit) return explicit;
  const port = Number.parseInt(nonEmpty(env.KEEL_OSS_PORT) ?? "", 10);
  const usePort = Number.isInteger(port) && port > 0 && port < 65536 ? port : defaultPort;
  return `http://localhost:${usePort}/v1`;
}

export interface BuiltInProviderOptions {
  /** Environment used for `KEEL_OSS_BASE_URL` / `KEEL_OSS_PORT`. */
  env?: Env;
  /** Overrides the OpenAI base URL (config `openai_base_url`). */
  openaiBaseUrl?: string;
}

/** The providers every keel install knows: `openai`, `ollama`, `lmstudio`. */
export function builtInModelProviders(
  options: BuiltInProviderOptions = {},
): Record<string, ModelProviderInfo> {
  const env = options.env ?? {};
  return {
    [OPENAI_PROVIDER_ID]: {
      name: "OpenAI",
      base_url: options.openaiBaseUrl ?? OPENAI_DEFAULT_BASE_URL,
      env_key: "OPENAI_API_KEY",
      env_key_instructions:
        "Create an API key at https://platform.openai.com/api-keys and export it as OPENAI_API_KEY.",
      wire_api: "responses",
      env_http_headers: { "OpenAI-Organization": "OPENAI_ORGANIZATION", "OpenAI-Project": "OPENAI_PROJECT" },
      requires_openai_auth: true,
    },
    [OLLAMA_PROVIDER_ID]: {
      name: "Ollama",
      base_url: ossBaseUrl(DEFAULT_OLLAMA_PORT, env),
      wire_api: "chat",
    },
    [LMSTUDIO_PROVIDER_ID]: {
      name: "LM Studio",
      base_url: ossBaseUrl(DEFAULT_LMSTUDIO_PORT, env),
      wire_api: "chat",
    },
  };
}

export function requestMaxRetries(info: ModelProviderInfo): number {
  return Math.min(info.request_max_retries ?? DEFAULT_REQUEST_MAX_RETRIES, MAX_CONFIGURED_RETRIES);
}

export function streamMaxRetries(info: ModelProviderInfo): number {
  return Math.min(info.stream_max_retries ?? DEFAULT_STREAM_MAX_RETRIES, MAX_CONFIGURED_RETRIES);
}

export function streamIdleTimeoutMs(info: ModelProviderInfo): number {
  return info.stream_idle_timeout_ms ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
}

/** The URL `probeProvider` asks: `{base_url}/models`, which both Ollama and LM Studio answer. */
export function probeUrl(info: ModelProviderInfo): string | null {
  return info.base_url ? `${info.base_url.replace(/\/+$/, "")}/models` : null;
}

/** Is a local server listening? A short timeout: a local server answers at once or not at all. */
export async function probeProvider(
  info: ModelProviderInfo,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<boolean> {
  const url = probeUrl(info);
  if (!url) return false;
  const doFetch = options.fetch ?? fetch;
  try {
    const res = await doFetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 1000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

export interface OssChoiceOptions {
  /** `--local-provider`, else `oss_provider` from config.toml. */
  configured?: string | null;
  providers: Record<string, ModelProviderInfo>;
  /** Defaults to `probeProvider`. */
  probe?: (info: ModelProviderInfo) => Promise<boolean>;
}

/**
 * The provider id `--oss` uses: the configured one, else the local server that answers (both
 * answering → ollama). When none answers, the error names every URL that was asked.
 */
export async function chooseOssProvider(options: OssChoiceOptions): Promise<string> {
  const configured = nonEmpty(options.configured ?? undefined);
  if (configured) {
    if (!options.providers[configured]) {
      throw new UserError(
        `oss_provider "${configured}" is not a known model provider (built-in: ${OSS_PROVIDER_IDS.join(", ")})`,
      );
    }
    return configured;
  }
  const probe = options.probe ?? ((info: ModelProviderInfo) => probeProvider(info));
  const candidates = OSS_PROVIDER_IDS.flatMap((id) => {
    const info = options.providers[id];
    return info ? [{ id, info }] : [];
  });
  const up = await Promise.all(candidates.map(({ info }) => probe(info)));
  const answering = candidates.filter((_, i) => up[i]).map((c) => c.id);
  if (answering.includes(OLLAMA_PROVIDER_ID)) return OLLAMA_PROVIDER_ID;
  if (answering[0]) return answering[0];
  const probed = candidates.map(({ info }) => `${info.name} at ${probeUrl(info) ?? "(no base_url)"}`);
  throw new UserError(
    `--oss: no local model server answered (probed ${probed.join(" and ")}). Start Ollama or LM Studio, or choose one with --local-provider or oss_provider in config.toml.`,
    1,
  );
}
