import type { ChildProcess } from "node:child_process";
import net from "node:net";
import { BridgeFrameReader, encodeFrame, FRAME } from "./bridge-frames.js";
import { METHOD_REPLY_BYTES, SocksUdpGuard, UDP_ASSOCIATE_REFUSED } from "./socks-udp-guard.js";

/**
 * Routing a sandboxed command to the managed network proxy (network-proxy.md §5).
 *
 * The command runs in bwrap's new network namespace, so nothing outside is reachable. bwrap starts
 * a small Node bridge (below) instead of the command: it listens on an ephemeral 127.0.0.1 port per
 * proxy endpoint inside the namespace, rewrites the proxy variables to those ports and starts the
 * command. The bridge carries every accepted connection's bytes to keel as frames over one pipe
 * (fd 5, a socketpair keel created before bwrap started), and keel joins each framed connection
 * to the proxy on the host's loopback. The bridge never calls `socket(AF_UNIX)` or connects
 * anywhere, so the proxy-routed seccomp filter holds for the bridge and the command alike.
 *
 * Why frames rather than Node's IPC channel with fd passing: the command runs as the bridge's
 * child under the same uid, so it can take the bridge's channel (pidfd_getfd, /proc/<pid>/mem)
 * and write anything into it. Node's IPC parser throws in keel's process on bad input, which
 * crashed keel. keel now reads only this small frame format, bounded and checked, and any
 * violation ends the sandboxed command (fail closed) rather than keel.
 *
 * UDP does not cross the bridge: keel answers a SOCKS5 UDP ASSOCIATE itself with "command not
 * supported" (socks-udp-guard.ts), as the relay the proxy would offer is out of the sandbox's reach.
 */

export interface BridgeSetup {
  argv: string[];
  env: Record<string, string>;
  /** Host loopback ports the proxy variables point at; one in-sandbox listener each. */
  ports: number[];
  /** Variables whose `127.0.0.1:<host port>` is rewritten to the in-sandbox port. */
  rewrite: string[];
}

/** The child's stdio index of the frame pipe (after bwrap's seccomp and status fds). */
export const BRIDGE_FD = 5;

/** Connections one command may hold open through the bridge at once; more are refused. */
export const MAX_BRIDGE_CONNECTIONS = 256;

/**
 * The bridge's program, run inside the sandbox as `node -e` (CommonJS). Plain source text rather
 * than a function's `toString()`: the bundle's minifier and `keepNames` helpers would break that.
 * Frames are `type u8, id u32be, length u32be, payload` (bridge-frames.ts); the first frame from
 * keel is the setup (JSON).
 */
const BRIDGE_SOURCE = `"use strict";
const net = require("node:net");
const cp = require("node:child_process");
const os = require("node:os");
const SETUP = ${FRAME.setup}, OPEN = ${FRAME.open}, DATA = ${FRAME.data}, CLOSE = ${FRAME.close};
const CHUNK = ${FRAME.maxPayload};
const chan = new net.Socket({ fd: ${BRIDGE_FD}, readable: true, writable: true });
const conns = new Map();
const waiting = new Set();
let nextId = 1;
let pending = Buffer.alloc(0);
let started = false;
chan.on("drain", () => {
  for (const s of waiting) s.resume();
  waiting.clear();
});
function send(type, id, payload, source) {
  const head = Buffer.alloc(9);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(id, 1);
  head.writeUInt32BE(payload.length, 5);
  if (!chan.write(Buffer.concat([head, payload])) && source) {
    source.pause();
    waiting.add(source);
  }
}
function begin(setup) {
  const local = [];
  let left = setup.ports.length;
  function run() {
    const env = Object.assign({}, setup.env);
    for (const name of setup.rewrite) {
      if (typeof env[name] !== "string") continue;
      setup.ports.forEach((hostPort, i) => {
        env[name] = env[name].split("127.0.0.1:" + hostPort).join("127.0.0.1:" + local[i]);
      });
    }
    const child = cp.spawn(setup.argv[0], setup.argv.slice(1), { env, stdio: "inherit" });
    child.on("error", (error) => {
      const missing = error.code === "ENOENT";
      process.stderr.write(setup.argv[0] + ": " + (missing ? "command not found" : error.message) + String.fromCharCode(10));
      process.exit(missing ? 127 : 126);
    });
    child.on("exit", (code, signal) => {
      process.exit(signal ? 128 + (os.constants.signals[signal] || 0) : code === null ? 1 : code);
    });
  }
  if (left === 0) run();
  setup.ports.forEach((_port, route) => {
    const server = net.createServer((socket) => {
      const id = nextId++;
      conns.set(id, socket);
      socket.on("error", () => {});
      send(OPEN, id, Buffer.from([route]));
      socket.on("data", (data) => {
        for (let at = 0; at < data.length; at += CHUNK) send(DATA, id, data.subarray(at, at + CHUNK), socket);
      });
      socket.on("close", () => {
        waiting.delete(socket);
        if (conns.delete(id)) send(CLOSE, id, Buffer.alloc(0));
      });
    });
    server.listen(0, "127.0.0.1", () => {
      local[route] = server.address().port;
      if (--left === 0) run();
    });
  });
}
chan.on("error", () => process.exit(1));
chan.on("end", () => process.exit(1));
chan.on("data", (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 9) {
    const length = pending.readUInt32BE(5);
    if (pending.length < 9 + length) break;
    const type = pending.readUInt8(0);
    const id = pending.readUInt32BE(1);
    const payload = pending.subarray(9, 9 + length);
    pending = pending.subarray(9 + length);
    if (type === SETUP && !started) {
      started = true;
      begin(JSON.parse(payload.toString("utf8")));
      continue;
    }
    const socket = conns.get(id);
    if (!socket) continue;
    if (type === DATA) {
      // A socket the command already closed takes nothing more, and would never drain.
      if (socket.destroyed || !socket.writable) continue;
      if (!socket.write(payload)) {
        chan.pause();
        // Also on close: a socket that closes while full never drains, and the pipe must go on.
        const go = () => {
          socket.off("drain", go);
          socket.off("close", go);
          chan.resume();
        };
        socket.on("drain", go);
        socket.on("close", go);
      }
    } else if (type === CLOSE) {
      conns.delete(id);
      socket.end();
    }
  }
});
`;

