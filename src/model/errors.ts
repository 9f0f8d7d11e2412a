import { LOGIN_WITH_API_KEY } from "../auth/messages.js";
import { UserError } from "../lib/errors.js";

export type ModelErrorKind =
  /** Non-2xx HTTP answer (after request retries, or not retryable). */
  | "http"
  /** Could not connect / connection reset before a response arrived. */
  | "connection"
  /** The stream closed, stalled or failed before `response.completed`. */
  | "stream"
  /** No bytes for `stream_idle_timeout_ms`. */
  | "idle_timeout"
  /** The provider reported `response.failed` / an `error` event. */
  | "response_failed"
  /** `response.incomplete` (e.g. max_output_tokens, content_filter). */
  | "incomplete"
  /** The provider sent something keel cannot read. */
  | "protocol";

/**
 * A model request that did not produce a complete response. `retryable` tells the turn loop
 * whether running the sampling step again may help (the client has already used its own retry
 * budgets when it throws); `emitted` says events of the failed attempt reached the caller.
 */
export class ModelError extends Error {
  readonly kind: ModelErrorKind;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly code: string | undefined;
  emitted = false;

  constructor(
    kind: ModelErrorKind,
    message: string,
    options: { retryable: boolean; status?: number; code?: string; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ModelError";
    this.kind = kind;
    this.retryable = options.retryable;
    this.status = options.status;
    this.code = options.code;
  }
}

/** `env_key` names a variable that is unset or empty. Raised before any request is made. */
export class MissingApiKeyError extends UserError {
  readonly variable: string;

  constructor(
    providerId: string,
    variable: string,
    instructions?: string,
    options: { login?: boolean } = {},
  ) {
    const hint =
      (instructions ? ` ${instructions}` : "") +
      (options.login ? ` Or store a key once: ${LOGIN_WITH_API_KEY}.` : "");
    super(
      `Missing environment variable: \`${variable}\` (API key for model provider "${providerId}").${hint}`,
    );
    this.name = "MissingApiKeyError";
    this.variable = variable;
  }
}

/** Response codes after which another attempt cannot succeed. */
const FATAL_RESPONSE_CODES = new Set([
  "context_length_exceeded",
  "insufficient_quota",
  "usage_not_included",
  "invalid_prompt",
  "invalid_request_error",
  "cyber_policy",
]);

export function isFatalResponseCode(code: string | undefined | null): boolean {
  return code !== undefined && code !== null && FATAL_RESPONSE_CODES.has(code);
}
