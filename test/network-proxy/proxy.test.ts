import http from "node:http";
import { describe, expect, it } from "vitest";
import type { NetworkPolicy } from "../../src/network-proxy/decision.js";
import { type NetworkProxy, startNetworkProxy } from "../../src/network-proxy/proxy.js";
import { cleanupsAfterEach, collect, connectStatus, loopbackHttpServer } from "./support.js";

// The proxy on its own (no sandbox): a test server on 127.0.0.1, names mapped to it by the
// resolver hook, requests sent as a proxied client would send them.
const cleanups = cleanupsAfterEach();

async function upstream(): Promise<{ port: number; methods: string[] }> {
  const { port, hits } = await loopbackHttpServer(
    cleanups,
    (req) => req.method ?? "",
    () => "upstream",
  );
  return { port, methods: hits };
}

async function proxy(p: Partial<NetworkPolicy>): Promise<NetworkProxy> {
  const started = await startNetworkProxy({
    policy: { mode: "full", allow: [], deny: [], allowLocalBinding: true, ...p },
    resolve: async () => ["127.0.0.1"],
  });
  cleanups.push(() => started.close());
  return started;
}

function viaProxy(proxyPort: number, method: string, url: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: proxyPort, method, path: url, agent: false },
        (res) => resolve(collect(res)),
      );
      req.on("error", reject);
      req.end();
    },
  );
}

describe("managed proxy responses", () => {
  it("deny-listed hosts get blocked-by-denylist with the spec's body", async () => {
    const up = await upstream();
    const p = await proxy({ allow: ["**.test"], deny: ["bad.test"] });
    const r = await viaProxy(p.httpPort, "GET", `http://bad.test:${up.port}/`);
    expect(r.status).toBe(403);
    expect(r.headers["x-proxy-error"]).toBe("blocked-by-denylist");
    expect(JSON.parse(r.body)).toMatchObject({
      reason: "denied",
      source: "baseline_policy",
      message: "Domain denied by the sandbox policy.",
    });
    expect(up.methods).toEqual([]);
  });

  it("limited mode (§9 test 5): GET passes, POST and tunnels are refused by the mode guard", async () => {
    const up = await upstream();
    const p = await proxy({ allow: ["ok.test"], mode: "limited" });
    expect((await viaProxy(p.httpPort, "GET", `http://ok.test:${up.port}/`)).body).toBe("upstream");
    const post = await viaProxy(p.httpPort, "POST", `http://ok.test:${up.port}/`);
    expect(post.status).toBe(403);
    expect(post.headers["x-proxy-error"]).toBe("blocked-by-method-policy");
    expect(JSON.parse(post.body)).toMatchObject({
      reason: "method_not_allowed",
      source: "mode_guard",
      message: "Method not allowed in limited mode.",
    });
    expect(await connectStatus(p.httpPort, `ok.test:${up.port}`)).toMatch(
      /^HTTP\/1\.1 403 Forbidden\r\n.*x-proxy-error: blocked-by-method-policy/s,
    );
    expect(up.methods).toEqual(["GET"]);
  });

  it("forwards the URL's host as Host, whatever Host header the client sent", async () => {
    const { port, hits: hosts } = await loopbackHttpServer(
      cleanups,
      (req) => req.headers.host ?? "",
      () => "upstream",
    );
    const p = await proxy({ allow: ["allowed.test"] });
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: p.httpPort,
          path: `http://allowed.test:${port}/x`,
          headers: { host: "other-site.example" },
          agent: false,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(hosts).toEqual([`allowed.test:${port}`]);
  });

  it("a policy changed in place applies to the next request", async () => {
    const up = await upstream();
    const p = await proxy({ allow: [] });
    expect((await viaProxy(p.httpPort, "GET", `http://late.test:${up.port}/`)).status).toBe(403);
    p.setPolicy({ mode: "full", allow: ["late.test"], deny: [], allowLocalBinding: true });
    expect((await viaProxy(p.httpPort, "GET", `http://late.test:${up.port}/`)).body).toBe("upstream");
  });

  it("not_allowed_local (spec §4): a local literal or a name resolving to a private address, with the spec's 403", async () => {
    const up = await upstream();
    const p = await proxy({ allow: ["named.test"], allowLocalBinding: false });
    const literal = await viaProxy(p.httpPort, "GET", `http://127.0.0.1:${up.port}/`);
    expect(literal.status).toBe(403);
    expect(literal.headers["x-proxy-error"]).toBe("blocked-by-allowlist");
    expect(literal.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(literal.body)).toEqual({
      status: "blocked",
      host: "127.0.0.1",
      reason: "not_allowed_local",
      decision: "deny",
      source: "baseline_policy",
      protocol: "http",
      port: up.port,
      message: "Sandbox policy blocks local/private network addresses.",
    });
    // Allowlisted, but the name resolves to loopback (the resolver maps every name there).
    const named = await viaProxy(p.httpPort, "GET", `http://named.test:${up.port}/`);
    expect(JSON.parse(named.body)).toMatchObject({ host: "named.test", reason: "not_allowed_local" });
    const tunnel = await connectStatus(p.httpPort, `named.test:${up.port}`);
    expect(tunnel).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(tunnel).toContain("x-proxy-error: blocked-by-allowlist\r\n");
    expect(tunnel).toContain("content-type: text/plain\r\n");
    expect(up.methods).toEqual([]);
  });
});
