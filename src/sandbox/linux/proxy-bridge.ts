import type { ChildProcess } from "node:child_process";
import net from "node:net";

/**
 * Routing a sandboxed command to the managed network proxy (network-proxy.md §5).
 *
 * The command runs in bwrap's new network namespace, so nothing outside is reachable. bwrap starts
 * a small Node bridge (below) instead of the command: it listens on an ephemeral 127.0.0.1 port per
 * proxy endpoint inside the namespace, rewrites the proxy variables to those ports and starts the
 * command. Each connection it accepts is handed to keel over the Node IPC channel (a socketpair
 * keel created before bwrap started; the socket travels as SCM_RIGHTS), and keel joins it to the
 * proxy on the host's loopback. The bridge therefore never calls `socket(AF_UNIX)` or connects
 * anywhere, so the proxy-routed seccomp filter (AF_UNIX `socket()` refused) holds for the bridge
 * and the command alike, and no unix socket path needs to be visible in the sandbox.
 */

export interface BridgeSetup {
  argv: string[];
  env: Record<string, string>;
  /** Host loopback ports the proxy variables point at; one in-sandbox listener each. */
  ports: number[];
  /** Variables whose `127.0.0.1:<host port>` is rewritten to the in-sandbox port. */
  rewrite: string[];
}

/**
 * The bridge's program, run inside the sandbox as `node -e` (CommonJS). Plain source text rather
 * than a function's `toString()`: the bundle's minifier and `keepNames` helpers would break that.
 * It receives a BridgeSetup as its first IPC message, listens once per port, hands each accepted
 * (still paused) connection to keel with `process.send`, and exits as the command did.
 */
const BRIDGE_SOURCE = `"use strict";
const net = require("node:net");
const cp = require("node:child_process");
const os = require("node:os");
process.once("message", (setup) => {
  const local = [];
  let pending = setup.ports.length;
  function start() {
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
      process.stderr.write(setup.argv[0] + ": " + (missing ? "command not found" : error.message) + "\\n");
      process.exit(missing ? 127 : 126);
    });
    child.on("exit", (code, signal) => {
      process.exit(signal ? 128 + (os.constants.signals[signal] || 0) : code === null ? 1 : code);
    });
  }
  if (pending === 0) start();
  setup.ports.forEach((_port, route) => {
    const server = net.createServer({ pauseOnConnect: true }, (socket) => process.send({ route }, socket));
    server.listen(0, "127.0.0.1", () => {
      local[route] = server.address().port;
      if (--pending === 0) start();
    });
  });
});
`;

/** The program bwrap runs in place of the command. */
export function bridgeArgv(nodePath: string): string[] {
  return [nodePath, "-e", BRIDGE_SOURCE];
}

/**
 * keel's half: sends the setup, and joins every connection the bridge hands over to the proxy
 * port it stands for. Returns a function that closes what is still open.
 */
export function attachBridge(child: ChildProcess, setup: BridgeSetup): () => void {
  const open = new Set<net.Socket>();
  child.on("message", (message: unknown, handle: unknown) => {
    const route = (message as { route?: unknown } | null)?.route;
    if (!(handle instanceof net.Socket)) return;
    const port = typeof route === "number" ? setup.ports[route] : undefined;
    if (port === undefined) return void handle.destroy();
    const upstream = net.connect({ host: "127.0.0.1", port });
    for (const s of [handle, upstream]) {
      open.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        open.delete(s);
        handle.destroy();
        upstream.destroy();
      });
    }
    handle.pipe(upstream);
    upstream.pipe(handle);
    handle.resume();
  });
  child.on("error", () => {});
  child.send(setup, (error) => {
    if (error) child.kill("SIGKILL");
  });
  return () => {
    for (const s of open) s.destroy();
  };
}
