import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SocksUdpGuard } from "../../src/sandbox/linux/socks-udp-guard.js";

// The guard on keel's side of the proxy bridge: however a client's bytes are split into frames,
// it refuses exactly the streams whose first SOCKS5 request is UDP ASSOCIATE, and passes every
// other stream on unchanged.

/** Feeds `input` to a fresh guard in pieces cut at `cuts`; what went on, and how many refusals. */
function feed(input: Buffer, cuts: number[]): { forwarded: Buffer; refusals: number } {
  const guard = new SocksUdpGuard();
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let refusals = 0;
  let from = 0;
  for (const to of [...points, input.length]) {
    const step = guard.push(input.subarray(from, to));
    out.push(step.forward);
    if (step.refuse) refusals++;
    from = to;
  }
  return { forwarded: Buffer.concat(out), refusals };
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe("SOCKS5 UDP ASSOCIATE guard on the proxy bridge", () => {
  it("holds back a UDP ASSOCIATE and what follows it after passing the greeting on, and passes any other request whole", () => {
    const command = fc.oneof(fc.constant(3), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(bytes(255), command, bytes(64), cuts, (methods, cmd, rest, at) => {
        const greeting = Buffer.concat([Buffer.from([5, methods.length]), methods]);
        const input = Buffer.concat([greeting, Buffer.from([5, cmd]), rest]);
        const { forwarded, refusals } = feed(input, at);
        expect(refusals).toBe(cmd === 3 ? 1 : 0);
        expect(forwarded.equals(cmd === 3 ? greeting : input)).toBe(true);
      }),
    );
  });

  it("passes a stream that is not SOCKS5 (HTTP on the other route) on whole", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }).filter((b) => b !== 5),
        bytes(300).filter((b) => b.length > 0),
        cuts,
        (first, rest, at) => {
          const input = Buffer.concat([Buffer.from([first]), rest]);
          const { forwarded, refusals } = feed(input, at);
          expect(refusals).toBe(0);
          expect(forwarded.equals(input)).toBe(true);
        },
      ),
    );
    const http = Buffer.from("GET http://x.test/ HTTP/1.1\r\nHost: x.test\r\n\r\n");
    expect(feed(http, [1, 2, 3]).forwarded.equals(http)).toBe(true);
  });

  it("passes on a request whose version byte is not 5 (the proxy rejects it)", () => {
    const input = Buffer.from([5, 1, 0, 4, 3, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(feed(input, [])).toEqual({ forwarded: input, refusals: 0 });
  });
});
