import http from "node:http";
import net from "node:net";
import { describe, expect, it } from "vitest";
import type { NetworkPolicy } from "../../src/network-proxy/decision.js";
import { type NetworkProxy, startNetworkProxy } from "../../src/network-proxy/proxy.js";
import { type UpstreamProxies, upstreamProxiesFromEnv } from "../../src/network-proxy/upstream.js";
import { cleanupsAfterEach, collect, loopbackHttpServer, requestLine } from "./support.js";

// `allow_upstream_proxy` (spec §2): the session's proxy forwards what it allowed through the
// proxy keel was given. The upstream here is a second keel proxy on loopback, whose own log
// shows what reached it; the target is a test server on loopback.
const cleanups = cleanupsAfterEach();

function target(): Promise<{ port: number; hits: string[] }> {
  return loopbackHttpServer(cleanups, requestLine, () => "from the target");
}

async function proxy(
  policy: Partial<NetworkPolicy>,
  upstream: UpstreamProxies | null,
): Promise<NetworkProxy> {
  const p = await startNetworkProxy({
    policy: { mode: "full", allow: ["**.test"], deny: [], allowLocalBinding: true, ...policy },
    resolve: async () => ["127.0.0.1"],
    upstream,
  });
  cleanups.push(() => p.close());
  return p;
}

function get(proxyPort: number, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: proxyPort, path: url, agent: false }, (res) =>
      resolve(collect(res)),
    );
    req.on("error", reject);
    req.end();
  });
}

/** Opens a CONNECT tunnel, sends one plain HTTP request inside it, returns the reply text. */
function throughTunnel(proxyPort: number, authority: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(proxyPort, "127.0.0.1", () =>
      s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`),
    );
    let text = "";
    let sent = false;
    s.setEncoding("latin1");
    s.on("data", (c: string) => {
      text += c;
      if (!sent && text.startsWith("HTTP/1.1 200") && text.includes("\r\n\r\n")) {
        sent = true;
        text = "";
        s.write(`GET /tunneled HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`);
      } else if (!sent && text.includes("\r\n\r\n")) {
        s.destroy();
        resolve(text);
      }
    });
    s.on("end", () => resolve(text));
    s.on("error", reject);
  });
}

describe("upstream proxies from keel's environment", () => {
  it("picks HTTP_PROXY for plain HTTP and HTTPS_PROXY, then HTTP_PROXY, then ALL_PROXY for tunnels", () => {
    expect(
      upstreamProxiesFromEnv({ http_proxy: "http://h.example:3128", HTTPS_PROXY: "s.example:8080" }),
    ).toEqual({
      http: { host: "h.example", port: 3128, authorization: null },
      https: { host: "s.example", port: 8080, authorization: null },
    });
    expect(upstreamProxiesFromEnv({ HTTP_PROXY: "http://u%40x:p%3Aw@h.example" })).toEqual({
      http: {
        host: "h.example",
        port: 80,
        authorization: `Basic ${Buffer.from("u@x:p:w").toString("base64")}`,
      },
      https: {
        host: "h.example",
        port: 80,
        authorization: `Basic ${Buffer.from("u@x:p:w").toString("base64")}`,
      },
    });
    // Only http:// proxies count; empty values are unset.
    expect(
      upstreamProxiesFromEnv({
        HTTP_PROXY: " ",
        HTTPS_PROXY: "socks5h://s.example:1080",
        ALL_PROXY: "a.example:9",
      }),
    ).toEqual({
      http: { host: "a.example", port: 9, authorization: null },
      https: { host: "a.example", port: 9, authorization: null },
    });
    expect(upstreamProxiesFromEnv({})).toEqual({ http: null, https: null });
  });

  it("plain HTTP and CONNECT go through the upstream proxy, after the session's own policy", async () => {
    const t = await target();
    const second = await proxy({}, null);
    const env = { HTTP_PROXY: `http://127.0.0.1:${second.httpPort}` };
    const first = await proxy({ allow: ["ok.test"] }, upstreamProxiesFromEnv(env));
    expect((await get(first.httpPort, `http://ok.test:${t.port}/plain`)).body).toBe("from the target");
    expect(await throughTunnel(first.httpPort, `ok.test:${t.port}`)).toContain("from the target");
    // A host the session's policy refuses never reaches the upstream.
    expect((await get(first.httpPort, `http://other.test:${t.port}/`)).status).toBe(403);
    expect(second.log.map((r) => [r.protocol, r.host, r.method, r.allowed])).toEqual([
      ["http", "ok.test", "GET", true],
      ["https", "ok.test", "CONNECT", true],
    ]);
    expect(t.hits).toEqual([`GET ok.test:${t.port} /plain`, `GET ok.test:${t.port} /tunneled`]);
  });

  it("without allow_upstream_proxy (no upstream given) the proxy connects directly", async () => {
    const t = await target();
    const second = await proxy({}, null);
    const first = await proxy({ allow: ["ok.test"] }, null);
    expect((await get(first.httpPort, `http://ok.test:${t.port}/plain`)).body).toBe("from the target");
    expect(second.log).toEqual([]);
  });

  it("an upstream that refuses the tunnel gives the client a 502", async () => {
    const t = await target();
    const second = await proxy({ allow: [] }, null);
    const first = await proxy(
      { allow: ["ok.test"] },
      upstreamProxiesFromEnv({ HTTPS_PROXY: `127.0.0.1:${second.httpPort}` }),
    );
    expect(await throughTunnel(first.httpPort, `ok.test:${t.port}`)).toMatch(/^HTTP\/1\.1 502 /);
    expect(t.hits).toEqual([]);
  });
});
