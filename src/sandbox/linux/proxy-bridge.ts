import type { ChildProcess } from "node:child_process";
import type childProcess from "node:child_process";
import net from "node:net";
import type os from "node:os";

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

interface BridgeModules {
  net: typeof net;
  cp: typeof childProcess;
  os: typeof os;
}

/**
 * Runs inside the sandbox (as `node -e`), so it may use nothing from keel: only what it is given.
 * Kept as a real function so the type checker sees it; its source text is what bwrap runs.
 */
function sandboxBridgeMain(m: BridgeModules, proc: NodeJS.Process): void {
  proc.once("message", (raw: unknown) => {
    const setup = raw as BridgeSetup;
    const local: number[] = [];
    const start = () => {
      const env = { ...setup.env };
      for (const name of setup.rewrite) {
        let value = env[name];
        if (value === undefined) continue;
        setup.ports.forEach((hostPort, i) => {
          value = value!.split(`127.0.0.1:${hostPort}`).join(`127.0.0.1:${local[i]}`);
        });
        env[name] = value;
      }
      const child = m.cp.spawn(setup.argv[0]!, setup.argv.slice(1), { env, stdio: "inherit" });
      child.on("error", (error: NodeJS.ErrnoException) => {
        const missing = error.code === "ENOENT";
        proc.stderr.write(`${setup.argv[0]}: ${missing ? "command not found" : error.message}\n`);
        proc.exit(missing ? 127 : 126);
      });
      child.on("exit", (code, signal) => {
        proc.exit(signal ? 128 + (m.os.constants.signals[signal] ?? 0) : (code ?? 1));
      });
    };
    let pending = setup.ports.length;
    if (pending === 0) start();
    setup.ports.forEach((_port, route) => {
      const server = m.net.createServer({ pauseOnConnect: true }, (socket) => {
        proc.send?.({ route }, socket);
      });
      server.listen(0, "127.0.0.1", () => {
        local[route] = (server.address() as net.AddressInfo).port;
        if (--pending === 0) start();
      });
    });
  });
}

/** The program bwrap runs in place of the command. */
export function bridgeArgv(nodePath: string): string[] {
  const source = `(${sandboxBridgeMain.toString()})({ net: require("node:net"), cp: require("node:child_process"), os: require("node:os") }, process);`;
  return [nodePath, "-e", source];
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
