import { charsIn } from "../../lib/utf8.js";
import {
  approxTokensFromBytes,
  byteBudget,
  cappedByMaxTokens,
  keptBudget,
  replyPolicy,
  splitHeadTail,
  type TruncationHeader,
  type TruncationPolicy,
  truncateText,
  truncationMarker,
  utf8Length,
  warningBlock,
} from "./truncation.js";

/**
 * An exec_command / write_stdin reply as Codex 0.169 builds it: `header` (its lines up to and
 * including `Output:\n`) and the output, cut so that the output stays within the call's budget
 * (the model's policy capped by `max_output_tokens`) and the whole reply within the policy × 1.2. Observed: with `tool_output_token_limit = 100`,
 * `seq 1 6000` keeps 264 bytes (token policy) or 267 bytes (byte policy) so the reply is exactly
 * 120 tokens or 480 bytes; with 30, the header alone is over budget and nothing of the output is
 * kept (the history then cuts the reply as a whole).
 */
export function execReply(
  header: string,
  output: string,
  policy: TruncationPolicy,
  maxTokens?: number,
  kept: TruncationHeader = {},
): string {
  const cap = cappedByMaxTokens(policy, maxTokens);
  const reply = replyPolicy(policy);
  const bytes = Buffer.from(output, "utf8");
  const headerBytes = utf8Length(header);
  if (bytes.length <= byteBudget(cap) && headerBytes + bytes.length <= byteBudget(reply))
    return header + output;
  const warning = warningBlock(output, kept);
  const removedFor = (budget: number): number => {
    if (cap.mode === "tokens") return approxTokensFromBytes(bytes.length - budget);
    const { headEnd, tailStart } = splitHeadTail(bytes, budget);
    return charsIn(bytes, headEnd, tailStart);
  };
  const fitted = keptBudget(reply, headerBytes + utf8Length(warning), (k) =>
    truncationMarker(cap.mode, removedFor(k)),
  );
  const budget = Math.min(byteBudget(cap), fitted);
  const limit = cap.mode === "tokens" ? Math.floor(budget / 4) : budget;
  return header + warning + truncateText(output, { mode: cap.mode, limit });
}
