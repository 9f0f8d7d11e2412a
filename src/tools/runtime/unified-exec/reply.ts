import type { TruncationPolicy } from "../../../model/catalog/model-info.js";
import { execReply } from "../exec-reply.js";

/** exec_command waits this long by default, and at least / at most the bounds below (Codex). */
export const EXEC_DEFAULT_YIELD_MS = 10_000;
export const MIN_YIELD_MS = 250;
export const MAX_YIELD_MS = 30_000;
/** An empty write_stdin poll waits at least this long (Codex). */
export const MIN_EMPTY_POLL_MS = 5_000;
/** `background_terminal_max_timeout` default: the longest an empty poll may wait. */
export const DEFAULT_BACKGROUND_MAX_TIMEOUT_MS = 300_000;
/** After a non-empty write, the command gets this long to react before the wait starts. */
export const WRITE_SETTLE_MS = 100;

const clamp = (value: number, low: number, high: number): number => Math.min(Math.max(value, low), high);

export function execYieldMs(requested: number | undefined): number {
  return clamp(requested ?? EXEC_DEFAULT_YIELD_MS, MIN_YIELD_MS, MAX_YIELD_MS);
}

/** write_stdin's wait: a poll waits long (the model has nothing else to do), a write briefly. */
export function writeYieldMs(
  requested: number | undefined,
  emptyPoll: boolean,
  backgroundMaxMs: number,
): number {
  const asked = Math.max(requested ?? MIN_YIELD_MS, MIN_YIELD_MS);
  if (emptyPoll) return clamp(asked, MIN_EMPTY_POLL_MS, Math.max(MIN_EMPTY_POLL_MS, backgroundMaxMs));
  return Math.min(asked, MAX_YIELD_MS);
}

export interface ExecReply {
  chunkId: string;
  wallMs: number;
  /** Exit code once the process ended; otherwise `sessionId` says it still runs. */
  exitCode: number | null;
  sessionId: number | null;
  output: string;
  /** Bytes the process printed for this reply (more than `output` when a full buffer dropped some). */
  outputBytes: number;
  /** Bytes the full buffer dropped from the middle of `output`. */
  omittedBytes: number;
  /** The turn's tool-output policy (the model's, or `tool_output_token_limit`). */
  policy: TruncationPolicy;
  /** The call's `max_output_tokens`: it can only lower the policy. */
  maxOutputTokens: number | undefined;
}

/**
 * The text the model reads for an exec_command / write_stdin call: Codex's header block, then the
 * output cut as Codex cuts it (src/tools/runtime/exec-reply.ts).
 */
export function formatExecReply(reply: ExecReply): string {
  const status =
    reply.exitCode !== null
      ? `Process exited with code ${reply.exitCode}`
      : `Process running with session ID ${reply.sessionId}`;
  const originalTokens = Math.ceil(reply.outputBytes / 4);
  const header = [
    `Chunk ID: ${reply.chunkId}`,
    `Wall time: ${(reply.wallMs / 1000).toFixed(4)} seconds`,
    status,
    `Original token count: ${originalTokens}`,
    "Output:",
    "",
  ].join("\n");
  return execReply(header, reply.output, reply.policy, reply.maxOutputTokens, {
    originalTokens,
    ...(reply.omittedBytes > 0 ? { omittedBytes: reply.omittedBytes } : {}),
  });
}
