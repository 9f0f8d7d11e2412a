/** Codex trims to 80% of `max_bytes` so the next few appends do not trim again. */
export const HISTORY_SOFT_CAP_RATIO = 0.8;

/**
 * How many leading bytes of a history file to drop so it fits `maxBytes`, given the byte
 * length of each line (oldest first, each including its `\n`). Whole lines only, oldest first,
 * down to 80% of the cap; the newest line always stays, even when it alone is over the cap.
 * 0 when nothing needs to go (no cap, cap 0, or the file already fits).
 */
export function bytesToDrop(lineLengths: readonly number[], maxBytes: number | null | undefined): number {
  if (!maxBytes || maxBytes <= 0 || lineLengths.length === 0) return 0;
  let size = lineLengths.reduce((a, b) => a + b, 0);
  if (size <= maxBytes) return 0;
  const newest = lineLengths[lineLengths.length - 1]!;
  const softCap = Math.min(Math.max(Math.floor(maxBytes * HISTORY_SOFT_CAP_RATIO), 1), maxBytes);
  const target = Math.max(softCap, newest);
  let drop = 0;
  for (let i = 0; i < lineLengths.length - 1 && size > target; i++) {
    size -= lineLengths[i]!;
    drop += lineLengths[i]!;
  }
  return drop;
}

/** Byte lengths of the `\n`-terminated lines of `data` (a torn last line counts as one). */
export function lineLengths(data: Buffer): number[] {
  const lengths: number[] = [];
  let start = 0;
  for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
    lengths.push(nl + 1 - start);
    start = nl + 1;
  }
  if (start < data.length) lengths.push(data.length - start);
  return lengths;
}
