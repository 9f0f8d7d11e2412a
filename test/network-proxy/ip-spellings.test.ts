import { execFile } from "node:child_process";
import http from "node:http";
import net from "node:net";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { normalizeHost } from "../../src/network-proxy/patterns.js";
import { type NetworkProxy, startNetworkProxy } from "../../src/network-proxy/proxy.js";
import { connectStatus } from "./support.js";

/**
 * A denied IP literal is denied however a client spells the address: IPv4-mapped IPv6
 * (`[::ffff:127.0.0.1]`, `[::ffff:7f00:1]`), uncompressed IPv6, or a name the system resolver
 * turns into it (`2130706433`, `127.1`). The proxy runs with the system resolver, the target is
 * a real server on 127.0.0.1, and local binding is on so only the deny entry stands in the way.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function target(): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.end("reached");
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  cleanups.push(() => new Promise((done) => server.close(() => done())));
  return { port: (server.address() as net.AddressInfo).port, hits: () => hits };
}

async function proxy(deny: string[]): Promise<NetworkProxy> {
  const started = await startNetworkProxy({
    policy: { mode: "full", allow: ["*"], deny, allowLocalBinding: true },
  });
  cleanups.push(() => started.close());
  return started;
}

/** curl through the proxy; the HTTP status it got (000 when the proxy refused a tunnel or SOCKS). */
function curl(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      "curl",
      ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", ...args],
      (_e, out) => resolve(String(out)),
    );
  });
}

/** The SOCKS5 reply code for a CONNECT to the domain name `host` (0 = granted, 2 = not allowed). */
function socksReply(socksPort: number, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socksPort, "127.0.0.1", () => s.write(Buffer.from([5, 1, 0])));
    let stage = 0;
    s.on("data", (chunk: Buffer) => {
      if (stage++ === 0) {
        const name = Buffer.from(host, "latin1");
        const portBytes = Buffer.alloc(2);
        portBytes.writeUInt16BE(port);
        s.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, portBytes]));
        return;
      }
      s.destroy();
      resolve(chunk[1]!);
    });
    s.on("error", reject);
  });
}

describe("deny entries against other spellings of an IP address", () => {
  it("plain HTTP to a mapped or uncompressed IPv6 spelling of a denied IPv4 is refused", async () => {
    const t = await target();
    const p = await proxy(["127.0.0.1"]);
    const via = ["-x", `http://127.0.0.1:${p.httpPort}`];
    // The same proxy lets an undenied spelling of another address through: the target is up.
    const open = await proxy([]);
    expect(
      await curl(["-x", `http://127.0.0.1:${open.httpPort}`, `http://[::ffff:127.0.0.1]:${t.port}/`]),
    ).toBe("200");
    const reachedBefore = t.hits();
    for (const host of ["[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:7f00:1]", "127.0.0.1"])
      expect(await curl([...via, `http://${host}:${t.port}/`]), host).toBe("403");
    expect(t.hits()).toBe(reachedBefore);
    expect(p.log.every((r) => !r.allowed && r.reason === "denied")).toBe(true);
  });

  it("CONNECT and SOCKS5 to names the resolver turns into a denied address are refused", async () => {
    const t = await target();
    const p = await proxy(["127.0.0.1"]);
    for (const host of ["2130706433", "127.1", "0x7f000001", "[::ffff:7f00:1]"])
      expect(await connectStatus(p.httpPort, `${host}:${t.port}`), host).toMatch(/^HTTP\/1\.1 403/);
    for (const host of ["2130706433", "127.1"])
      expect(await socksReply(p.socksPort!, host, t.port), host).toBe(2);
    expect(t.hits()).toBe(0);
    expect(p.log.map((r) => r.reason)).toEqual(Array(6).fill("denied"));
  });

  it("an IPv6 deny entry matches every spelling of that address", async () => {
    const p = await proxy(["::1"]);
    expect(await connectStatus(p.httpPort, "[0:0:0:0:0:0:0:1]:9")).toMatch(/^HTTP\/1\.1 403/);
    expect(p.log[0]).toMatchObject({ allowed: false, reason: "denied" });
  });

  it("every spelling of an IPv4-mapped address normalises to the IPv4 address (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (b) => {
        const v4 = b.join(".");
        const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
        const spellings = [
          `::ffff:${v4}`,
          `[::FFFF:${v4}]`,
          `::ffff:${hex(b[0]!, b[1]!)}:${hex(b[2]!, b[3]!)}`,
          `0:0:0:0:0:ffff:${hex(b[0]!, b[1]!)}:${hex(b[2]!, b[3]!)}`,
          `0000:0000:0000:0000:0000:FFFF:${hex(b[0]!, b[1]!).padStart(4, "0")}:${hex(b[2]!, b[3]!)}`,
        ];
        for (const s of spellings) expect(normalizeHost(s), s).toBe(v4);
      }),
    );
  });
});
