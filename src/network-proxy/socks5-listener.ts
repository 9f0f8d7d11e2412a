import net from "node:net";
import type { ProxyRuntime } from "./runtime.js";
import { UdpRelay } from "./socks5-udp.js";

/**
 * SOCKS5 (RFC 1928) without authentication: CONNECT, and UDP ASSOCIATE when enabled
 * (`enable_socks5_udp`); BIND is answered "command not supported". A refused host gets reply
 * 0x02 ("not allowed by ruleset"), which curl reports as error 97.
 */
const REPLY_OK = 0x00;
const REPLY_GENERAL_FAILURE = 0x01;
const REPLY_NOT_ALLOWED = 0x02;
const REPLY_HOST_UNREACHABLE = 0x04;
const REPLY_COMMAND_UNSUPPORTED = 0x07;
const REPLY_ADDRESS_UNSUPPORTED = 0x08;

function reply(code: number, port = 0): Buffer {
  const out = Buffer.from([0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
  if (port !== 0) {
    out.set([127, 0, 0, 1], 4);
    out.writeUInt16BE(port, 8);
  }
  return out;
}

const CMD_CONNECT = 0x01;
const CMD_UDP_ASSOCIATE = 0x03;

/** Reads exactly what the handshake needs from a paused socket, keeping any surplus. */
class Reader {
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private ended = false;
  constructor(private readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiting?.();
    });
    socket.on("end", () => {
      this.ended = true;
      this.waiting?.();
    });
  }
  async take(n: number): Promise<Buffer | null> {
    while (this.buffered.length < n) {
      if (this.ended || this.socket.destroyed) return null;
      await new Promise<void>((done) => {
        this.waiting = done;
      });
      this.waiting = null;
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }
  rest(): Buffer {
    return this.buffered;
  }
}

interface SocksRequest {
  command: number;
  host: string;
  port: number;
}

async function readTarget(r: Reader): Promise<SocksRequest | number | null> {
  const head = await r.take(4);
  if (head === null || head[0] !== 0x05) return null;
  if (head[1] !== CMD_CONNECT && head[1] !== CMD_UDP_ASSOCIATE) return REPLY_COMMAND_UNSUPPORTED;
  let host: string;
  if (head[3] === 0x01) {
    const a = await r.take(4);
    if (!a) return null;
    host = [...a].join(".");
  } else if (head[3] === 0x03) {
    const len = await r.take(1);
    const name = len ? await r.take(len[0]!) : null;
    if (!name) return null;
    host = name.toString("latin1");
  } else if (head[3] === 0x04) {
    const a = await r.take(16);
    if (!a) return null;
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(a.readUInt16BE(i).toString(16));
    host = groups.join(":");
  } else return REPLY_ADDRESS_UNSUPPORTED;
  const p = await r.take(2);
  if (!p) return null;
  return { command: head[1]!, host, port: p.readUInt16BE(0) };
}

/** UDP ASSOCIATE: a relay for as long as the control connection lives. */
async function associate(rt: ProxyRuntime, client: net.Socket, udp: boolean): Promise<void> {
  if (!udp) return void client.end(reply(REPLY_COMMAND_UNSUPPORTED));
  // Limited mode cannot see methods in datagrams: refused, as Codex refuses its UDP.
  if (rt.policy.mode === "limited") {
    rt.record({
      protocol: "socks5Udp",
      host: "",
      port: 0,
      method: null,
      allowed: false,
      reason: "method_not_allowed",
      source: "mode_guard",
    });
    return void client.end(reply(REPLY_NOT_ALLOWED));
  }
  const relay = new UdpRelay(rt, client.remoteAddress ?? "127.0.0.1");
  client.on("close", () => relay.close());
  let port: number;
  try {
    port = await relay.bind();
  } catch {
    relay.close();
    return void client.end(reply(REPLY_GENERAL_FAILURE));
  }
  if (client.destroyed) return void relay.close();
  client.write(reply(REPLY_OK, port));
  // The control connection carries nothing more; its end ends the association.
  client.removeAllListeners("data");
  client.on("data", () => {});
  client.on("end", () => client.end());
}

async function handle(rt: ProxyRuntime, client: net.Socket, udp: boolean): Promise<void> {
  client.on("error", () => {});
  const r = new Reader(client);
  const greeting = await r.take(2);
  const methods = greeting && greeting[0] === 0x05 ? await r.take(greeting[1]!) : null;
  if (!methods) return void client.destroy();
  if (!methods.includes(0x00)) return void client.end(Buffer.from([0x05, 0xff]));
  client.write(Buffer.from([0x05, 0x00]));
  const request = await readTarget(r);
  if (request === null) return void client.destroy();
  if (typeof request === "number") return void client.end(reply(request));
  if (request.command === CMD_UDP_ASSOCIATE) return associate(rt, client, udp);
  const { host, port } = request;
  const decision = await rt.decide(host, "socks5Tcp", port);
  if (!decision.allowed) {
    rt.record({
      protocol: "socks5Tcp",
      host,
      port,
      method: null,
      allowed: false,
      reason: decision.reason,
      source: decision.source,
    });
    return void client.end(reply(REPLY_NOT_ALLOWED));
  }
  const target = { host, port, addresses: decision.addresses };
  const takeOver = () => {
    client.removeAllListeners("data");
    client.removeAllListeners("end");
    return r.rest();
  };
  const hooked = rt.interceptor?.hooked(host) ?? false;
  if (rt.policy.mode === "limited" || hooked) {
    // Only port 443 is known to carry TLS that interception can open (as in Codex); anything
    // else in a raw TCP stream hides its methods, and would get around a host's hooks: refused.
    if (port === 443 && rt.interceptor) {
      client.pause();
      return rt.interceptor.accept(client, takeOver(), target, reply(REPLY_OK));
    }
    rt.record({
      protocol: "socks5Tcp",
      host,
      port,
      method: null,
      allowed: false,
      reason: hooked ? "mitm_required" : "method_not_allowed",
      source: "mode_guard",
    });
    return void client.end(reply(REPLY_NOT_ALLOWED));
  }
  rt.record({ protocol: "socks5Tcp", host, port, method: null, allowed: true });
  let upstream: net.Socket;
  try {
    upstream = await rt.open(target, false);
  } catch {
    return void client.end(reply(REPLY_HOST_UNREACHABLE));
  }
  if (client.destroyed) return void upstream.destroy();
  upstream.on("error", () => client.destroy());
  client.on("close", () => upstream.destroy());
  const rest = takeOver();
  client.write(reply(REPLY_OK));
  if (rest.length > 0) upstream.write(rest);
  upstream.pipe(client);
  client.pipe(upstream);
}

export function createSocks5Listener(rt: ProxyRuntime, options: { udp: boolean }): net.Server {
  return net.createServer((client) => {
    void handle(rt, client, options.udp).catch(() => client.destroy());
  });
}
