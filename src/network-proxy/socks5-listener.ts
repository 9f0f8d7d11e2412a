import net from "node:net";
import type { ProxyRuntime } from "./runtime.js";

/**
 * SOCKS5 (RFC 1928) without authentication, CONNECT only: UDP ASSOCIATE and BIND are answered
 * "command not supported". A refused host gets reply 0x02 ("not allowed by ruleset"), which curl
 * reports as error 97.
 */
const REPLY_OK = 0x00;
const REPLY_NOT_ALLOWED = 0x02;
const REPLY_HOST_UNREACHABLE = 0x04;
const REPLY_COMMAND_UNSUPPORTED = 0x07;
const REPLY_ADDRESS_UNSUPPORTED = 0x08;

function reply(code: number): Buffer {
  return Buffer.from([0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0]);
}

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

async function readTarget(r: Reader): Promise<{ host: string; port: number } | number | null> {
  const head = await r.take(4);
  if (head === null || head[0] !== 0x05) return null;
  if (head[1] !== 0x01) return REPLY_COMMAND_UNSUPPORTED;
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
  return { host, port: p.readUInt16BE(0) };
}

async function handle(rt: ProxyRuntime, client: net.Socket): Promise<void> {
  client.on("error", () => {});
  const r = new Reader(client);
  const greeting = await r.take(2);
  const methods = greeting && greeting[0] === 0x05 ? await r.take(greeting[1]!) : null;
  if (!methods) return void client.destroy();
  if (!methods.includes(0x00)) return void client.end(Buffer.from([0x05, 0xff]));
  client.write(Buffer.from([0x05, 0x00]));
  const target = await readTarget(r);
  if (target === null) return void client.destroy();
  if (typeof target === "number") return void client.end(reply(target));
  const { host, port } = target;
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
  // Limited mode cannot see methods inside a raw TCP stream: refuse, as for CONNECT.
  if (rt.policy.mode === "limited") {
    rt.record({
      protocol: "socks5Tcp",
      host,
      port,
      method: null,
      allowed: false,
      reason: "method_not_allowed",
      source: "mode_guard",
    });
    return void client.end(reply(REPLY_NOT_ALLOWED));
  }
  rt.record({ protocol: "socks5Tcp", host, port, method: null, allowed: true });
  const upstream = rt.connect(decision.addresses, port);
  let connected = false;
  upstream.on("error", () => {
    if (!connected) client.end(reply(REPLY_HOST_UNREACHABLE));
    else client.destroy();
  });
  upstream.once("connect", () => {
    connected = true;
    client.removeAllListeners("data");
    client.removeAllListeners("end");
    client.write(reply(REPLY_OK));
    const rest = r.rest();
    if (rest.length > 0) upstream.write(rest);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  client.on("close", () => upstream.destroy());
}

export function createSocks5Listener(rt: ProxyRuntime): net.Server {
  return net.createServer((client) => {
    void handle(rt, client).catch(() => client.destroy());
  });
}
