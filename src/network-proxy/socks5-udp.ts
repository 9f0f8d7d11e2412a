import dgram from "node:dgram";
import net from "node:net";
import type { HostDecision } from "./decision.js";
import type { ProxyRuntime } from "./runtime.js";

/**
 * SOCKS5 UDP ASSOCIATE (RFC 1928 §7; network-proxy.md §3: the SOCKS5 listener does TCP and UDP).
 * One relay per association, alive while its TCP control connection is: datagrams from the
 * client carry a destination that goes through the same host decision as a TCP request, and
 * only answers from destinations the client was allowed to reach are relayed back.
 */

/** A datagram's SOCKS5 header: destination and where the payload starts. */
export interface UdpHeader {
  host: string;
  port: number;
  payloadAt: number;
}

export function parseUdpHeader(packet: Buffer): UdpHeader | null {
  // RSV (2 bytes, zero), FRAG (fragments are not supported: dropped), ATYP, address, port.
  if (packet.length < 4 || packet[0] !== 0 || packet[1] !== 0 || packet[2] !== 0) return null;
  let at = 4;
  let host: string;
  if (packet[3] === 0x01) {
    if (packet.length < at + 4) return null;
    host = [...packet.subarray(at, at + 4)].join(".");
    at += 4;
  } else if (packet[3] === 0x03) {
    const len = packet[at];
    if (len === undefined || len === 0 || packet.length < at + 1 + len) return null;
    host = packet.subarray(at + 1, at + 1 + len).toString("latin1");
    at += 1 + len;
  } else if (packet[3] === 0x04) {
    if (packet.length < at + 16) return null;
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(packet.readUInt16BE(at + i).toString(16));
    host = groups.join(":");
    at += 16;
  } else return null;
  if (packet.length < at + 2) return null;
  const port = packet.readUInt16BE(at);
  if (port === 0) return null;
  return { host, port, payloadAt: at + 2 };
}

/** The header of a datagram relayed back to the client from `address:port`. */
export function udpReplyHeader(address: string, port: number): Buffer {
  const v4 = net.isIPv4(address);
  const head = Buffer.alloc(4 + (v4 ? 4 : 16) + 2);
  head[3] = v4 ? 0x01 : 0x04;
  const parts = v4 ? address.split(".").map(Number) : expandIpv6(address);
  for (const [i, part] of parts.entries()) {
    if (v4) head.writeUInt8(part, 4 + i);
    else head.writeUInt16BE(part, 4 + 2 * i);
  }
  head.writeUInt16BE(port, head.length - 2);
  return head;
}

function expandIpv6(address: string): number[] {
  const groups = (part: string | undefined): number[] =>
    (part ? part.split(":") : []).flatMap((g) => {
      // An embedded IPv4 tail (`::ffff:1.2.3.4`) is two groups.
      if (!g.includes(".")) return [Number.parseInt(g, 16)];
      const [a, b, c, d] = g.split(".").map(Number) as [number, number, number, number];
      return [(a << 8) | b, (c << 8) | d];
    });
  const [left, right] = address.split("::") as [string, string | undefined];
  const l = groups(left);
  const r = groups(right);
  return [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
}

/** Decisions remembered per association, for as long as the policy object stays the same. */
const MAX_REMEMBERED_HOSTS = 256;

export class UdpRelay {
  private readonly inbound = dgram.createSocket("udp4");
  private outbound: { v4?: dgram.Socket; v6?: dgram.Socket } = {};
  private client: { address: string; port: number } | null = null;
  /** `address|port` of destinations datagrams went to: the only sources relayed back. */
  private readonly reached = new Set<string>();
  private readonly decisions = new Map<string, Promise<HostDecision>>();
  private decidedUnder: unknown = null;

  constructor(
    private readonly rt: ProxyRuntime,
    /** The control connection's peer: datagrams from any other address are dropped. */
    private readonly clientAddress: string,
  ) {
    this.inbound.on("error", () => this.close());
    this.inbound.on("message", (packet, from) => {
      void this.fromClient(packet, from).catch(() => {});
    });
  }

  /** Binds the client-facing socket on 127.0.0.1; resolves with its port. */
  bind(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.inbound.once("error", reject);
      this.inbound.bind(0, "127.0.0.1", () => {
        this.inbound.off("error", reject);
        resolve(this.inbound.address().port);
      });
    });
  }

  private decide(host: string, port: number): Promise<HostDecision> {
    if (this.decidedUnder !== this.rt.policy) {
      this.decisions.clear();
      this.decidedUnder = this.rt.policy;
    }
    // Keyed by host and port: a network approval answers for one destination port only.
    const key = `${host}:${port}`;
    let decision = this.decisions.get(key);
    if (!decision) {
      if (this.decisions.size >= MAX_REMEMBERED_HOSTS) this.decisions.clear();
      decision = this.rt.decide(host, "socks5Udp", port);
      this.decisions.set(key, decision);
      void decision.then((d) =>
        this.rt.record({
          protocol: "socks5Udp",
          host,
          port,
          method: null,
          allowed: d.allowed,
          ...(d.allowed ? {} : { reason: d.reason, source: d.source }),
        }),
      );
    }
    return decision;
  }

  private async fromClient(packet: Buffer, from: dgram.RemoteInfo): Promise<void> {
    if (!sameAddress(from.address, this.clientAddress)) return;
    // The first datagram fixes the client's port (its DST.ADDR/PORT in the request is often 0).
    if (this.client === null) this.client = { address: from.address, port: from.port };
    else if (this.client.port !== from.port) return;
    const header = parseUdpHeader(packet);
    if (!header) return;
    const decision = await this.decide(header.host, header.port);
    if (!decision.allowed) return;
    const address = decision.addresses[0]!;
    const socket = this.outboundFor(address);
    this.reached.add(`${address}|${header.port}`);
    socket.send(packet.subarray(header.payloadAt), header.port, address);
  }

  private outboundFor(address: string): dgram.Socket {
    const v6 = net.isIPv6(address);
    const existing = v6 ? this.outbound.v6 : this.outbound.v4;
    if (existing) return existing;
    const socket = dgram.createSocket(v6 ? "udp6" : "udp4");
    socket.on("error", () => {});
    socket.on("message", (payload, from) => {
      if (!this.client || !this.reached.has(`${from.address}|${from.port}`)) return;
      this.inbound.send(
        Buffer.concat([udpReplyHeader(from.address, from.port), payload]),
        this.client.port,
        this.client.address,
      );
    });
    if (v6) this.outbound.v6 = socket;
    else this.outbound.v4 = socket;
    return socket;
  }

  close(): void {
    for (const s of [this.inbound, this.outbound.v4, this.outbound.v6]) {
      try {
        s?.close();
      } catch {
        // already closed
      }
    }
    this.outbound = {};
  }
}

function sameAddress(a: string, b: string): boolean {
  const plain = (x: string) => x.replace(/^::ffff:/i, "");
  return plain(a) === plain(b);
}
