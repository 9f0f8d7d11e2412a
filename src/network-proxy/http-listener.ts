import http from "node:http";
import type net from "node:net";
import { blockedBody, blockedMessage, proxyErrorHeader } from "./blocked.js";
import { type BlockReason, type BlockSource, methodAllowed } from "./decision.js";
import { type ProxyRuntime, splitHostPort } from "./runtime.js";

// Hop-by-hop headers a proxy must not forward (RFC 9110 §7.6.1), plus the proxy's own.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function refuseHttp(
  res: http.ServerResponse,
  host: string,
  port: number,
  reason: BlockReason,
  source: BlockSource,
): void {
  const body = JSON.stringify(blockedBody(host, port, reason, source));
  res.writeHead(403, {
    "content-type": "application/json",
    "x-proxy-error": proxyErrorHeader(reason, source),
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  res.end(body);
}

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
  if (!methodAllowed(rt.policy, method)) {
    rt.record({
      protocol: "http",
      host,
      port,
      method,
      allowed: false,
      reason: "method_not_allowed",
      source: "mode_guard",
    });
    refuseHttp(res, host, port, "method_not_allowed", "mode_guard");
    return;
  }
  rt.record({ protocol: "http", host, port, method, allowed: true });
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
  // The policy judged the URL's host, so the upstream must see that host (RFC 9112 §3.2.2): a
  // client's own Host header would reach any other site sharing the allowed host's address.
  headers.host = url.host;
  const upstream = http.request({
    host: decision.addresses[0],
    port,
    method,
    path: `${url.pathname}${url.search}`,
    headers,
    setHost: false,
  });
  upstream.on("response", (up) => {
    const out: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
    res.writeHead(up.statusCode ?? 502, out);
    up.pipe(res);
  });
  upstream.on("error", (error) => {
    if (res.headersSent) res.destroy();
    else {
      res.writeHead(502, { "content-type": "text/plain", connection: "close" });
      res.end(`proxy could not reach ${host}:${port}: ${error.message}`);
    }
  });
  req.pipe(upstream);
}

async function onConnect(
  rt: ProxyRuntime,
  req: http.IncomingMessage,
  client: net.Socket,
  head: Buffer,
): Promise<void> {
  client.on("error", () => {});
  const target = splitHostPort(req.url ?? "", 443);
  if (!target) {
    client.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    return;
  }
  const { host, port } = target;
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
  // Without HTTPS interception the methods inside a tunnel cannot be checked: limited mode
  // refuses tunnels rather than let a POST through.
  if (!methodAllowed(rt.policy, "CONNECT")) {
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
  const upstream = rt.connect(decision.addresses, port);
  let connected = false;
  upstream.on("error", () => {
    if (!connected) client.end("HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n");
    else client.destroy();
  });
  upstream.once("connect", () => {
    connected = true;
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  client.on("close", () => upstream.destroy());
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
