import type { FuzzyFileSearchResult } from "../protocol/v2/fuzzy-search.js";
import type { IndexedPath } from "./file-index.js";
import {
  charMask,
  isSubsequence,
  lowerCodePoints,
  matchAtom,
  maxAtomScore,
  prepareHaystack,
  scoreAtom,
} from "./fuzzy-match.js";

/** Codex answers at most this many matches. */
export const FUZZY_RESULT_LIMIT = 50;

/**
 * Codex ranks by tiers above the fuzzy score: a file whose name alone matches the whole query
 * gains one tier, a file or directory whose name equals the query (ignoring case) two more.
 */
const TIER = 65_536;

/**
 * For a complete, unchanging index sorted by path (`byPath`): what the session's last query
 * matched (a query extending it, same start and more characters, can only match a subset: each
 * of its words holds, in order, the word it extends). Entries also keep their prepared paths.
 */
export interface SearchMemo {
  previous?: { readonly query: string; readonly matched: readonly IndexedPath[] };
}

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
  /** Only for a complete, unchanging `entries` sorted by path: see SearchMemo. */
  memo?: SearchMemo,
): FuzzyFileSearchResult[] {
  const atoms = query
    .toLowerCase()
    .split(/\s+/)
    .filter((a) => a !== "");
  if (atoms.length === 0) return [];
  const whole = query.toLowerCase();
  const atomChars = atoms.map(lowerCodePoints);
  const bestPossible = atomChars.reduce((sum, needle) => sum + maxAtomScore(needle.length), 0);
  const previous = memo?.previous;
  const searched = previous !== undefined && whole.startsWith(previous.query) ? previous.matched : entries;
  const matched: IndexedPath[] | undefined = memo === undefined ? undefined : [];
  const tiers = matchingByTier(searched, atoms, whole, matched);
  if (memo !== undefined) memo.previous = { query: whole, matched: matched! };
  const sorted = memo !== undefined;
  const top: Candidate[] = [];
  // Highest tier first: the list fills with strong matches early, so the bound below turns most
  // of the rest away unscored. Order of visiting cannot change the result (a total order ranks).
  for (let t = tiers.length - 1; t >= 0; t--) {
    const ceiling = t * TIER + bestPossible;
    for (const entry of tiers[t]!) {
      // A full list is only entered by beating its last entry; most paths cannot, whatever their
      // alignment. The ceiling is the same for the whole tier, and in a sorted index every later
      // path sorts after this one: once one cannot, none of the tier can.
      const last = top.length === limit ? top[limit - 1]! : undefined;
      if (
        last !== undefined &&
        (ceiling < last.score || (ceiling === last.score && entry.path > last.entry.path))
      ) {
        if (sorted || ceiling < last.score) break;
        continue;
      }
      if (sorted && entry.hay === undefined) entry.hay = prepareHaystack(entry.path);
      const hay = sorted ? entry.hay! : prepareHaystack(entry.path, true);
      let score = t * TIER;
      for (const needle of atomChars) score += Math.max(scoreAtom(needle, hay), 0);
      insert(top, { entry, score }, limit);
    }
  }
  return top.map(({ entry, score }) => {
    const hay = entry.hay ?? prepareHaystack(entry.path);
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

/**
 * The entries holding every atom in order, by tier: 1 for a file whose name holds the whole
 * query in order, 2 more for a name equal to it.
 */
function matchingByTier(
  entries: readonly IndexedPath[],
  atoms: readonly string[],
  whole: string,
  /** Also every match, in the order of `entries`. */
  matched?: IndexedPath[],
): IndexedPath[][] {
  const tiers: IndexedPath[][] = [[], [], [], []];
  const wanted = charMask(atoms.join(""));
  for (const entry of entries) {
    if ((entry.mask & wanted) !== wanted) continue;
    const lower = entry.lower;
    let all = true;
    for (let a = 0; a < atoms.length && all; a++) all = isSubsequence(atoms[a]!, lower);
    if (!all) continue;
    const nameAt = lower.lastIndexOf("/") + 1;
    let tier = 0;
    if (!entry.isDirectory && isSubsequence(whole, lower, nameAt)) tier += 1;
    if (lower.length - nameAt === whole.length && lower.startsWith(whole, nameAt)) tier += 2;
    tiers[tier]!.push(entry);
    matched?.push(entry);
  }
  return tiers;
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
