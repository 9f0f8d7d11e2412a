import type { ResponseItem, ToolOutput } from "../../protocol/items.js";
import { charsIn } from "../../lib/utf8.js";
import {
  approxTokensFromBytes,
  byteBudget,
  splitHeadTail,
  type TruncationPolicy,
  truncateText,
  truncationMarker,
  utf8Length,
} from "./truncation.js";

/**
 * The second cut Codex makes when a tool output is recorded into the history: the whole output
 * must fit the model's policy × 1.2. Observed on Codex 0.169 with `tool_output_token_limit = 100`:
 * an exec reply that is already cut keeps its header lines and its warning block, and only its
 * head and tail shrink, so the whole reply fits; the marker then counts everything removed. Any
 * other output that does not fit is cut in the middle as a whole.
 */

/** How many content bytes may stay so that `fixedBytes` + the marker + the content fit `policy`. */
function keptBudget(
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

const WARNING_BLOCK = /Warning: truncated output \(original token count: \d+\)\n[^\n]*\n\n/;
const MARKER = /…(\d+) (tokens|chars) truncated…/;

interface CutOutput {
  prefix: string;
  head: Buffer;
  tail: Buffer;
  removed: number;
  mode: TruncationPolicy["mode"];
}

/** An output that carries Codex's warning block followed by one head…marker…tail cut. */
function findCut(text: string): CutOutput | null {
  const block = WARNING_BLOCK.exec(text);
  if (block === null) return null;
  const prefixEnd = block.index + block[0].length;
  const rest = text.slice(prefixEnd);
  const marker = MARKER.exec(rest);
  if (marker === null) return null;
  return {
    prefix: text.slice(0, prefixEnd),
    head: Buffer.from(rest.slice(0, marker.index), "utf8"),
    tail: Buffer.from(rest.slice(marker.index + marker[0].length), "utf8"),
    removed: Number(marker[1]),
    mode: marker[2] === "tokens" ? "tokens" : "bytes",
  };
}

/** Shrinks a cut's head and tail to `kept` bytes in total; returns the new pieces and count. */
function recut(cut: CutOutput, kept: number): { head: Buffer; tail: Buffer; removed: number } {
  const joined = Buffer.concat([cut.head, cut.tail]);
  const { headEnd, tailStart } = splitHeadTail(joined, kept);
  const head = joined.subarray(0, Math.min(headEnd, cut.head.length));
  const tail = joined.subarray(Math.max(tailStart, cut.head.length));
  const dropped = joined.length - head.length - tail.length;
  const removed =
    cut.mode === "tokens"
      ? cut.removed + approxTokensFromBytes(dropped)
      : cut.removed + charsIn(joined, head.length, joined.length - tail.length);
  return { head, tail, removed };
}

/** A tool output as it is kept in the history under `policy` (already the × 1.2 budget). */
export function truncateForHistory(text: string, policy: TruncationPolicy): string {
  if (utf8Length(text) <= byteBudget(policy)) return text;
  const cut = findCut(text);
  if (cut === null || cut.mode !== policy.mode) return truncateText(text, policy);
  const fixed = utf8Length(cut.prefix);
  const kept = keptBudget(policy, fixed, (k) => truncationMarker(cut.mode, recut(cut, k).removed));
  if (kept >= cut.head.length + cut.tail.length) return truncateText(text, policy);
  const next = recut(cut, kept);
  return (
    cut.prefix +
    next.head.toString("utf8") +
    truncationMarker(cut.mode, next.removed) +
    next.tail.toString("utf8")
  );
}

type ContentItems = Extract<ToolOutput, readonly unknown[]>;

/**
 * Codex's budget over a list of content items: texts are kept in order while the budget lasts,
 * the one that crosses it is cut, later texts are counted in `[omitted N text items ...]`;
 * images are always kept.
 */
function truncateContentItems(items: ContentItems, policy: TruncationPolicy): ContentItems {
  let remaining = policy.limit;
  let omitted = 0;
  const out: ContentItems = [];
  for (const item of items) {
    if (item.type !== "input_text") {
      out.push(item);
      continue;
    }
    const text = (item as { text: string }).text;
    if (text === "") continue;
    if (remaining === 0) {
      omitted++;
      continue;
    }
    const cost = policy.mode === "bytes" ? utf8Length(text) : approxTokensFromBytes(utf8Length(text));
    if (cost <= remaining) {
      out.push(item);
      remaining -= cost;
      continue;
    }
    const snippet = truncateText(text, { mode: policy.mode, limit: remaining });
    if (snippet === "") omitted++;
    else out.push({ ...item, text: snippet });
    remaining = 0;
  }
  if (omitted > 0) out.push({ type: "input_text", text: `[omitted ${omitted} text items ...]` });
  return out;
}

/** A response item as the history keeps it: tool outputs cut to `policy`, everything else as is. */
export function truncateItemForHistory(item: ResponseItem, policy: TruncationPolicy): ResponseItem {
  if (item.type !== "function_call_output" && item.type !== "custom_tool_call_output") return item;
  const output = item.output as ToolOutput;
  const next =
    typeof output === "string" ? truncateForHistory(output, policy) : truncateContentItems(output, policy);
  return next === output ? item : ({ ...item, output: next } as ResponseItem);
}
