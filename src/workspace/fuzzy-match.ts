/**
 * Fuzzy scoring of one pattern atom against a path, the fzf "v2" algorithm as nucleo implements
 * it with its path settings (what Codex's file search uses): 16 per matched character, a bonus
 * for matching at a word boundary (9 after `/`, 8 after other punctuation, 5 for camelCase and
 * digits), doubled on the first character and carried along consecutive runs, −3 to open a gap
 * and −1 per further skipped character. Matching ignores case.
 */

const SCORE_MATCH = 16;
const GAP_START = 3;
const GAP_EXTENSION = 1;
const BONUS_BOUNDARY = 8;
const BONUS_DELIMITER = BONUS_BOUNDARY + 1;
const BONUS_CAMEL123 = BONUS_BOUNDARY - GAP_START;
const BONUS_CONSECUTIVE = GAP_START + GAP_EXTENSION;
const FIRST_CHAR_MULTIPLIER = 2;

enum CharClass {
  Whitespace = 0,
  NonWord = 1,
  Delimiter = 2,
  Lower = 3,
  Upper = 4,
  Letter = 5,
  Number = 6,
}

function classOf(code: number, char: string): CharClass {
  if (code >= 97 && code <= 122) return CharClass.Lower;
  if (code >= 65 && code <= 90) return CharClass.Upper;
  if (code >= 48 && code <= 57) return CharClass.Number;
  if (code === 47) return CharClass.Delimiter;
  if (code === 32 || (code >= 9 && code <= 13)) return CharClass.Whitespace;
  if (code < 128) return CharClass.NonWord;
  if (/\p{Ll}/u.test(char)) return CharClass.Lower;
  if (/\p{Lu}/u.test(char)) return CharClass.Upper;
  if (/\p{N}/u.test(char)) return CharClass.Number;
  if (/\p{L}/u.test(char)) return CharClass.Letter;
  if (/\s/u.test(char)) return CharClass.Whitespace;
  return CharClass.NonWord;
}

function bonusFor(prev: CharClass, cur: CharClass): number {
  if (cur > CharClass.Delimiter) {
    if (prev === CharClass.Whitespace) return BONUS_BOUNDARY;
    if (prev === CharClass.Delimiter) return BONUS_DELIMITER;
    if (prev === CharClass.NonWord) return BONUS_BOUNDARY;
  }
  if (
    (prev === CharClass.Lower && cur === CharClass.Upper) ||
    (prev !== CharClass.Number && cur === CharClass.Number)
  )
    return BONUS_CAMEL123;
  if (cur === CharClass.Whitespace || cur === CharClass.NonWord) return BONUS_BOUNDARY;
  return 0;
}

/** No alignment of `length` characters scores more: each a match with the largest bonus, the first doubled. */
export function maxAtomScore(length: number): number {
  return length * (SCORE_MATCH + BONUS_DELIMITER) + BONUS_DELIMITER * (FIRST_CHAR_MULTIPLIER - 1);
}

/** A path prepared for matching: lowered code points and each position's bonus (0–9). */
export interface Haystack {
  length: number;
  readonly lower: Int32Array;
  readonly bonus: Uint8Array;
}

const ASCII = /^[\x00-\x7f]*$/;

/** Lowered code points of `text` (a needle or a path). */
export function lowerCodePoints(text: string): Int32Array {
  return Int32Array.from(Array.from(text.toLowerCase(), (c) => c.codePointAt(0)!));
}

let scratch: Haystack = { length: 0, lower: new Int32Array(256), bonus: new Uint8Array(256) };

/**
 * Prepares `text`. With `reuse`, the result lives in a buffer shared with the next call: the
 * scoring loop runs over many paths without allocating.
 */
export function prepareHaystack(text: string, reuse = false): Haystack {
  const ascii = ASCII.test(text);
  const chars = ascii ? null : Array.from(text);
  const length = chars === null ? text.length : chars.length;
  let lower: Int32Array;
  let bonus: Uint8Array;
  if (reuse) {
    if (scratch.lower.length < length) {
      const size = Math.max(length, scratch.lower.length * 2);
      scratch = { length: 0, lower: new Int32Array(size), bonus: new Uint8Array(size) };
    }
    ({ lower, bonus } = scratch);
  } else {
    lower = new Int32Array(length);
    bonus = new Uint8Array(length);
  }
  let prev = CharClass.Delimiter; // paths start as if after a `/`
  for (let i = 0; i < length; i++) {
    let code: number;
    let cls: CharClass;
    if (chars === null) {
      code = text.charCodeAt(i);
      cls = classOf(code, "");
      lower[i] = code >= 65 && code <= 90 ? code + 32 : code;
    } else {
      const c = chars[i]!;
      code = c.codePointAt(0)!;
      cls = classOf(code, c);
      lower[i] = c.toLowerCase().codePointAt(0)!;
    }
    bonus[i] = bonusFor(prev, cls);
    prev = cls;
  }
  if (!reuse) return { length, lower, bonus };
  scratch.length = length;
  return scratch;
}

/**
 * Whether `needle` (lowered) occurs in `lowerText` (from `from` on) in order: the cheap test
 * before scoring.
 */
export function isSubsequence(needle: string, lowerText: string, from = 0): boolean {
  // Code units compared in a plain loop: for paths this short, cheaper than indexOf per character.
  const end = lowerText.length;
  let at = from;
  for (let i = 0; i < needle.length; i++) {
    const wanted = needle.charCodeAt(i);
    while (at < end && lowerText.charCodeAt(at) !== wanted) at++;
    if (at === end) return false;
    at++;
  }
  return true;
}

