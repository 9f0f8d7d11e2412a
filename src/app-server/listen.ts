import path from "node:path";
import type { ListenTarget } from "./transports/websocket.js";

/** Parsed `--listen` value (spec app-server.md §1.2–§1.5). */
export type ListenSpec = { readonly kind: "stdio" } | { readonly kind: "off" } | ListenTarget;

/**
 * `stdio://`, `ws://IP:PORT` (IPv6 in brackets), `unix://PATH` (`unix://` alone = the default
 * socket in the keel home) or `off`. Relative unix paths resolve against `cwd`.
 */
export function parseListenUrl(value: string, options: { home: string; cwd: string }): ListenSpec {
  const text = value.trim();
  if (text === "stdio://" || text === "stdio") return { kind: "stdio" };
  if (text === "off") return { kind: "off" };
  if (text.startsWith("ws://")) {
    const match = /^ws:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d{1,5})\/?$/.exec(text);
    if (!match) throw new Error(`invalid --listen URL ${value}: expected ws://IP:PORT`);
    const port = Number(match[2]);
    if (port > 65535) throw new Error(`invalid --listen URL ${value}: port out of range`);
    const host = match[1]!.replace(/^\[(.*)\]$/, "$1");
    return { kind: "tcp", host, port };
  }
  if (text.startsWith("unix://")) {
    const rest = text.slice("unix://".length);
    const socketPath = rest === "" ? defaultUnixSocketPath(options.home) : path.resolve(options.cwd, rest);
    return { kind: "unix", path: socketPath };
  }
  throw new Error(`unsupported --listen URL ${value}: expected stdio://, ws://IP:PORT, unix://PATH or off`);
}

export function defaultUnixSocketPath(home: string): string {
  return path.join(home, "app-server.sock");
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
