import { isUtf8 } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8ValidUpTo } from "../../src/lib/utf8.js";

describe("utf8ValidUpTo", () => {
  it("is null exactly for valid UTF-8, else the longest valid prefix (Node's isUtf8 as the reference)", () => {
    // Bytes biased towards the interesting ranges: ASCII, continuation and lead bytes.
    const byte = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xff }));
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      fc.array(byte, { maxLength: 24 }).map((a) => Uint8Array.from(a)),
      fc.string({ unit: "grapheme" }).map((t) => new Uint8Array(Buffer.from(t, "utf8"))),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        const upTo = utf8ValidUpTo(b);
        if (isUtf8(b)) return upTo === null;
        if (upTo === null) return false;
        let longest = 0;
        for (let k = 0; k <= b.length; k++) if (isUtf8(b.subarray(0, k))) longest = k;
        return upTo === longest;
      }),
      { numRuns: 3000 },
    );
  });

  it("reports the offsets Codex reports", () => {
    expect(utf8ValidUpTo(Buffer.from("hi \xff there", "latin1"))).toBe(3);
    expect(utf8ValidUpTo(Buffer.from([0xe2, 0x82]))).toBe(0); // truncated
    expect(utf8ValidUpTo(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1); // a surrogate
    expect(utf8ValidUpTo(Buffer.from([0xc0, 0xaf]))).toBe(0); // overlong "/"
    expect(utf8ValidUpTo(Buffer.from("ünïcødé ✓ 😀", "utf8"))).toBeNull();
  });
});
