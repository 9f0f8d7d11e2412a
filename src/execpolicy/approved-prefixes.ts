import type { Policy } from "./policy.js";

/**
 * The allow rules as the model is told about them in the permissions instructions (spec
 * execpolicy.md §6, Codex 0.169 captured): one token list per rule, alternatives written
 * `[a|b]`, sorted by token count, then total length, then tokens; at most 100 rules and 5000
 * characters, else cut with a marker.
 */

const MAX_PREFIXES = 100;
const MAX_CHARS = 5000;
const TRUNCATED = "...\n[Some commands were truncated]";

export function allowedPrefixes(policy: Policy): string[][] {
  const seen = new Set<string>();
  const prefixes: string[][] = [];
  for (const rule of policy.prefixRules()) {
    if (rule.decision !== "allow") continue;
    const tokens = [rule.first, ...rule.rest.map((t) => (typeof t === "string" ? t : `[${t.join("|")}]`))];
    const key = JSON.stringify(tokens);
    if (seen.has(key)) continue;
    seen.add(key);
    prefixes.push(tokens);
  }
  return prefixes;
}

const totalLength = (p: readonly string[]) => p.reduce((n, t) => n + t.length, 0);

function compareTokens(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i]! !== b[i]!) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

/** The `- ["a", "b"]` lines; null when there is nothing to list. */
export function renderApprovedPrefixes(prefixes: readonly (readonly string[])[]): string | null {
  if (prefixes.length === 0) return null;
  const sorted = [...prefixes].sort(
    (a, b) => a.length - b.length || totalLength(a) - totalLength(b) || compareTokens(a, b),
  );
  let text = sorted
    .slice(0, MAX_PREFIXES)
    .map((p) => `- [${p.map((t) => JSON.stringify(t)).join(", ")}]`)
    .join("\n");
  let truncated = prefixes.length > MAX_PREFIXES;
  const chars = [...text];
  if (chars.length > MAX_CHARS) {
    text = chars.slice(0, MAX_CHARS).join("");
    truncated = true;
  }
  return truncated ? `${text}${TRUNCATED}` : text;
}
