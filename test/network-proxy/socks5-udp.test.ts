import dgram from "node:dgram";
import net from "node:net";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { NetworkPolicy } from "../../src/network-proxy/decision.js";
import { type NetworkProxy, startNetworkProxy } from "../../src/network-proxy/proxy.js";
import { parseUdpHeader, udpReplyHeader } from "../../src/network-proxy/socks5-udp.js";

// SOCKS5 UDP ASSOCIATE (spec §3: the SOCKS5 listener does TCP and UDP): a real UDP echo server
// on loopback, a SOCKS5 client speaking RFC 1928 over real sockets, test names resolved by the
// proxy's resolver hook.
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function echoServer(): Promise<{ port: number; got: string[] }> {
  const got: string[] = [];
  const s = dgram.createSocket("udp4");
  s.on("message", (msg, from) => {
    got.push(msg.toString());
    s.send(Buffer.concat([Buffer.from("echo:"), msg]), from.port, from.address);
  });
  await new Promise<void>((done) => s.bind(0, "127.0.0.1", done));
  cleanups.push(() => void s.close());
  return { port: s.address().port, got };
}

async function proxy(policy: Partial<NetworkPolicy>, socks5Udp = true): Promise<NetworkProxy> {
  const p = await startNetworkProxy({
    policy: { mode: "full", allow: ["echo.test"], deny: [], allowLocalBinding: true, ...policy },
    resolve: async () => ["127.0.0.1"],
    socks5Udp,
  });
  cleanups.push(() => p.close());
  return p;
}

/** Greets, asks for UDP ASSOCIATE; resolves with the reply bytes and the control socket. */
async function associate(socksPort: number): Promise<{ reply: Buffer; control: net.Socket }> {
  const control = net.connect(socksPort, "127.0.0.1");
  cleanups.push(() => void control.destroy());
  await new Promise<void>((done, fail) => control.once("connect", done).once("error", fail));
  let buffered = Buffer.alloc(0);
  const need = (n: number) =>
    new Promise<Buffer>((resolve) => {
      const check = () => {
        if (buffered.length < n) return false;
        const out = buffered.subarray(0, n);
        buffered = buffered.subarray(n);
        control.off("data", onData);
        control.off("end", onEnd);
        resolve(out);
        return true;
      };
      const onData = (c: Buffer) => {
        buffered = Buffer.concat([buffered, c]);
        check();
      };
      const onEnd = () => resolve(buffered);
      if (!check()) {
        control.on("data", onData);
        control.on("end", onEnd);
      }
    });
  control.write(Buffer.from([0x05, 0x01, 0x00]));
  expect([...(await need(2))]).toEqual([0x05, 0x00]);
  control.write(Buffer.from([0x05, 0x03, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
  return { reply: await need(10), control };
}

function datagram(host: string, port: number, text: string): Buffer {
  const name = Buffer.from(host);
  const head = Buffer.from([0, 0, 0, 0x03, name.length]);
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port);
  return Buffer.concat([head, name, p, Buffer.from(text)]);
}

describe("SOCKS5 UDP ASSOCIATE", () => {
  it("relays datagrams to allowed hosts and back, drops those to refused hosts", async () => {
    const echo = await echoServer();
    const p = await proxy({ deny: ["bad.test"] });
    const { reply } = await associate(p.socksPort!);
    expect([...reply.subarray(0, 8)]).toEqual([0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1]);
    const relayPort = reply.readUInt16BE(8);
    const client = dgram.createSocket("udp4");
    cleanups.push(() => void client.close());
    await new Promise<void>((done) => client.bind(0, "127.0.0.1", done));
    const answer = new Promise<Buffer>((resolve) => client.once("message", resolve));
    // Refused first (no lookup needed, so decided first), then allowed.
    client.send(datagram("other.test", echo.port, "not allowed"), relayPort, "127.0.0.1");
    client.send(datagram("bad.test", echo.port, "denied"), relayPort, "127.0.0.1");
    client.send(datagram("echo.test", echo.port, "hello"), relayPort, "127.0.0.1");
    const back = await answer;
    const header = parseUdpHeader(back)!;
    expect(header).toMatchObject({ host: "127.0.0.1", port: echo.port });
    expect(back.subarray(header.payloadAt).toString()).toBe("echo:hello");
    expect(echo.got).toEqual(["hello"]);
    expect(p.log).toEqual([
      {
        protocol: "socks5Udp",
        host: "other.test",
        port: echo.port,
        method: null,
        allowed: false,
        reason: "not_allowed",
        source: "baseline_policy",
      },
      {
        protocol: "socks5Udp",
        host: "bad.test",
        port: echo.port,
        method: null,
        allowed: false,
        reason: "denied",
        source: "baseline_policy",
      },
      { protocol: "socks5Udp", host: "echo.test", port: echo.port, method: null, allowed: true },
    ]);
  });

  it("is refused when enable_socks5_udp is off (command not supported) and in limited mode (not allowed)", async () => {
    const off = await proxy({}, false);
    expect((await associate(off.socksPort!)).reply[1]).toBe(0x07);
    const limited = await proxy({ mode: "limited" });
    expect((await associate(limited.socksPort!)).reply[1]).toBe(0x02);
  });

  it("reply headers parse back to the address and port they were made from", () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
        const header = parseUdpHeader(udpReplyHeader(ip, port));
        expect(header).not.toBeNull();
        expect(header!.port).toBe(port);
        const round = udpReplyHeader(header!.host, header!.port);
        expect(round.equals(udpReplyHeader(ip, port))).toBe(true);
      }),
    );
  });
});