/** The program bwrap runs in place of the command. */
export function bridgeArgv(nodePath: string): string[] {
  return [nodePath, "-e", BRIDGE_SOURCE];
}

/**
 * keel's half: sends the setup, and joins every connection the bridge opens to the proxy port it
 * stands for. Whatever arrives on the pipe is untrusted (the command can write to it): a frame
 * that breaks the format kills the sandboxed command. Returns a function that closes what is open.
 */
export function attachBridge(child: ChildProcess, setup: BridgeSetup): () => void {
  const channel = (child.stdio as unknown as (net.Socket | null | undefined)[])[BRIDGE_FD];
  const open = new Map<number, net.Socket>();
  /** Per open connection: its SOCKS5 UDP guard, and how far the refusal of one has got. */
  const guards = new Map<number, { guard: SocksUdpGuard; relayed: number; refusing: boolean }>();
  const closeAll = () => {
    for (const s of open.values()) s.destroy();
    open.clear();
    guards.clear();
  };
  child.on("error", () => {});
  if (!channel) {
    child.kill("SIGKILL");
    return closeAll;
  }
  const waiting = new Set<net.Socket>();
  const send = (type: number, id: number, payload: Buffer, source?: net.Socket) => {
    if (channel.destroyed) return;
    if (!channel.write(encodeFrame(type, id, payload)) && source) {
      source.pause();
      waiting.add(source);
    }
  };
  channel.on("drain", () => {
    for (const s of waiting) s.resume();
    waiting.clear();
  });
  // Data for a connection whose upstream is full stops the whole pipe until it drains.
  const blocked = new Set<net.Socket>();
  // The refusal goes out after the proxy's method-selection reply, which the client reads first.
  const refuseWhenReady = (id: number) => {
    const state = guards.get(id);
    const upstream = open.get(id);
    if (!state?.refusing || state.relayed < METHOD_REPLY_BYTES || !upstream) return;
    guards.delete(id);
    open.delete(id);
    upstream.destroy();
    send(FRAME.data, id, UDP_ASSOCIATE_REFUSED);
    send(FRAME.close, id, Buffer.alloc(0));
  };
  const fail = () => {
    reader.stop();
    child.kill("SIGKILL");
    channel.destroy();
    closeAll();
  };
  const reader = new BridgeFrameReader((frame) => {
    if (frame.type === FRAME.open) {
      const route = frame.payload.length === 1 ? frame.payload[0]! : -1;
      const port = setup.ports[route];
      if (port === undefined || open.has(frame.id)) return false;
      if (open.size >= MAX_BRIDGE_CONNECTIONS) {
        send(FRAME.close, frame.id, Buffer.alloc(0));
        return true;
      }
      const id = frame.id;
      const upstream = net.connect({ host: "127.0.0.1", port });
      open.set(id, upstream);
      guards.set(id, { guard: new SocksUdpGuard(), relayed: 0, refusing: false });
      upstream.on("error", () => {});
      upstream.on("data", (data: Buffer) => {
        for (let at = 0; at < data.length; at += FRAME.maxPayload)
          send(FRAME.data, id, data.subarray(at, at + FRAME.maxPayload), upstream);
        const state = guards.get(id);
        if (state) {
          state.relayed += data.length;
          refuseWhenReady(id);
        }
      });
      upstream.on("close", () => {
        waiting.delete(upstream);
        if (blocked.delete(upstream) && blocked.size === 0) channel.resume();
        if (open.get(id) === upstream) {
          open.delete(id);
          guards.delete(id);
          send(FRAME.close, id, Buffer.alloc(0));
        }
      });
      return true;
    }
    const upstream = open.get(frame.id);
    if (frame.type === FRAME.data) {
      const state = upstream ? guards.get(frame.id) : undefined;
      let payload = frame.payload;
      if (state) {
        const step = state.guard.push(payload);
        payload = step.forward;
        if (state.guard.passing) guards.delete(frame.id);
        if (step.refuse) {
          state.refusing = true;
          refuseWhenReady(frame.id);
        }
      }
      // Late data for a connection keel already closed is harmless.
      if (upstream && payload.length > 0 && !upstream.destroyed && !upstream.write(payload)) {
        blocked.add(upstream);
        channel.pause();
        upstream.once("drain", () => {
          if (blocked.delete(upstream) && blocked.size === 0) channel.resume();
        });
      }
      return true;
    }
    if (frame.type === FRAME.close) {
      if (upstream) {
        open.delete(frame.id);
        guards.delete(frame.id);
        upstream.end();
      }
      return true;
    }
    return false;
  });
  channel.on("error", () => {});
  channel.on("data", (chunk: Buffer) => {
    if (!reader.push(chunk)) fail();
  });
  send(FRAME.setup, 0, Buffer.from(JSON.stringify(setup)));
  return () => {
    reader.stop();
    closeAll();
  };
}
