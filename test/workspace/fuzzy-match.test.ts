import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { byPath, type IndexedPath, indexedPath } from "../../src/workspace/file-index.js";
import { fuzzySearch, type SearchMemo } from "../../src/workspace/fuzzy-search.js";
import { parseGitignore, ruleVerdict } from "../../src/workspace/gitignore.js";
import {
  isSubsequence,
  lowerCodePoints,
  matchAtom,
  prepareHaystack,
} from "../../src/workspace/fuzzy-match.js";

const score = (needle: string, path: string) => matchAtom(lowerCodePoints(needle), prepareHaystack(path));

describe("matchAtom", () => {
  it("scores like nucleo's path matcher (values observed from Codex 0.169)", () => {
    expect(score("main", "src/main.rs")).toEqual({ score: 109, indices: [4, 5, 6, 7] });
    expect(score("main", "src/app/m_a_i_n.txt")).toEqual({ score: 97, indices: [8, 10, 12, 14] });
    expect(score("main", "src/app/manifest.json")).toEqual({ score: 78, indices: [8, 9, 11, 20] });
    expect(score("srcmain", "src/main.rs")?.score).toBe(181);
    expect(score("app", ".git/hooks/pre-applypatch.sample")).toEqual({ score: 80, indices: [15, 16, 17] });
    expect(score("zzz", "src/main.rs")).toBeNull();
  });

  it("matches exactly when the needle is a subsequence, at positions holding its characters in order", () => {
    const chars = fc.constantFrom(..."abcAB/._-1 é");
    fc.assert(
      fc.property(
        fc.string({ unit: chars, maxLength: 5 }),
        fc.string({ unit: chars, maxLength: 30 }),
        (n, h) => {
          const needle = Array.from(n.toLowerCase());
          const result = matchAtom(lowerCodePoints(n), prepareHaystack(h));
          // The shared buffers of the scoring loop (left dirty by an earlier, longer path) agree.
          matchAtom(lowerCodePoints(`${n}zz`), prepareHaystack(`${h}${h}zzzz`, true));
          expect(matchAtom(lowerCodePoints(n), prepareHaystack(h, true))).toEqual(result);
          const expected = needle.length > 0 && isSubsequence(n.toLowerCase(), h.toLowerCase());
          expect(result !== null).toBe(expected);
          if (result === null) return;
          const hay = Array.from(h.toLowerCase());
          expect(result.indices.map((i) => hay[i])).toEqual(needle);
          for (let i = 1; i < result.indices.length; i++) {
            expect(result.indices[i]!).toBeGreaterThan(result.indices[i - 1]!);
          }
          expect(result.score).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});

describe("gitignore rules", () => {
  const verdict = (rules: string, rel: string, dir = false) => ruleVerdict(parseGitignore(rules), rel, dir);

  it("follows gitignore(5): anchoring, directory-only rules, negation, ** and escapes", () => {
    expect(verdict("*.log", "a/b/debug.log")).toBe(true);
    expect(verdict("/top.txt", "top.txt")).toBe(true);
    expect(verdict("/top.txt", "a/top.txt")).toBeNull();
    expect(verdict("a/b", "a/b")).toBe(true);
    expect(verdict("a/b", "x/a/b")).toBeNull();
    expect(verdict("build/", "build", false)).toBeNull();
    expect(verdict("build/", "x/build", true)).toBe(true);
    expect(verdict("*.tmp\n!keep.tmp", "keep.tmp")).toBe(false);
    expect(verdict("**/logs", "a/b/logs", true)).toBe(true);
    expect(verdict("a/**/z", "a/z")).toBe(true);
    expect(verdict("a/**/z", "a/b/c/z")).toBe(true);
    expect(verdict("docs/**", "docs/x/y")).toBe(true);
    expect(verdict("\\#file", "#file")).toBe(true);
    expect(verdict("# comment\n\n", "# comment")).toBeNull();
    expect(verdict("file[0-9].txt", "file7.txt")).toBe(true);
    expect(verdict("file[!0-9].txt", "file7.txt")).toBeNull();
    expect(verdict("?.c", "a.c")).toBe(true);
    expect(verdict("?.c", "ab.c")).toBeNull();
    expect(verdict("trailing   ", "trailing")).toBe(true);
  });
});

/** The plain definition: every path tested and scored, all matches sorted, the first `limit` kept. */
function searchEverything(entries: readonly IndexedPath[], query: string, limit: number) {
  const whole = query.toLowerCase();
  const atoms = whole.split(/\s+/).filter((a) => a !== "");
  if (atoms.length === 0) return [];
  const found = [];
  for (const entry of entries) {
    const lower = entry.path.toLowerCase();
    if (!atoms.every((atom) => isSubsequence(atom, lower))) continue;
    const hay = prepareHaystack(entry.path);
    const matches = atoms.map((atom) => matchAtom(lowerCodePoints(atom), hay));
    const name = lower.slice(lower.lastIndexOf("/") + 1);
    let score = matches.reduce((sum, m) => sum + (m?.score ?? 0), 0);
    if (!entry.isDirectory && isSubsequence(whole, name)) score += 65_536;
    if (name === whole) score += 2 * 65_536;
    const indices = [...new Set(matches.flatMap((m) => m?.indices ?? []))].sort((a, b) => a - b);
    found.push({ entry, score, indices });
  }
  found.sort((a, b) => b.score - a.score || (a.entry.path < b.entry.path ? -1 : 1));
  return found.slice(0, limit).map(({ entry, score, indices }) => ({
    root: "/r",
    path: entry.path,
    match_type: entry.isDirectory ? "directory" : "file",
    file_name: entry.path.slice(entry.path.lastIndexOf("/") + 1),
    score,
    indices,
  }));
}

describe("fuzzySearch", () => {
  it("returns exactly what scoring every path and sorting them all returns", () => {
    // Small alphabets make many paths match and tie (short ones over "ab/" reach the best possible
    // score), so the tier order, the bound and the prefilter (characters sharing a bit,
    // non-ASCII) are all exercised.
    const text = (max: number, extra = "") =>
      fc.oneof(
        fc.string({ unit: fc.constantFrom(..."ab/", ...extra), minLength: 1, maxLength: max }),
        fc.string({ unit: fc.constantFrom(..."abcAB/._-1é#İ", ...extra), minLength: 1, maxLength: max * 2 }),
      );
    const entry = fc.record({ path: text(8), dir: fc.boolean() });
    const query = text(3, " ");
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { selector: (e) => e.path, maxLength: 60 }),
        query,
        fc.integer({ min: 1, max: 8 }),
        query,
        (list, q, limit, more) => {
          const unsorted = list.map((e) => indexedPath(0, e.path, e.dir));
          expect(fuzzySearch(unsorted, ["/r"], q, limit)).toEqual(searchEverything(unsorted, q, limit));
          // A session's index is sorted by path (the search may then stop early) and keeps state.
          const entries = [...unsorted].sort(byPath);
          const memo: SearchMemo = {};
          expect(fuzzySearch(entries, ["/r"], q, limit, memo)).toEqual(searchEverything(entries, q, limit));
          // A query typed on from the last one is searched among what that one matched only.
          const before = memo.previous?.matched ?? [];
          const next = `${q}${more}`;
          expect(fuzzySearch(entries, ["/r"], next, limit, memo)).toEqual(
            searchEverything(entries, next, limit),
          );
          if (q.trim() !== "" && memo.previous !== undefined)
            for (const entry of memo.previous.matched) expect(before).toContain(entry);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("searches a query that extends the last one among that one's matches only", () => {
    const entries = ["src/main.ts", "src/manifest.json", "lib/main.rs"].map((p) => indexedPath(0, p, false));
    // Recorded as if "ma" had matched only the first path: an extending query looks no further.
    const memo: SearchMemo = { previous: { query: "ma", matched: [entries[0]!] } };
    expect(fuzzySearch(entries, ["/r"], "Main", 50, memo).map((f) => f.path)).toEqual(["src/main.ts"]);
    expect(memo.previous?.query).toBe("main");
    // Another query searches everything again.
    expect(fuzzySearch(entries, ["/r"], "ma", 50, memo)).toHaveLength(3);
  });
});
