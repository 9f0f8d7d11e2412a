import type { FuzzyFileSearchResult } from "../protocol/v2/fuzzy-search.js";
import type { IndexedPath } from "./file-index.js";
import { isSubsequence, matchAtom, prepareHaystack } from "./fuzzy-match.js";

/** Codex answers at most this many matches. */
export const FUZZY_RESULT_LIMIT = 50;

/**
 * Codex ranks by tiers above the fuzzy score: a file whose name alone matches the whole query
 * gains one tier, a file or directory whose name equals the query (ignoring case) two more.
 */
const TIER = 65_536;

interface Candidate {
  readonly entry: IndexedPath;
  readonly score: number;
}

/**
 * The best matches of `query` among `entries`: score descending, then path ascending. Words of
 * the query (split at whitespace) must all match; their scores add up.
 */
export function fuzzySearch(
  entries: readonly IndexedPath[],
  roots: readonly string[],
  query: string,
  limit = FUZZY_RESULT_LIMIT,
): FuzzyFileSearchResult[] {
  const atoms = query
    .toLowerCase()
    .split(/\s+/)
    .filter((a) => a !== "");
  if (atoms.length === 0) return [];
  const whole = query.toLowerCase();
  const atomChars = atoms.map((a) => Array.from(a));
  const top: Candidate[] = [];
  for (const entry of entries) {
    const lowerPath = entry.path.toLowerCase();
    if (!atoms.every((a) => isSubsequence(a, lowerPath))) continue;
    // The cheap subsequence test turns most paths away before a scoring matrix is built.
    const hay = prepareHaystack(entry.path);
    let score = 0;
    for (const needle of atomChars) score += matchAtom(needle, hay)?.score ?? 0;
    const name = baseName(entry.path).toLowerCase();
    if (!entry.isDirectory && isSubsequence(whole, name)) score += TIER;
    if (name === whole) score += 2 * TIER;
    insert(top, { entry, score }, limit);
  }
  return top.map(({ entry, score }) => {
    const hay = prepareHaystack(entry.path);
    const indices = [...new Set(atomChars.flatMap((needle) => matchAtom(needle, hay)?.indices ?? []))].sort(
      (a, b) => a - b,
    );
    return {
      root: roots[entry.root]!,
      path: entry.path,
      match_type: entry.isDirectory ? "directory" : "file",
      file_name: baseName(entry.path),
      score,
      indices,
    };
  });
}

const before = (a: Candidate, b: Candidate) =>
  a.score !== b.score ? a.score > b.score : a.entry.path < b.entry.path;

/** Keeps `top` sorted and at most `limit` long. */
function insert(top: Candidate[], candidate: Candidate, limit: number): void {
  if (top.length === limit && !before(candidate, top[limit - 1]!)) return;
  let at = top.length;
  while (at > 0 && before(candidate, top[at - 1]!)) at--;
  top.splice(at, 0, candidate);
  if (top.length > limit) top.pop();
}

function baseName(p: string): string {
  const slash = p.lastIndexOf("/");
  return slash === -1 ? p : p.slice(slash + 1);
}
