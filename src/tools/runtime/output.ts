/**
 * Command output as the model sees it: Codex's shapes (a JSON object for `shell`, a plain-text
 * header block for `exec_command`), with long output cut in the middle so both its beginning and
 * its end survive.
 */

/** Tokens are estimated as 4 characters each, as Codex does for its budgets. */
const CHARS_PER_TOKEN = 4;
/** Default budget for one tool output (Codex: 10k tokens). */
export const DEFAULT_OUTPUT_TOKENS = 10_000;
/** Exit code reported for a command killed by its timeout (Codex, like `timeout(1)`). */
export const TIMEOUT_EXIT_CODE = 124;

export const approxTokens = (text: string): number => Math.ceil(text.length / CHARS_PER_TOKEN);

/** Keeps the head and the tail of `text` within `maxTokens`, marking what was cut. */
export function truncateMiddle(text: string, maxTokens: number): string {
  const budget = Math.max(0, maxTokens) * CHARS_PER_TOKEN;
  if (text.length <= budget) return text;
  const head = text.slice(0, Math.floor(budget / 2));
  const tail = budget - head.length > 0 ? text.slice(text.length - (budget - head.length)) : "";
  const omitted = approxTokens(text.slice(head.length, text.length - tail.length));
  const lines = text.split("\n").length;
  return `Total output lines: ${lines}\n\n${head}…${omitted} tokens truncated…${tail}`;
}

/**
 * Interleaved stdout+stderr in arrival order, bounded: the first half of `limit` characters and
 * a rolling window of the last half are kept, the middle is counted.
 */
export class OutputCollector {
  private head = "";
  private tail = "";
  private omitted = 0;
  constructor(private readonly limit = 1 << 20) {}

  push(text: string): void {
    const headRoom = Math.floor(this.limit / 2) - this.head.length;
    if (headRoom > 0) {
      this.head += text.slice(0, headRoom);
      text = text.slice(headRoom);
    }
    if (text === "") return;
    this.tail += text;
    const keep = this.limit - Math.floor(this.limit / 2);
    if (this.tail.length > 2 * keep) {
      this.omitted += this.tail.length - keep;
      this.tail = this.tail.slice(this.tail.length - keep);
    }
  }

  text(): string {
    return this.omitted > 0
      ? `${this.head}\n…${this.omitted} characters omitted…\n${this.tail}`
      : this.head + this.tail;
  }
}

export interface RunSummary {
  exitCode: number;
  durationMs: number;
  output: string;
  timedOut: boolean;
  timeoutMs: number | null;
}

function bodyOf(run: RunSummary): string {
  return run.timedOut
    ? `command timed out after ${run.timeoutMs ?? 0} milliseconds\n${run.output}`
    : run.output;
}

/** `shell` tool: `{"output": …, "metadata": {"exit_code": …, "duration_seconds": …}}`. */
export function formatShellOutput(run: RunSummary, maxTokens = DEFAULT_OUTPUT_TOKENS): string {
  return JSON.stringify({
    output: truncateMiddle(bodyOf(run), maxTokens),
    metadata: { exit_code: run.exitCode, duration_seconds: Math.round(run.durationMs / 100) / 10 },
  });
}

/** `shell_command`: exit code and wall time, then the output (Codex's plain-text form). */
export function formatShellCommandOutput(run: RunSummary, maxTokens = DEFAULT_OUTPUT_TOKENS): string {
  return [
    `Exit code: ${run.exitCode}`,
    `Wall time: ${(run.durationMs / 1000).toFixed(1)} seconds`,
    "Output:",
    truncateMiddle(bodyOf(run), maxTokens),
  ].join("\n");
}

/** `exec_command`: a header block (wall time, exit code, token count) then the output. */
export function formatExecCommandOutput(
  run: RunSummary,
  chunkId: string,
  maxTokens = DEFAULT_OUTPUT_TOKENS,
): string {
  const body = bodyOf(run);
  const lines = [
    `Chunk ID: ${chunkId}`,
    `Wall time: ${(run.durationMs / 1000).toFixed(4)} seconds`,
    `Process exited with code ${run.exitCode}`,
  ];
  const tokens = approxTokens(body);
  if (tokens > maxTokens) lines.push(`Original token count: ${tokens}`);
  lines.push("Output:", truncateMiddle(body, maxTokens));
  return lines.join("\n");
}