/**
 * Which characters `lower` holds, folded into 32 bits (a–z one bit each, digits, `/`, `.` and the
 * rest sharing a few): a path missing a bit of its query's mask cannot hold the query in order,
 * so most paths are turned away with one AND before any character is compared.
 */
export function charMask(lower: string): number {
  let mask = 0;
  for (let i = 0; i < lower.length; i++) mask |= 1 << maskBit(lower.charCodeAt(i));
  return mask;
}

function maskBit(code: number): number {
  if (code >= 97 && code <= 122) return code - 97;
  if (code >= 48 && code <= 57) return 26;
  if (code === 47) return 27;
  if (code === 46) return 28;
  return 29 + (code % 3);
}

export interface AtomMatch {
  readonly score: number;
  readonly indices: number[];
}

let H = new Int32Array(4096);
let C = new Int32Array(4096);
const first = new Int32Array(256);
/** Per row, the last column computed: beyond it no cell can lie on a complete alignment. */
const stop = new Int32Array(256);

/** The score of the best alignment of `needle` in `hay`; -1 when it does not occur. */
export function scoreAtom(needle: Int32Array, hay: Haystack): number {
  return fill(needle, hay);
}

/** The best alignment of `needle` (lowered code points) in `hay`, or null when it does not occur. */
export function matchAtom(needle: Int32Array, hay: Haystack): AtomMatch | null {
  const best = fill(needle, hay);
  if (best < 0) return null;
  return { score: best, indices: backtrack(needle, hay) };
}

/** Fills the score matrices; returns the best score (-1: no match). */
function fill(needle: Int32Array, hay: Haystack): number {
  const m = needle.length;
  const n = hay.length;
  const lower = hay.lower;
  const bonus = hay.bonus;
  if (m === 0 || m > n || m > first.length) return -1;
  // First possible position of each needle character (greedy, left to right).
  let at = 0;
  for (let i = 0; i < m; i++) {
    while (at < n && lower[at] !== needle[i]) at++;
    if (at === n) return -1;
    first[i] = at++;
  }
  // Last possible position of each needle character (greedy, right to left). Cells of a row past
  // the next row's last position are never read, and left of it no match is incompletable: skip them.
  let nextLast = n;
  for (let i = m - 1, j = n - 1; i >= 0; i--, j--) {
    while (lower[j] !== needle[i]) j--;
    // The last row ends at its last position, the others just before the next row's.
    stop[i] = i === m - 1 ? j : nextLast - 1;
    nextLast = j;
  }
  if (H.length < m * n) {
    H = new Int32Array(m * n * 2);
    C = new Int32Array(m * n * 2);
  }
  for (let i = 0; i < m; i++) {
    let inGap = false;
    const row = i * n;
    const from = first[i]!;
    const wanted = needle[i]!;
    const to = stop[i]!;
    for (let j = from; j <= to; j++) {
      const left: number = j > from ? H[row + j - 1]! : 0;
      const s2: number = left - (inGap ? GAP_EXTENSION : GAP_START);
      let s1 = 0;
      let consecutive = 0;
      if (lower[j] === wanted) {
        if (i === 0) {
          s1 = SCORE_MATCH + bonus[j]! * FIRST_CHAR_MULTIPLIER;
          consecutive = 1;
        } else if (j - 1 >= first[i - 1]!) {
          // (Before the previous character's first position the diagonal is no match.)
          let b = bonus[j]!;
          consecutive = C[row - n + j - 1]! + 1;
          if (consecutive > 1) {
            const fb = bonus[j - consecutive + 1]!;
            if (b >= BONUS_BOUNDARY && b > fb) consecutive = 1;
            else b = Math.max(b, BONUS_CONSECUTIVE, fb);
          }
          s1 = H[row - n + j - 1]! + SCORE_MATCH;
          if (s1 + b < s2) {
            s1 += bonus[j]!;
            consecutive = 0;
          } else s1 += b;
        }
      }
      C[row + j] = consecutive;
      inGap = s1 < s2;
      H[row + j] = Math.max(s1, s2, 0);
    }
  }
  return bestEnd(m, n).score;
}

/** Where the best alignment ends in the last row of the filled matrix, and its score. */
function bestEnd(m: number, n: number): { score: number; end: number } {
  const last = (m - 1) * n;
  let score = -1;
  let end = -1;
  // Past the last position the row only decays through gaps: no larger score lies there.
  for (let j = first[m - 1]!, to = stop[m - 1]!; j <= to; j++) {
    if (H[last + j]! > score) {
      score = H[last + j]!;
      end = j;
    }
  }
  return { score, end };
}

/** The matched positions, walking back through the matrices `fill` just filled. */
function backtrack(needle: Int32Array, hay: Haystack): number[] {
  const m = needle.length;
  const n = hay.length;
  const lower = hay.lower;
  const indices = new Array<number>(m);
  let i = m - 1;
  let j = bestEnd(m, n).end;
  let preferMatch = true;
  for (;;) {
    const row = i * n;
    const s = H[row + j]!;
    // Cells left of a row's first position hold stale values from earlier calls: read as 0.
    const diag = i > 0 && j - 1 >= first[i - 1]! ? H[row - n + j - 1]! : 0;
    const left = j > first[i]! ? H[row + j - 1]! : 0;
    if (lower[j] === needle[i] && (s > diag || i === 0) && (s > left || (s === left && preferMatch))) {
      indices[i] = j;
      if (i === 0) break;
      i--;
    }
    const below = row + n;
    preferMatch = C[row + j]! > 1 || (below < m * n && j + 1 >= first[below / n]! && C[below + j + 1]! > 0);
    j--;
    if (j < 0) break;
  }
  return indices;
}
