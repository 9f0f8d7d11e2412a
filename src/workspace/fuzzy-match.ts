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

/** A path prepared once for many atoms: its characters lowered and each position's bonus. */
export interface Haystack {
  readonly lower: string[];
  readonly bonus: Int32Array;
}

export function prepareHaystack(text: string): Haystack {
  const chars = Array.from(text);
  const bonus = new Int32Array(chars.length);
  let prev = CharClass.Delimiter; // paths start as if after a `/`
  const lower: string[] = new Array(chars.length);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const cls = classOf(c.codePointAt(0)!, c);
    bonus[i] = bonusFor(prev, cls);
    prev = cls;
    lower[i] = c.toLowerCase();
  }
  return { lower, bonus };
}

/** Whether `needle` (lowered) occurs in `lowerText` in order: the cheap test before scoring. */
export function isSubsequence(needle: string, lowerText: string): boolean {
  let at = 0;
  for (let i = 0; i < needle.length; i++) {
    at = lowerText.indexOf(needle[i]!, at);
    if (at === -1) return false;
    at++;
  }
  return true;
}

export interface AtomMatch {
  readonly score: number;
  readonly indices: number[];
}

/** The best alignment of `needle` (lowered characters) in `hay`, or null when it does not occur. */
export function matchAtom(needle: readonly string[], hay: Haystack): AtomMatch | null {
  const m = needle.length;
  const n = hay.lower.length;
  if (m === 0 || m > n) return null;
  // First possible position of each needle character (greedy, left to right).
  const first = new Int32Array(m);
  let at = 0;
  for (let i = 0; i < m; i++) {
    while (at < n && hay.lower[at] !== needle[i]) at++;
    if (at === n) return null;
    first[i] = at++;
  }
  const H = new Int32Array(m * n);
  const C = new Int32Array(m * n);
  for (let i = 0; i < m; i++) {
    let inGap = false;
    const row = i * n;
    for (let j = first[i]!; j < n; j++) {
      const left: number = j > first[i]! ? H[row + j - 1]! : 0;
      const s2: number = left - (inGap ? GAP_EXTENSION : GAP_START);
      let s1 = 0;
      let consecutive = 0;
      if (hay.lower[j] === needle[i]) {
        if (i === 0) {
          s1 = SCORE_MATCH + hay.bonus[j]! * FIRST_CHAR_MULTIPLIER;
          consecutive = 1;
        } else if (j > 0) {
          let b = hay.bonus[j]!;
          consecutive = C[row - n + j - 1]! + 1;
          if (consecutive > 1) {
            const fb = hay.bonus[j - consecutive + 1]!;
            if (b >= BONUS_BOUNDARY && b > fb) consecutive = 1;
            else b = Math.max(b, BONUS_CONSECUTIVE, fb);
          }
          const diag = H[row - n + j - 1]!;
          // A diagonal of 0 where the previous character cannot have matched yet is no match.
          if (j - 1 < first[i - 1]!) consecutive = 0;
          else {
            s1 = diag + SCORE_MATCH;
            if (s1 + b < s2) {
              s1 += hay.bonus[j]!;
              consecutive = 0;
            } else s1 += b;
          }
        }
      }
      C[row + j] = consecutive;
      inGap = s1 < s2;
      H[row + j] = Math.max(s1, s2, 0);
    }
  }
  const last = (m - 1) * n;
  let best = -1;
  let end = -1;
  for (let j = first[m - 1]!; j < n; j++) {
    if (H[last + j]! > best) {
      best = H[last + j]!;
      end = j;
    }
  }
  // Walk back through the matrix for the matched positions.
  const indices = new Array<number>(m);
  let i = m - 1;
  let j = end;
  let preferMatch = true;
  for (;;) {
    const row = i * n;
    const s = H[row + j]!;
    const diag = i > 0 && j > first[i]! ? H[row - n + j - 1]! : 0;
    const left = j > first[i]! ? H[row + j - 1]! : 0;
    if (hay.lower[j] === needle[i] && (s > diag || i === 0) && (s > left || (s === left && preferMatch))) {
      indices[i] = j;
      if (i === 0) break;
      i--;
    }
    preferMatch = C[row + j]! > 1 || (row + n + j + 1 < C.length && C[row + n + j + 1]! > 0);
    j--;
    if (j < 0) return null;
  }
  return { score: best, indices };
}
