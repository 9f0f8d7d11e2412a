/**
 * Length of the longest prefix of `bytes` that is valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or null when all of it is. The same number as Rust's
 * `Utf8Error::valid_up_to`, which Codex reports as the offset of the invalid byte.
 */
export function utf8ValidUpTo(bytes: Uint8Array): number | null {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let length: number;
    // The allowed range of the second byte excludes overlongs, surrogates and code points > U+10FFFF.
    let low = 0x80;
    let high = 0xbf;
    if (b < 0x80) length = 1;
    else if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      else if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      else if (b === 0xf4) high = 0x8f;
    } else return i;
    if (i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k]!;
      const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (c < min || c > max) return i;
    }
    i += length;
  }
  return null;
}

const isContinuation = (byte: number | undefined): boolean => byte !== undefined && (byte & 0xc0) === 0x80;

/** Largest character boundary at or before `at`. */
export function boundaryAtOrBefore(bytes: Buffer, at: number): number {
  let i = Math.min(at, bytes.length);
  while (i > 0 && isContinuation(bytes[i])) i--;
  return i;
}

/** Smallest character boundary at or after `at`. */
export function boundaryAtOrAfter(bytes: Buffer, at: number): number {
  let i = Math.max(0, at);
  while (i < bytes.length && isContinuation(bytes[i])) i++;
  return i;
}

/** Characters that start in `bytes[from, to)`. */
export function charsIn(bytes: Buffer, from: number, to: number): number {
  let chars = 0;
  for (let i = from; i < to; i++) if (!isContinuation(bytes[i])) chars++;
  return chars;
}
