import http from "node:http";
import type net from "node:net";
import { blockedMessage, proxyErrorHeader, refuseHttp } from "./blocked.js";
import { type BlockReason, type BlockSource, methodAllowed } from "./decision.js";
import { endToEnd, relay } from "./forward.js";
import { type ProxyRuntime, splitHostPort } from "./runtime.js";

const ESTABLISHED = Buffer.from("HTTP/1.1 200 Connection Established\r\n\r\n");

function refuseConnect(socket: net.Socket, reason: BlockReason, source: BlockSource): void {
  const text = blockedMessage(reason);
  socket.end(
    "HTTP/1.1 403 Forbidden\r\n" +
      `x-proxy-error: ${proxyErrorHeader(reason, source)}\r\n` +
      "content-type: text/plain\r\n" +
      `content-length: ${Buffer.byteLength(text)}\r\n` +
      "connection: close\r\n\r\n" +
      text,
  );
}

/** The limited mode's method guard for one request (plain or intercepted): true if refused. */
export function refusedByMode(
  rt: ProxyRuntime,
  protocol: "http" | "https",
  target: { host: string; port: number },
  req: http.IncomingMessage,
  res: http.ServerResponse,
): boolean {
  const method = req.method ?? "GET";
  if (methodAllowed(rt.policy, method)) return false;
  const { host, port } = target;
  rt.record({
    protocol,
    host,
    port,
    method,
    allowed: false,
    reason: "method_not_allowed",
    source: "mode_guard",
  });
  req.resume();
  refuseHttp(res, host, port, "method_not_allowed", "mode_guard");
  return true;
}

async function onRequest(
  rt: ProxyRuntime,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? "");
    if (url.protocol !== "http:") throw new Error("not http");
  } catch {
    res.writeHead(400, { "content-type": "text/plain", connection: "close" });
    res.end("This proxy accepts absolute http:// URLs and CONNECT only.");
    return;
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = url.port === "" ? 80 : Number(url.port);
  const method = req.method ?? "GET";
  const decision = await rt.decide(host, "http", port);
  if (!decision.allowed) {
    rt.record({
      protocol: "http",
      host,
      port,
      method,
      allowed: false,
      reason: decision.reason,
      source: decision.source,
    });
    refuseHttp(res, host, port, decision.reason, decision.source);
    return;
  }
  if (rt.interceptor?.hooked(host)) {
    // Hooks act on intercepted HTTPS only: plain HTTP would get around them (as in Codex 0.169).
    const [reason, source] = ["mitm_required", "mode_guard"] as const;
    rt.record({ protocol: "http", host, port, method, allowed: false, reason, source });
    req.resume();
    return refuseHttp(res, host, port, reason, source);
  }
  if (refusedByMode(rt, "http", { host, port }, req, res)) return;
  rt.record({ protocol: "http", host, port, method, allowed: true });
  const headers = endToEnd(req.headers);
  // The policy judged the URL's host, so the upstream must see that host (RFC 9112 §3.2.2): a
  // client's own Host header would reach any other site sharing the allowed host's address.
  headers.host = url.host;
  // Through an upstream proxy the request keeps its absolute form; the proxy resolves the name.
  const via = rt.upstream?.http ?? null;
  if (via?.authorization) headers["proxy-authorization"] = via.authorization;
  const upstream = http.request({
    host: via ? via.host : decision.addresses[0],
    port: via ? via.port : port,
    method,
    path: via ? url.href : `${url.pathname}${url.search}`,
    headers,
    setHost: false,
  });
  relay(req, upstream, res, { host, port });
}

async function onConnect(
  rt: ProxyRuntime,
  req: http.IncomingMessage,
  client: net.Socket,
  head: Buffer,
): Promise<void> {
  client.on("error", () => {});
  const parsed = splitHostPort(req.url ?? "", 443);
  if (!parsed) {
    client.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    return;
  }
  const { host, port } = parsed;
  const decision = await rt.decide(host, "https", port);
  if (!decision.allowed) {
    rt.record({
      protocol: "https",
      host,
      port,
      method: "CONNECT",
      allowed: false,
      reason: decision.reason,
      source: decision.source,
    });
    refuseConnect(client, decision.reason, decision.source);
    return;
  }
  const target = { host, port, addresses: decision.addresses };
  if (rt.interceptor?.hooked(host)) return rt.interceptor.accept(client, head, target, ESTABLISHED);
  if (rt.policy.mode === "limited") {
    // Limited mode must see the method of every request: the tunnel is intercepted, or refused
    // when there is no interception CA.
    if (rt.interceptor) return rt.interceptor.accept(client, head, target, ESTABLISHED);
    rt.record({
      protocol: "https",
      host,
      port,
      method: "CONNECT",
      allowed: false,
      reason: "method_not_allowed",
      source: "mode_guard",
    });
    refuseConnect(client, "method_not_allowed", "mode_guard");
    return;
  }
  rt.record({ protocol: "https", host, port, method: "CONNECT", allowed: true });
  let upstream: net.Socket;
  try {
    upstream = await rt.open(target, true);
  } catch {
    client.end("HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n");
    return;
  }
  if (client.destroyed) return void upstream.destroy();
  upstream.on("error", () => client.destroy());
  client.on("close", () => upstream.destroy());
  client.write(ESTABLISHED);
  if (head.length > 0) upstream.write(head);
  upstream.pipe(client);
  client.pipe(upstream);
}

/** The HTTP listener: absolute-URI requests and CONNECT tunnels. */
export function createHttpListener(rt: ProxyRuntime): http.Server {
  const server = http.createServer((req, res) => {
    void onRequest(rt, req, res);
  });
  server.on("connect", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    void onConnect(rt, req, socket, head);
  });
  server.on("clientError", (_error, socket) => socket.destroy());
  return server;
}
