import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CappedStream } from "../../src/app-server/engine/standalone-process.js";

/** The per-stream cap of command/exec and process/*: what is kept, and when it says "truncated". */
describe("CappedStream", () => {
  it("keeps exactly the first min(total, cap) bytes and reports truncation only past the cap", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }),
        fc.option(fc.nat({ max: 600 }), { nil: null }),
        (chunks, cap) => {
          const stream = new CappedStream(cap);
          const streamed: Buffer[] = [];
          for (const chunk of chunks) {
            const part = stream.take(Buffer.from(chunk));
            if (part !== null) {
              stream.keep(part);
              streamed.push(part);
            }
          }
          const all = Buffer.concat(chunks.map((c) => Buffer.from(c)));
          const kept = cap === null ? all : all.subarray(0, Math.min(all.length, cap));
          expect(Buffer.concat(streamed).equals(kept)).toBe(true);
          expect(stream.truncated).toBe(cap !== null && all.length > cap);
          expect(stream.full).toBe(cap !== null && kept.length >= cap);
        },
      ),
    );
  });
});
