/**
 * Command output as the model sees it: Codex's shapes (a JSON object for `shell`, a plain-text
 * header block for `exec_command`), with long output cut in the middle so both its beginning and
 * its end survive (see truncation.ts for the exact cut).
 */
import { boundaryAtOrAfter, boundaryAtOrBefore } from "../../lib/utf8.js";
import { execReply } from "./exec-reply.js";
import {
  approxTokenCount,
  approxTokensFromBytes,
  cappedByMaxTokens,
  formattedTruncateText,
  type TruncationPolicy,
} from "./truncation.js";

/** Default `max_output_tokens` of an exec_command call (Codex: 10k tokens). */
export const DEFAULT_OUTPUT_TOKENS = 10_000;
/** Exit code reported for a command killed by its timeout (Codex, like `timeout(1)`). */
export const TIMEOUT_EXIT_CODE = 124;
/** What one command keeps of its output, head and tail together (Codex: 1 MiB per process). */
export const COMMAND_OUTPUT_MAX_BYTES = 1024 * 1024;

export const approxTokens = approxTokenCount;

export interface TruncateMiddleOptions {
  /** The model's policy (bytes or tokens); `maxTokens` caps it. Default: a token policy of `maxTokens`. */
  policy?: TruncationPolicy;
  /** Tokens of the whole output when `text` is only what a bounded buffer kept of it. */
  originalTokens?: number;
  /** Bytes the bounded buffer dropped from the middle of the output. */
  omittedBytes?: number;
}

/**
 * An output section as Codex sends it: the text itself when it fits, else the warning block and
 * head…`N tokens truncated`…tail within `maxTokens` (or the model's byte/token policy, whichever
 * is smaller).
 */
export function truncateMiddle(text: string, maxTokens: number, options: TruncateMiddleOptions = {}): string {
  const policy = cappedByMaxTokens(options.policy ?? { mode: "tokens", limit: maxTokens }, maxTokens);
  return formattedTruncateText(text, policy, {
    ...(options.originalTokens !== undefined ? { originalTokens: options.originalTokens } : {}),
    ...(options.omittedBytes !== undefined ? { omittedBytes: options.omittedBytes } : {}),
  });
}

/**
 * Interleaved stdout+stderr in arrival order, bounded like Codex's head/tail buffer: the first
 * half of `limit` bytes and a rolling window of the last half are kept, the middle is counted.
 * Cuts fall on character boundaries.
 */
export class OutputCollector {
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private readonly head: string[] = [];
  private headBytes = 0;
  private headFull = false;
  // Kept as the strings that arrived (with their byte sizes): most pieces pass through the tail
  // window and are dropped whole, so only the one cut at its front is ever converted to bytes.
  private tail: string[] = [];
  private tailSizes: number[] = [];
  private tailBytes = 0;
  private dropped = 0;
  private total = 0;

  constructor(limit = COMMAND_OUTPUT_MAX_BYTES) {
    this.headLimit = Math.floor(Math.max(0, limit) / 2);
    this.tailLimit = Math.max(0, limit) - this.headLimit;
  }

  push(text: string): void {
    if (text === "") return;
    let size = Buffer.byteLength(text, "utf8");
    this.total += size;
    if (!this.headFull) {
      const room = this.headLimit - this.headBytes;
      if (size <= room) {
        this.head.push(text);
        this.headBytes += size;
        return;
      }
      // Once a piece did not fit whole, the head is closed: later bytes must not jump ahead.
      this.headFull = true;
      const bytes = Buffer.from(text, "utf8");
      const take = boundaryAtOrBefore(bytes, room);
      if (take > 0) {
        this.head.push(bytes.toString("utf8", 0, take));
        this.headBytes += take;
      }
      text = bytes.toString("utf8", take);
      size -= take;
    }
    if (size === 0) return;
    this.tail.push(text);
    this.tailSizes.push(size);
    this.tailBytes += size;
    this.trimTail();
  }

  /** Bytes the command printed in all. */
  get totalBytes(): number {
    return this.total;
  }

  /** Bytes dropped from the middle. */
  get omittedBytes(): number {
    return this.dropped;
  }

