import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { caSigner, createCa } from "../../src/network-proxy/certs.js";
import { proxyEnvironment } from "../../src/network-proxy/env.js";
import { loadOrCreateManagedCa } from "../../src/network-proxy/managed-ca.js";
import { type NetworkProxy, startNetworkProxy } from "../../src/network-proxy/proxy.js";
import { runSandboxed } from "../../src/sandbox/runner.js";
import { workspacePlan } from "../sandbox/support.js";
import { tempDir } from "../support/tmp.js";
import { collect } from "./support.js";

// HTTPS interception in limited mode (spec §3, §9 test 5): the KEEL_HOME CA on disk, a real
// proxy, real bwrap and curl, and an HTTPS server on the host's loopback with its own CA, which
// the proxy trusts through its test-only `upstreamCa` option (verification stays on).
const PATH = "/usr/local/bin:/usr/bin:/bin";
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
async function httpsThroughProxy(proxyPort: number, host: string, port: number, ca: string) {
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
    const req = http.request({ path: "/", headers: { host }, createConnection: () => secure }, (res) =>
      resolve(collect(res)),
    );
    req.on("error", reject);
    req.end();
  });
}

async function limitedProxy(home: string, upstreamCa: string[] | undefined): Promise<NetworkProxy> {
  const ca = await loadOrCreateManagedCa(home);
  const p = await startNetworkProxy({
    policy: { mode: "limited", allow: ["secure.test"], deny: [], allowLocalBinding: true },
    resolve: async () => ["127.0.0.1"],
    ca: ca.signer,
    ...(upstreamCa ? { upstreamCa } : {}),
  });
  cleanups.push(() => p.close());
  return p;
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
    const home = tempDir("keel-home-");
    const server = await httpsServer("secure.test");
    const p = await limitedProxy(home, [server.ca]);
    const ca = await loadOrCreateManagedCa(home);
    const ws = tempDir();
    const url = `https://secure.test:${server.port}/page`;
    const r = await runSandboxed({
      argv: [
        "sh",
        "-c",
        `curl -sS ${url}; echo " get=$?"; ` +
          `curl -sS -i -X POST --data x=1 ${url}; echo " post=$?"; ` +
          `cat "$KEY" 2>/dev/null | grep -c "PRIVATE KEY"; echo "ssl=$SSL_CERT_FILE"`,
      ],
      cwd: ws,
      plan: workspacePlan(ws, { paths: [ca.keyPath] }),
      env: {
        PATH,
        KEY: ca.keyPath,
        ...proxyEnvironment({
          httpPort: p.httpPort,
          socksPort: p.socksPort,
          allowLocalBinding: true,
          caBundlePath: ca.bundlePath,
        }),
      },
      stateDir: tempDir("keel-state-"),
      proxyPorts: [p.httpPort, p.socksPort!],
      timeoutMs: 60_000,
    });
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
});
