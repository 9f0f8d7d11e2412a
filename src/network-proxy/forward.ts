import type http from "node:http";

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

/** The end-to-end headers of a request or response, as the next hop should see them. */
export function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

/** A 502 naming the target, for a request that could not be forwarded. */
export function badGateway(res: http.ServerResponse, host: string, port: number, why: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(502, { "content-type": "text/plain", connection: "close" });
  res.end(`proxy could not reach ${host}:${port}: ${why}`);
}

/** Sends `req`'s body upstream and the upstream's answer back to the client. */
export function relay(
  req: http.IncomingMessage,
  upstream: http.ClientRequest,
  res: http.ServerResponse,
  target: { host: string; port: number },
): void {
  upstream.on("response", (up) => {
    res.writeHead(up.statusCode ?? 502, endToEnd(up.headers));
    up.pipe(res);
  });
  upstream.on("error", (error) => badGateway(res, target.host, target.port, error.message));
  req.pipe(upstream);
}
