import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { caSigner, createCa } from "../../src/network-proxy/certs.js";
import { loadOrCreateManagedCa } from "../../src/network-proxy/managed-ca.js";
import { type NetworkProxy, startNetworkProxy } from "../../src/network-proxy/proxy.js";
import type { NetworkAskRequest, NetworkDecider } from "../../src/network-proxy/runtime.js";
import { tempDir } from "../support/tmp.js";
import { collect, shellThroughProxy } from "./support.js";

// HTTPS interception in limited mode (spec §3, §9 test 5): the KEEL_HOME CA on disk, a real
// proxy, real bwrap and curl, and an HTTPS server on the host's loopback with its own CA, which
// the proxy trusts through its test-only `upstreamCa` option (verification stays on).
const _PATH = "/usr/local/bin:/usr/bin:/bin";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function httpsServer(host: string): Promise<{ port: number; ca: string; hits: string[] }> {
  const ca = await createCa("test upstream CA");
  const leaf = await (await caSigner(ca)).issue(host);
  const hits: string[] = [];
  const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    hits.push(`${req.method} ${req.headers.host} ${req.url}`);
    req.resume();
    req.on("end", () => res.end(`secret page of ${req.headers.host}`));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  cleanups.push(() => new Promise((done) => server.close(() => done())));
  return { port: (server.address() as net.AddressInfo).port, ca: ca.certPem, hits };
}

/** A GET over a CONNECT tunnel, trusting only `ca` (the proxy's CA), as curl would do it. */
async function httpsThroughProxy(proxyPort: number, host: string, port: number, ca: string, target = "/") {
  const raw = net.connect(proxyPort, "127.0.0.1");
  await new Promise<void>((done, fail) => raw.once("connect", done).once("error", fail));
  raw.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);
  const head = await new Promise<string>((done) =>
    raw.once("data", (c: Buffer) => done(c.toString("latin1"))),
  );
  expect(head).toMatch(/^HTTP\/1\.1 200 /);
  const secure = tls.connect({ socket: raw, servername: host, ca });
  await new Promise<void>((done, fail) => secure.once("secureConnect", done).once("error", fail));
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ path: target, headers: { host }, createConnection: () => secure }, (res) =>
      resolve(collect(res)),
    );
    req.on("error", reject);
    req.end();
  });
}

async function limitedProxy(
  home: string,
  upstreamCa: string[] | undefined,
  decider?: NetworkDecider,
): Promise<NetworkProxy> {
  const ca = await loadOrCreateManagedCa(home);
  const p = await startNetworkProxy({
    policy: { mode: "limited", allow: decider ? [] : ["secure.test"], deny: [], allowLocalBinding: true },
    resolve: async () => ["127.0.0.1"],
    ca: ca.signer,
    ...(upstreamCa ? { upstreamCa } : {}),
    ...(decider ? { decider } : {}),
  });
  cleanups.push(() => p.close());
  return p;
}

/** A limited-mode proxy with its KEEL_HOME CA, an HTTPS server behind it, and a workspace. */
async function limitedSetup() {
  const home = tempDir("keel-home-");
  const server = await httpsServer("secure.test");
  const p = await limitedProxy(home, [server.ca]);
  const ca = await loadOrCreateManagedCa(home);
  return { server, p, ca, ws: tempDir(), url: `https://secure.test:${server.port}/page` };
}

describe("the KEEL_HOME interception CA", () => {
  it("is generated once: a 0600 key file, the certificate and a bundle of system roots + CA", async () => {
    const home = tempDir("keel-home-");
    const first = await loadOrCreateManagedCa(home);
    const dir = path.join(home, "proxy");
    expect(first.keyPath).toBe(path.join(dir, "ca.key"));
    expect(fs.statSync(first.keyPath).mode & 0o777).toBe(0o600);
    expect(path.basename(first.certPath)).toMatch(/^ca-[0-9a-f]{64}\.pem$/);
    expect(path.basename(first.bundlePath)).toMatch(/^ca-bundle-[0-9a-f]{64}\.pem$/);
    const cert = fs.readFileSync(first.certPath, "utf8");
    const bundle = fs.readFileSync(first.bundlePath, "utf8");
    expect(bundle.endsWith(cert)).toBe(true);
    expect(bundle.match(/BEGIN CERTIFICATE/g)!.length).toBeGreaterThan(10);
    expect(fs.readFileSync(first.certPath, "utf8")).not.toContain("PRIVATE KEY");
    const key = fs.readFileSync(first.keyPath, "utf8");
    const again = await loadOrCreateManagedCa(home);
    expect(again).toMatchObject({
      keyPath: first.keyPath,
      certPath: first.certPath,
      bundlePath: first.bundlePath,
    });
    expect(fs.readFileSync(first.keyPath, "utf8")).toBe(key);
  });

  it("refuses a key file others can read, and a content-named file that was changed", async () => {
    const home = tempDir("keel-home-");
    const ca = await loadOrCreateManagedCa(home);
    fs.chmodSync(ca.keyPath, 0o644);
    await expect(loadOrCreateManagedCa(home)).rejects.toThrow(
      `${ca.keyPath} must not be readable by group or others (mode 644; expected 600)`,
    );
    fs.chmodSync(ca.keyPath, 0o600);
    fs.writeFileSync(ca.bundlePath, "tampered");
    await expect(loadOrCreateManagedCa(home)).rejects.toThrow(`${ca.bundlePath} exists with other content`);
  });
});

