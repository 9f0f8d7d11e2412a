import http from "node:http";
import net from "node:net";
import { afterEach } from "vitest";
import { proxyEnvironment } from "../../src/network-proxy/env.js";
import type { NetworkProxy } from "../../src/network-proxy/proxy.js";
import { runSandboxed } from "../../src/sandbox/runner.js";
import { workspacePlan } from "../sandbox/support.js";
import { tempDir } from "../support/tmp.js";

export type Cleanup = () => Promise<void> | void;

/** A list of clean-ups the calling test file fills; after each test they run, newest first. */
export function cleanupsAfterEach(): Cleanup[] {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  return cleanups;
}

/**
 * An HTTP server on 127.0.0.1 (closed by `cleanups`) that answers every request with
 * `reply(req)` and logs `record(req)` in `hits`.
 */
export async function loopbackHttpServer(
  cleanups: Cleanup[],
  record: (req: http.IncomingMessage) => string,
  reply: (req: http.IncomingMessage) => string,
): Promise<{ port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(record(req));
    res.end(reply(req));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
  return { port: (server.address() as net.AddressInfo).port, hits };
}

/** `METHOD host url` of a request, as the loopback servers log it. */
export const requestLine = (req: http.IncomingMessage): string =>
  `${req.method} ${req.headers.host} ${req.url}`;

/** Status, headers and text body of a response, once it has ended. */
export function collect(
  res: http.IncomingMessage,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => {
      body += c;
    });
    res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    res.on("error", reject);
  });
}

/** The response head a CONNECT to `target` gets from the proxy on `proxyPort`. */
export function connectStatus(proxyPort: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(proxyPort, "127.0.0.1", () =>
      s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`),
    );
    let text = "";
    s.setEncoding("utf8");
    s.on("data", (c: string) => {
      text += c;
      if (text.includes("\r\n\r\n")) {
        s.destroy();
        resolve(text);
      }
    });
    s.on("error", reject);
  });
}

/**
 * Runs `script` with sh in real bwrap, routed to proxy `p` (bridge and variables), with the
 * workspace `ws` writable; `caBundle` becomes the CA variables when HTTPS is intercepted.
 */
export function shellThroughProxy(
  p: NetworkProxy,
  script: string,
  options: { ws: string; caBundle?: string; hidden?: string[]; env?: Record<string, string> },
) {
  return runSandboxed({
    argv: ["sh", "-c", script],
    cwd: options.ws,
    plan: workspacePlan(options.ws, { paths: options.hidden ?? [] }),
    env: {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      ...proxyEnvironment({
        httpPort: p.httpPort,
        socksPort: p.socksPort,
        allowLocalBinding: p.policy.allowLocalBinding,
        caBundlePath: options.caBundle ?? null,
      }),
      ...options.env,
    },
    stateDir: tempDir("keel-state-"),
    proxyPorts: [p.httpPort, ...(p.socksPort === null ? [] : [p.socksPort])],
    timeoutMs: 60_000,
  });
}
