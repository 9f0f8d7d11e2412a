import type { ResolvedModelProvider } from "../config/model-provider.js";
import type { ModelRequest, ModelStreamEvent } from "../protocol/model.js";
import { chatAdapter, chatBody, chatToolNames } from "./chat.js";
import { ModelError } from "./errors.js";
import {
  abortableSleep,
  backoffDelayMs,
  endpointUrl,
  httpError,
  postJson,
  providerHeaders,
  retryAfterMs,
} from "./http.js";
import { requestMaxRetries, streamIdleTimeoutMs, streamMaxRetries } from "./providers.js";
import { nodeHttpFetch } from "./node-transport.js";
import { prewarmConnection } from "./prewarm.js";
import { parseRateLimits } from "./rate-limits.js";
import { responsesAdapter, responsesBody } from "./responses.js";
import { keelUserAgent } from "./user-agent.js";
import { readSse } from "./sse.js";
import type { WireAdapter } from "./wire.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface StreamOptions {
  signal?: AbortSignal;
  /** Compactions so far in this thread; sent as `x-keel-window-id: <thread>:<generation>`. */
  windowGeneration?: number;
  /** The turn the request belongs to (`client_metadata.turn_id`). */
  turnId?: string;
}

/** One model, one provider: a request in, a stream of events out. */
export interface ModelClient {
  readonly provider: ResolvedModelProvider;
  stream(request: ModelRequest, options?: StreamOptions): AsyncIterable<ModelStreamEvent>;
  /** Opens the connection the first request will reuse; never throws (see prewarm.ts). */
  prewarm?(signal: AbortSignal): Promise<void>;
}

export interface ModelClientOptions {
  provider: ResolvedModelProvider;
  /** Source of `env_key` and `env_http_headers` values (the CLI passes `process.env`). */
  env?: Env;
  /** Used instead of `env_key` when given (exec's `CODEX_API_KEY`). */
  apiKey?: string;
  /**
   * The key `keel login` stored, asked for at each request (a login or logout takes effect at
   * once); used by providers that `requires_openai_auth` when `env_key` supplies none.
   */
  storedApiKey?: () => string | undefined;
  /** Thread id: `session_id` header, default `prompt_cache_key`, first half of the window id. */
  threadId?: string;
  /** `originator` header, and the product token of the `user-agent`. */
  originator?: string;
  /** Experimental features that are on: the `x-codex-beta-features` header (comma-joined). */
  betaFeatures?: readonly string[];
  /** Defaults to a `node:http(s)` transport (see node-transport.ts); tests may inject `fetch`. */
  fetch?: typeof fetch;
  /** Waits between retries; inject to test backoff without real time. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export function createModelClient(options: ModelClientOptions): ModelClient {
  return new HttpModelClient(options);
}

/** Events held back until the first content event, so a silent retry never repeats them. */
const PRELUDE = new Set<ModelStreamEvent["type"]>(["created", "rate_limits"]);

class HttpModelClient implements ModelClient {
  readonly provider: ResolvedModelProvider;
  private readonly options: ModelClientOptions;
  private readonly doFetch: typeof fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: ModelClientOptions) {
    this.provider = options.provider;
    this.options = options;
    this.doFetch = options.fetch ?? nodeHttpFetch;
    this.sleep = options.sleep ?? abortableSleep;
  }

  prewarm(signal: AbortSignal): Promise<void> {
    return prewarmConnection(this.doFetch, endpointUrl(this.provider, "/models"), this.headers(0), signal);
  }

