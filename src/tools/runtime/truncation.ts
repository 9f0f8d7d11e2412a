import { boundaryAtOrAfter, boundaryAtOrBefore, charsIn } from "../../lib/utf8.js";
import type { TruncationPolicy } from "../../model/catalog/model-info.js";

/**
 * Codex's tool-output truncation, byte for byte: a head and a tail of the text joined by
 * `…N tokens truncated…` (token policies) or `…N chars truncated…` (byte policies). Budgets are
 * UTF-8 bytes; a token is estimated as 4 bytes, rounded up. Cuts never split a character.
 */

export type { TruncationPolicy };

const BYTES_PER_TOKEN = 4;
/** What a tool output may grow to when recorded into the history: the policy plus 20 % for headers. */
const SERIALIZATION_ALLOWANCE = 1.2;

export const approxTokensFromBytes = (bytes: number): number => Math.ceil(bytes / BYTES_PER_TOKEN);
export const utf8Length = (text: string): number => Buffer.byteLength(text, "utf8");
export const approxTokenCount = (text: string): number => approxTokensFromBytes(utf8Length(text));

export function byteBudget(policy: TruncationPolicy): number {
  return policy.mode === "bytes" ? policy.limit : policy.limit * BYTES_PER_TOKEN;
}

/** Codex's `TruncationPolicy * f64`: the limit scaled and rounded up, in the same unit. */
export function scalePolicy(policy: TruncationPolicy, factor: number): TruncationPolicy {
  return { mode: policy.mode, limit: Math.ceil(policy.limit * factor) };
}

/** What one exec reply may take in all: the policy plus 20 % for its header (Codex). */
export function replyPolicy(policy: TruncationPolicy): TruncationPolicy {
  return scalePolicy(policy, SERIALIZATION_ALLOWANCE);
}

/**
 * The budget a tool output gets when it is recorded into the history: the policy's tokens × 1.2,
 * counted in tokens whatever the policy's unit (Codex 0.169 marks that cut in tokens for a
 * byte-policy model too).
 */
export function historyPolicy(policy: TruncationPolicy): TruncationPolicy {
  const tokens = policy.mode === "tokens" ? policy.limit : approxTokensFromBytes(policy.limit);
  return scalePolicy({ mode: "tokens", limit: tokens }, SERIALIZATION_ALLOWANCE);
}

/**
 * The model's policy with `tool_output_token_limit` applied: a token limit for token policies,
 * the same number of tokens in bytes for byte policies (Codex).
 */
export function withTokenLimit(
  policy: TruncationPolicy,
  tokenLimit: number | null | undefined,
): TruncationPolicy {
  if (tokenLimit === null || tokenLimit === undefined) return policy;
  return policy.mode === "tokens"
    ? { mode: "tokens", limit: tokenLimit }
    : { mode: "bytes", limit: tokenLimit * BYTES_PER_TOKEN };
}

/** The policy capped by a call's `max_output_tokens` (never above the model's budget). */
export function cappedByMaxTokens(
  policy: TruncationPolicy,
  maxTokens: number | null | undefined,
): TruncationPolicy {
  if (maxTokens === null || maxTokens === undefined) return policy;
  const cap = Math.max(0, Math.floor(maxTokens));
  return policy.mode === "tokens"
    ? { mode: "tokens", limit: Math.min(policy.limit, cap) }
    : { mode: "bytes", limit: Math.min(policy.limit, cap * BYTES_PER_TOKEN) };
}

/** Rust's `str::lines().count()`: a final newline does not start another line. */
export function lineCount(text: string): number {
  if (text === "") return 0;
  let lines = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines++;
  return text.endsWith("\n") ? lines : lines + 1;
}

export function truncationMarker(mode: TruncationPolicy["mode"], removed: number): string {
  return mode === "tokens" ? `…${removed} tokens truncated…` : `…${removed} chars truncated…`;
}

/** Head and tail of `bytes` within `budget` bytes, split evenly (the tail gets the odd byte). */
export function splitHeadTail(bytes: Buffer, budget: number): { headEnd: number; tailStart: number } {
  const left = Math.floor(budget / 2);
  const headEnd = boundaryAtOrBefore(bytes, left);
  const tailStart = Math.max(headEnd, boundaryAtOrAfter(bytes, bytes.length - (budget - left)));
  return { headEnd, tailStart };
}

/** Codex's `truncate_text`: the text itself when it fits, else head + marker + tail. */
export function truncateText(text: string, policy: TruncationPolicy): string {
  if (text === "") return "";
  const budget = byteBudget(policy);
  // Most outputs fit: decide that without copying the text.
  if (budget > 0 && utf8Length(text) <= budget) return text;
  const bytes = Buffer.from(text, "utf8");
  if (budget === 0) {
    const removed =
      policy.mode === "tokens" ? approxTokensFromBytes(bytes.length) : charsIn(bytes, 0, bytes.length);
    return truncationMarker(policy.mode, removed);
  }
  if (bytes.length <= budget) return text;
  const { headEnd, tailStart } = splitHeadTail(bytes, budget);
  const removed =
    policy.mode === "tokens"
      ? approxTokensFromBytes(bytes.length - budget)
      : charsIn(bytes, headEnd, tailStart);
  return (
    bytes.toString("utf8", 0, headEnd) +
    truncationMarker(policy.mode, removed) +
    bytes.toString("utf8", tailStart)
  );
}

export interface TruncationHeader {
  /** Tokens of the whole output, when `text` is only what was kept of it. */
  originalTokens?: number;
  /** Bytes dropped from the middle before `text` (a bounded buffer's omission). */
  omittedBytes?: number;
}

/**
 * Codex's `formatted_truncate_text`: unchanged when it fits the policy, else a two-line warning
 * (`Warning: truncated output (original token count: X)` and `Total output lines: L`, or
 * `... N bytes omitted ...` when a bounded buffer already dropped bytes) before the cut text.
 */
export function formattedTruncateText(
  text: string,
  policy: TruncationPolicy,
  header: TruncationHeader = {},
): string {
  if (utf8Length(text) <= byteBudget(policy)) return text;
  return warningBlock(text, header) + truncateText(text, policy);
}

/** The two lines and the empty line Codex puts before a cut output. */
export function warningBlock(text: string, header: TruncationHeader = {}): string {
  const tokens = header.originalTokens ?? approxTokenCount(text);
  const second =
    header.omittedBytes !== undefined && header.omittedBytes > 0
      ? `... ${header.omittedBytes} bytes omitted ...`
      : `Total output lines: ${lineCount(text)}`;
  return `Warning: truncated output (original token count: ${tokens})\n${second}\n\n`;
}

/** How many content bytes may stay so that `fixedBytes` + the marker + the content fit `policy`. */
export function keptBudget(
  policy: TruncationPolicy,
  fixedBytes: number,
  markerFor: (kept: number) => string,
): number {
  let kept = byteBudget(policy);
  // The marker's length depends on the count, which depends on what is kept: settle it.
  for (let round = 0; round < 8; round++) {
    const overhead = fixedBytes + utf8Length(markerFor(kept));
    const next = Math.max(
      0,
      policy.mode === "tokens"
        ? (policy.limit - approxTokensFromBytes(overhead)) * 4
        : policy.limit - overhead,
    );
    if (next === kept) break;
    kept = next;
  }
  return kept;
}