describe("limited mode intercepts HTTPS (Linux, real bwrap)", () => {
  it("curl in the sandbox: GET gets the page, POST gets the method-policy 403, the CA key stays hidden", async () => {
    const { server, p, ca, ws, url } = await limitedSetup();
    const r = await shellThroughProxy(
      p,
      `curl -sS ${url}; echo " get=$?"; ` +
        `curl -sS -i -X POST --data x=1 ${url}; echo " post=$?"; ` +
        `cat "$KEY" 2>/dev/null | grep -c "PRIVATE KEY"; echo "ssl=$SSL_CERT_FILE"`,
      { ws, caBundle: ca.bundlePath, hidden: [ca.keyPath], env: { KEY: ca.keyPath } },
    );
    expect(r.setupError).toBeUndefined();
    expect(r.stdout).toContain(`secret page of secure.test:${server.port} get=0`);
    expect(r.stdout).toContain("HTTP/1.1 403 Forbidden");
    expect(r.stdout).toMatch(/x-proxy-error: blocked-by-method-policy/i);
    const body = JSON.parse(/\{.*\}/.exec(r.stdout)![0]);
    expect(body).toEqual({
      status: "blocked",
      host: "secure.test",
      reason: "method_not_allowed",
      decision: "deny",
      source: "mode_guard",
      protocol: "http",
      port: server.port,
      message: "Method not allowed in limited mode.",
    });
    expect(r.stdout).toContain(`ssl=${ca.bundlePath}`);
    expect(r.stdout).toMatch(/^0$/m);
    expect(server.hits).toEqual([`GET secure.test:${server.port} /page`]);
    expect(p.log.filter((e) => e.protocol === "https")).toEqual([
      { protocol: "https", host: "secure.test", port: server.port, method: "GET", allowed: true },
      {
        protocol: "https",
        host: "secure.test",
        port: server.port,
        method: "POST",
        allowed: false,
        reason: "method_not_allowed",
        source: "mode_guard",
      },
    ]);
  });

  it("verifies the real server: an upstream certificate keel does not trust gets a 502, not the page", async () => {
    const home = tempDir("keel-home-");
    const server = await httpsServer("secure.test");
    const p = await limitedProxy(home, undefined);
    const ca = fs.readFileSync((await loadOrCreateManagedCa(home)).certPath, "utf8");
    const res = await httpsThroughProxy(p.httpPort, "secure.test", server.port, ca);
    expect(res.status).toBe(502);
    expect(res.body).toContain("proxy could not reach secure.test");
    expect(server.hits).toEqual([]);
  });

  it("a request inside the tunnel for another host is refused: no domain fronting past the allowlist", async () => {
    const { server, p, ca, ws, url } = await limitedSetup();
    const r = await shellThroughProxy(
      p,
      `curl -sS -i ${url} -H "Host: evil.test"; echo " other=$?"; ` +
        `curl -sS ${url} -H "Host: SECURE.test:1"; echo " same=$?"`,
      { ws, caBundle: ca.bundlePath },
    );
    expect(r.stdout).toMatch(/HTTP\/1\.1 400 Bad Request[\s\S]*host mismatch other=0/);
    // The same name (Codex compares names only) goes to the tunnel's own host and port.
    expect(r.stdout).toContain(`secret page of secure.test:${server.port} same=0`);
    // An absolute-form target naming another host, sent by hand inside the tunnel.
    const cert = fs.readFileSync(ca.certPath, "utf8");
    const absolute = await httpsThroughProxy(
      p.httpPort,
      "secure.test",
      server.port,
      cert,
      "https://evil.test/x",
    );
    expect(absolute).toMatchObject({ status: 400, body: "host mismatch" });
    expect(server.hits).toEqual([`GET secure.test:${server.port} /page`]);
  });

  it("an allowlist miss on a limited-mode CONNECT is asked about first, then intercepted", async () => {
    const home = tempDir("keel-home-");
    const server = await httpsServer("secure.test");
    const asked: NetworkAskRequest[] = [];
    let answer = true;
    const p = await limitedProxy(home, [server.ca], async (request) => {
      asked.push(request);
      return answer;
    });
    const cert = fs.readFileSync((await loadOrCreateManagedCa(home)).certPath, "utf8");
    const ok = await httpsThroughProxy(p.httpPort, "secure.test", server.port, cert, "/approved");
    expect(ok).toMatchObject({ status: 200, body: `secret page of secure.test:${server.port}` });
    expect(asked).toEqual([{ protocol: "https", host: "secure.test", port: server.port }]);
    answer = false;
    const raw = net.connect(p.httpPort, "127.0.0.1");
    await new Promise<void>((done) => raw.once("connect", done));
    raw.write(`CONNECT secure.test:${server.port} HTTP/1.1\r\nHost: secure.test\r\n\r\n`);
    const refused = await new Promise<string>((done) => raw.once("data", (c: Buffer) => done(c.toString())));
    raw.destroy();
    expect(refused).toMatch(/^HTTP\/1\.1 403 /);
    expect(refused).toMatch(/x-proxy-error: blocked-by-policy/);
    expect(asked).toHaveLength(2);
    expect(server.hits).toEqual([`GET secure.test:${server.port} /approved`]);
  });
});