  /**
   * Retries: failed requests (429, 5xx, connection errors) up to `request_max_retries`; a stream
   * that breaks, stalls or fails retryably up to `stream_max_retries`, but only while none of its
   * content events reached the caller. Once content was emitted the ModelError is thrown with
   * `emitted = true` and the turn loop decides (it has to discard the partial output).
   */
  async *stream(request: ModelRequest, options: StreamOptions = {}): AsyncGenerator<ModelStreamEvent> {
    const { signal } = options;
    const { info } = this.provider;
    const headers = this.headers(options.windowGeneration ?? 0);
    const chat = info.wire_api === "chat";
    const url = endpointUrl(this.provider, chat ? "/chat/completions" : "/responses");
    const promptCacheKey = request.prompt_cache_key ?? this.options.threadId;
    const body = chat
      ? chatBody(request)
      : responsesBody(request, promptCacheKey, this.clientMetadata(options, headers));
    const toolNames = chatToolNames(request.tools);
    const maxStreamRetries = streamMaxRetries(info);
    const idleMs = streamIdleTimeoutMs(info);

    for (let streamRetry = 0; ; streamRetry++) {
      signal?.throwIfAborted();
      const response = yield* this.open(url, headers, body, idleMs, signal);
      const adapter: WireAdapter = chat ? chatAdapter(info.name, toolNames) : responsesAdapter(info.name);
      const prelude: ModelStreamEvent[] = [];
      const limits = parseRateLimits(response.headers);
      if (limits) prelude.push({ type: "rate_limits", snapshot: limits });
      let emitted = false;
      try {
        for await (const message of readSse(response.body!, idleMs, signal)) {
          for (const event of adapter.handle(message)) {
            if (!emitted && PRELUDE.has(event.type)) {
              prelude.push(event);
              continue;
            }
            if (!emitted) {
              emitted = true;
              yield* prelude;
            }
            yield event;
          }
          if (adapter.done) return;
        }
        const tail = adapter.end();
        if (!emitted) yield* prelude;
        yield* tail;
        return;
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (!(err instanceof ModelError)) throw err;
        err.emitted = emitted;
        if (!err.retryable || emitted || streamRetry >= maxStreamRetries) throw err;
        const delay = backoffDelayMs(streamRetry + 1, this.options.random);
        yield {
          type: "retrying",
          phase: "stream",
          attempt: streamRetry + 1,
          max_attempts: maxStreamRetries,
          delay_ms: delay,
          message: err.message,
        };
        await this.sleep(delay, signal);
      }
    }
  }

  /** Codex's request headers, with keel's names where they carry keel's own ids. */
  private headers(windowGeneration: number): Record<string, string> {
    const headers = providerHeaders(
      this.provider,
      this.options.env ?? {},
      this.options.apiKey,
      this.options.storedApiKey,
    );
    const originator = this.options.originator ?? "keel";
    headers.originator = originator;
    headers["user-agent"] ??= keelUserAgent(originator, this.options.env ?? {});
    if (this.options.betaFeatures?.length)
      headers["x-codex-beta-features"] = this.options.betaFeatures.join(",");
    const thread = this.options.threadId;
    if (thread) {
      headers["session-id"] = thread;
      headers["thread-id"] = thread;
      headers["x-client-request-id"] = thread;
      headers["x-keel-window-id"] = `${thread}:${windowGeneration}`;
    }
    return headers;
  }

  /** The ids of the request, for the provider's logs (`client_metadata`, Responses API only). */
  private clientMetadata(options: StreamOptions, headers: Record<string, string>): Record<string, string> {
    const thread = this.options.threadId;
    return {
      ...(options.turnId ? { turn_id: options.turnId } : {}),
      ...(headers["x-keel-window-id"] ? { "x-keel-window-id": headers["x-keel-window-id"] } : {}),
      ...(thread ? { session_id: thread, thread_id: thread } : {}),
    };
  }

  /** POST with request retries; yields `retrying` notices, returns the 2xx streaming response. */
  private async *open(
    url: string,
    headers: Record<string, string>,
    body: unknown,
    idleMs: number,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ModelStreamEvent, Response> {
    const maxRetries = requestMaxRetries(this.provider.info);
    for (let retry = 0; ; retry++) {
      let error: ModelError;
      let requestedDelay: number | undefined;
      try {
        const res = await postJson(this.doFetch, url, headers, body, idleMs, signal);
        if (res.ok && res.body) return res;
        requestedDelay = retryAfterMs(res.headers, this.options.now);
        error = res.ok
          ? new ModelError("protocol", `empty response body from ${url}`, { retryable: true })
          : await httpError(res, this.provider.info.name);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (!(err instanceof ModelError)) throw err;
        error = err;
      }
      if (!error.retryable || retry >= maxRetries) throw error;
      const delay = requestedDelay ?? backoffDelayMs(retry + 1, this.options.random);
      yield {
        type: "retrying",
        phase: "request",
        attempt: retry + 1,
        max_attempts: maxRetries,
        delay_ms: delay,
        message: error.message,
      };
      await this.sleep(delay, signal);
    }
  }
}