  /** What was kept, with Codex's `... N bytes omitted ...` line where the middle was dropped. */
  text(): string {
    const head = this.head.join("");
    const tail = this.tail.join("");
    return this.dropped > 0 ? `${head}\n... ${this.dropped} bytes omitted ...\n${tail}` : head + tail;
  }

  private trimTail(): void {
    let excess = this.tailBytes - this.tailLimit;
    while (excess > 0) {
      const size = this.tailSizes[0]!;
      if (size <= excess) {
        this.tail.shift();
        this.tailSizes.shift();
        this.tailBytes -= size;
        this.dropped += size;
        excess -= size;
        continue;
      }
      const bytes = Buffer.from(this.tail[0]!, "utf8");
      const cut = boundaryAtOrAfter(bytes, excess);
      this.tail[0] = bytes.toString("utf8", cut);
      this.tailSizes[0] = size - cut;
      this.tailBytes -= cut;
      this.dropped += cut;
      excess -= cut;
    }
  }
}

export interface RunSummary {
  exitCode: number;
  durationMs: number;
  output: string;
  timedOut: boolean;
  timeoutMs: number | null;
  /** Bytes the command printed, when `output` is only what a bounded buffer kept. */
  originalBytes?: number;
  /** Bytes the bounded buffer dropped from the middle of `output`. */
  omittedBytes?: number;
}

function bodyOf(run: RunSummary): string {
  return run.timedOut
    ? `command timed out after ${run.timeoutMs ?? 0} milliseconds\n${run.output}`
    : run.output;
}

/** Token count of the whole output (Codex counts what the command printed, not what was kept). */
function originalTokens(run: RunSummary, body: string): number {
  if (run.originalBytes === undefined) return approxTokenCount(body);
  const extra = Buffer.byteLength(body, "utf8") - Buffer.byteLength(run.output, "utf8");
  return approxTokensFromBytes(run.originalBytes + extra);
}

function section(run: RunSummary, policy: TruncationPolicy): { body: string; tokens: number; text: string } {
  const body = bodyOf(run);
  const tokens = originalTokens(run, body);
  const text = formattedTruncateText(body, policy, {
    originalTokens: tokens,
    ...(run.omittedBytes !== undefined ? { omittedBytes: run.omittedBytes } : {}),
  });
  return { body, tokens, text };
}

const tokensPolicy = (tokens: number): TruncationPolicy => ({ mode: "tokens", limit: tokens });

/** `shell` tool: `{"output": …, "metadata": {"exit_code": …, "duration_seconds": …}}`. */
export function formatShellOutput(
  run: RunSummary,
  policy: TruncationPolicy = tokensPolicy(DEFAULT_OUTPUT_TOKENS),
): string {
  return JSON.stringify({
    output: section(run, policy).text,
    metadata: { exit_code: run.exitCode, duration_seconds: Math.round(run.durationMs / 100) / 10 },
  });
}

/** `shell_command`: exit code and wall time, then the output (Codex's plain-text form). */
export function formatShellCommandOutput(
  run: RunSummary,
  policy: TruncationPolicy = tokensPolicy(DEFAULT_OUTPUT_TOKENS),
): string {
  return [
    `Exit code: ${run.exitCode}`,
    `Wall time: ${(run.durationMs / 1000).toFixed(1)} seconds`,
    "Output:",
    section(run, policy).text,
  ].join("\n");
}

/**
 * `exec_command`: a header block (chunk id, wall time, exit code, the output's token count) then
 * the output. `maxTokens` (the call's `max_output_tokens`) caps the model's `policy`.
 */
export function formatExecCommandOutput(
  run: RunSummary,
  chunkId: string,
  maxTokens = DEFAULT_OUTPUT_TOKENS,
  policy: TruncationPolicy = tokensPolicy(DEFAULT_OUTPUT_TOKENS),
): string {
  const body = bodyOf(run);
  const tokens = originalTokens(run, body);
  const header = [
    `Chunk ID: ${chunkId}`,
    `Wall time: ${(run.durationMs / 1000).toFixed(4)} seconds`,
    `Process exited with code ${run.exitCode}`,
    `Original token count: ${tokens}`,
    "Output:",
    "",
  ].join("\n");
  return execReply(header, body, policy, maxTokens, {
    originalTokens: tokens,
    ...(run.omittedBytes !== undefined ? { omittedBytes: run.omittedBytes } : {}),
  });
}
