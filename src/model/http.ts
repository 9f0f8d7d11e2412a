import type { ResolvedModelProvider } from "../config/model-provider.js";
import { ProviderErrorBodySchema } from "../protocol/model.js";
import { MissingApiKeyError, ModelError } from "./errors.js";
import { OPENAI_DEFAULT_BASE_URL } from "./providers.js";
import { errorMessage } from "../lib/errors.js";

type Env = Readonly<Record<string, string | undefined>>;

/** First retry waits ~200 ms, doubling each time (Codex's schedule), ±10 % jitter. */
const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 30_000;
/** A server asking for a longer pause still gets retried after this long. */
export const MAX_RETRY_AFTER_MS = 60_000;

export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const raw = Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1), BACKOFF_MAX_MS);
  return Math.round(raw * (0.9 + 0.2 * random()));
}

/**
 * Delay requested by `retry-after-ms` or `Retry-After` (delta-seconds or an HTTP date), capped at
 * MAX_RETRY_AFTER_MS. Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: Headers, now: () => number = Date.now): number | undefined {
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  let delay: number | undefined = Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  const value = headers.get("retry-after")?.trim();
  if (delay === undefined && value) {
    if (/^\d+(\.\d+)?$/.test(value)) delay = Number.parseFloat(value) * 1000;
    else {
      const at = Date.parse(value);
      if (!Number.isNaN(at)) delay = Math.max(0, at - now());
    }
  }
  return delay === undefined ? undefined : Math.min(Math.round(delay), MAX_RETRY_AFTER_MS);
}

/** `{base_url}{path}` with the provider's `query_params`. */
export function endpointUrl(provider: ResolvedModelProvider, path: string): string {
  const base = (provider.info.base_url ?? OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, "");
  const url = new URL(`${base}${path}`);
  for (const [key, value] of Object.entries(provider.info.query_params ?? {})) {
    url.searchParams.set(key, value);
  }
  return url.toString();
}

/**
 * Headers for every request: auth, `http_headers`, `env_http_headers` whose variable is set.
 * The key, first found wins: an explicit one (`CODEX_API_KEY` for exec), the `env_key` variable,
 * then — for providers that `requires_openai_auth` — the key `keel login` stored. Throws
 * MissingApiKeyError before any I/O when `env_key` is named and nothing supplies a key.
 */
export function providerHeaders(
  provider: ResolvedModelProvider,
  env: Env,
  apiKey: string | undefined,
  storedApiKey?: () => string | undefined,
): Record<string, string> {
  const { info } = provider;
  const headers: Record<string, string> = { ...(info.http_headers ?? {}) };
  for (const [name, variable] of Object.entries(info.env_http_headers ?? {})) {
    const value = env[variable];
    if (value !== undefined && value.trim() !== "") headers[name] = value;
  }
  let key = apiKey;
  if (key === undefined && info.env_key) key = nonBlank(env[info.env_key]);
  if (key === undefined && info.requires_openai_auth) key = nonBlank(storedApiKey?.());
  if (key === undefined && info.env_key) {
    throw new MissingApiKeyError(provider.id, info.env_key, info.env_key_instructions, {
      login: info.requires_openai_auth === true,
    });
  }
  if (key) headers.authorization = `Bearer ${key.trim()}`;
  return headers;
}

function nonBlank(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value : undefined;
}

const RETRYABLE_STATUS = (status: number) => status === 408 || status === 429 || status >= 500;
/** 429s that mean "out of credit", not "slow down". */
const QUOTA_CODES = new Set(["insufficient_quota", "usage_limit_reached", "usage_not_included"]);

/** Reads a non-2xx answer into a ModelError carrying the provider's own message. */
export async function httpError(res: Response, providerName: string): Promise<ModelError> {
  const text = await res.text().catch(() => "");
  let message: string | undefined;
  let code: string | undefined;
  try {
    const parsed = ProviderErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) {
      const err = parsed.data.error;
      if (typeof err === "string") message = err;
      else {
        message = err.message ?? undefined;
        code = err.code ?? err.type ?? undefined;
      }
    }
  } catch {
    // not JSON: fall back to the raw text below
  }
  message ??= text.trim().slice(0, 500) || res.statusText || "no details";
  const retryable = RETRYABLE_STATUS(res.status) && !(code !== undefined && QUOTA_CODES.has(code));
  return new ModelError("http", `${providerName} returned HTTP ${res.status}: ${message}`, {
    retryable,
    status: res.status,
    ...(code === undefined ? {} : { code }),
  });
}

/** Sleeps `ms`, rejecting with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * One POST. Waiting for the response headers is bounded by `idleTimeoutMs`, like the stream;
 * failures to connect become retryable `connection` errors, the caller's abort is rethrown as is.
 */
export async function postJson(
  doFetch: typeof fetch,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  idleTimeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const headerTimeout = new AbortController();
  const timer = setTimeout(() => headerTimeout.abort(), idleTimeoutMs);
  const combined = signal ? AbortSignal.any([signal, headerTimeout.signal]) : headerTimeout.signal;
  try {
    return await doFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", ...headers },
      body: JSON.stringify(body),
      signal: combined,
    });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    const message = headerTimeout.signal.aborted
      ? `no response within ${idleTimeoutMs} ms`
      : connectionMessage(err);
    return Promise.reject(
      new ModelError("connection", `could not reach ${url}: ${message}`, { retryable: true, cause: err }),
    );
  } finally {
    clearTimeout(timer);
  }
}

function connectionMessage(err: unknown): string {
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return errorMessage(err);
}
