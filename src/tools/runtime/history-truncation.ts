import type { ResponseItem, ToolOutput } from "../../protocol/items.js";
import { approxTokensFromBytes, type TruncationPolicy, truncateText, utf8Length } from "./truncation.js";

/**
 * The cut Codex's context manager makes when it records a tool output into the history, for
 * every tool: a text output is cut in the middle to `policy` (see `historyPolicy`); exec replies
 * already fit it (exec-reply.ts), unless their header alone is over budget.
 */

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

/** A tool output (text or content items) cut to `policy` the way the history cuts it. */
export function truncateToolOutput<T extends ToolOutput>(output: T, policy: TruncationPolicy): T {
  return (
    typeof output === "string" ? truncateForHistory(output, policy) : truncateContentItems(output, policy)
  ) as T;
}

/** A tool output's text as the history keeps it under `policy`. */
export function truncateForHistory(text: string, policy: TruncationPolicy): string {
  return truncateText(text, policy);
}

/** A response item as the history keeps it: tool outputs cut to `policy`, everything else as is. */
export function truncateItemForHistory(item: ResponseItem, policy: TruncationPolicy): ResponseItem {
  if (item.type !== "function_call_output" && item.type !== "custom_tool_call_output") return item;
  const output = item.output as ToolOutput;
  const next =
    typeof output === "string" ? truncateForHistory(output, policy) : truncateContentItems(output, policy);
  return next === output ? item : ({ ...item, output: next } as ResponseItem);
}
