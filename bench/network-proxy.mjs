#!/usr/bin/env node
// Added latency of the managed network proxy (keel only): one HTTP GET to a loopback server,
// direct vs through the proxy's HTTP listener (absolute URI) vs through a CONNECT tunnel, each on
// a fresh connection, after a warm-up; prints one JSON object on stdout (bench/run.mjs section
// "proxy"). The proxied path includes the proxy's policy decision. Last, the same proxied GET
// timed by a Node client inside the sandbox (bwrap, own network namespace, the bridge and keel's
// relay in between) next to the same client on the host. HTTPS: a GET through a plain CONNECT
// tunnel vs through a limited-mode proxy that intercepts it (keel's leaf certificate, a second TLS
// connection to the server); the difference is what interception adds. Needs `npm run build`.
//
//   node bench/network-proxy.mjs [--runs 300]
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import tls from "node:tls";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { median } from "./stats.mjs";
import { ROOT } from "./servers.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "300" } } });
const RUNS = Number(values.runs);
const { startNetworkProxy } = await import(
  pathToFileURL(path.join(ROOT, "dist/network-proxy/proxy.js")).href
);

const server = http.createServer((_req, res) => res.end("ok"));
await new Promise((done) => server.listen(0, "127.0.0.1", done));
const port = server.address().port;
const proxy = await startNetworkProxy({
  policy: { mode: "full", allow: ["bench.test"], deny: [], allowLocalBinding: true },
  resolve: async () => ["127.0.0.1"],
});

function get(options) {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent: false, ...options }, (res) => {
      res.resume();
      res.on("end", resolve);
    });
    req.on("error", reject);
    req.end();
  });
}

function viaConnect() {
  return new Promise((resolve, reject) => {
    const s = net.connect(proxy.httpPort, "127.0.0.1", () =>
      s.write(`CONNECT bench.test:${port} HTTP/1.1\r\nHost: bench.test:${port}\r\n\r\n`),
    );
    let text = "";
    let tunnel = false;
    s.setEncoding("latin1");
    s.on("data", (chunk) => {
      text += chunk;
      if (!tunnel && text.includes("\r\n\r\n")) {
        tunnel = true;
        text = "";
        s.write(`GET / HTTP/1.1\r\nHost: bench.test\r\nConnection: close\r\n\r\n`);
      }
    });
    s.on("end", () => (text.includes("ok") ? resolve() : reject(new Error("no answer through the tunnel"))));
    s.on("error", reject);
  });
}

// HTTPS: a loopback server with its own CA; the intercepting proxy trusts that CA for upstream.
const dist = (file) => import(pathToFileURL(path.join(ROOT, "dist/network-proxy", file)).href);
const { caSigner, createCa } = await dist("certs.js");
const { loadOrCreateManagedCa } = await dist("managed-ca.js");
const upstreamCa = await createCa("bench upstream CA");
const leaf = await (await caSigner(upstreamCa)).issue("bench.test");
const secureServer = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) =>
  res.end("ok"),
);
await new Promise((done) => secureServer.listen(0, "127.0.0.1", done));
const securePort = secureServer.address().port;
const benchHome = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-proxy-home-"));
const managedCa = await loadOrCreateManagedCa(benchHome);
const intercepting = await startNetworkProxy({
  policy: { mode: "limited", allow: ["bench.test"], deny: [], allowLocalBinding: true },
  resolve: async () => ["127.0.0.1"],
  ca: managedCa.signer,
  upstreamCa: [upstreamCa.certPem],
});
const interceptCa = fs.readFileSync(managedCa.certPath, "utf8");

/** CONNECT, then TLS trusting `ca`, then one GET; a fresh connection each time. */
function httpsViaConnect(proxyPort, ca) {
  return new Promise((resolve, reject) => {
    const raw = net.connect(proxyPort, "127.0.0.1", () =>
      raw.write(`CONNECT bench.test:${securePort} HTTP/1.1\r\nHost: bench.test:${securePort}\r\n\r\n`),
    );
    raw.on("error", reject);
    raw.once("data", () => {
      const s = tls.connect({ socket: raw, servername: "bench.test", ca }, () =>
        s.write("GET / HTTP/1.1\r\nHost: bench.test\r\nConnection: close\r\n\r\n"),
      );
      let text = "";
      s.setEncoding("latin1");
      s.on("data", (chunk) => {
        text += chunk;
      });
      s.on("end", () => (text.endsWith("ok") ? resolve() : reject(new Error("no answer over HTTPS"))));
      s.on("error", reject);
    });
  });
}

const cases = {
  direct: () => get({ host: "127.0.0.1", port, path: "/" }),
  proxiedHttp: () => get({ host: "127.0.0.1", port: proxy.httpPort, path: `http://bench.test:${port}/` }),
  proxiedConnect: viaConnect,
  httpsTunnel: () => httpsViaConnect(proxy.httpPort, upstreamCa.certPem),
  httpsIntercepted: () => httpsViaConnect(intercepting.httpPort, interceptCa),
};
const result = { runs: RUNS, medianMs: {}, p90Ms: {} };
for (const [name, run] of Object.entries(cases)) {
  for (let i = 0; i < 20; i++) await run();
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  result.medianMs[name] = +median(times).toFixed(3);
  result.p90Ms[name] = +times[Math.floor(times.length * 0.9)].toFixed(3);
}
result.addedMs = {
  http: +(result.medianMs.proxiedHttp - result.medianMs.direct).toFixed(3),
  connect: +(result.medianMs.proxiedConnect - result.medianMs.direct).toFixed(3),
  interception: +(result.medianMs.httpsIntercepted - result.medianMs.httpsTunnel).toFixed(3),
};
// The client that runs on the host and in the sandbox: medians of sequential proxied GETs.
const CLIENT = `const http = require("node:http");
const u = new URL(process.env.HTTP_PROXY);
const target = process.argv[1];
const runs = Number(process.argv[2]);
const one = () => new Promise((ok, fail) => {
  const r = http.request({ agent: false, host: u.hostname, port: Number(u.port), path: target }, (res) => { res.resume(); res.on("end", ok); });
  r.on("error", fail); r.end();
});
(async () => {
  for (let i = 0; i < 20; i++) await one();
  const t = [];
  for (let i = 0; i < runs; i++) { const s = performance.now(); await one(); t.push(performance.now() - s); }
  t.sort((a, b) => a - b);
  console.log(JSON.stringify({ median: t[t.length >> 1] }));
})();`;
const { runSandboxed } = await import(pathToFileURL(path.join(ROOT, "dist/sandbox/runner.js")).href);
const { proxyEnvironment } = await import(pathToFileURL(path.join(ROOT, "dist/network-proxy/env.js")).href);
const env = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  ...proxyEnvironment({ httpPort: proxy.httpPort, socksPort: proxy.socksPort, allowLocalBinding: true }),
};
const argv = [process.execPath, "-e", CLIENT, `http://bench.test:${port}/`, String(RUNS)];
const ws = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-proxy-"));
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-proxy-state-"));
try {
  const plan = {
    cwd: ws,
    read: { kind: "full" },
    write: { kind: "roots", roots: [{ root: ws, readOnlySubpaths: [] }] },
    denyRead: { paths: [], readableInside: [], globs: [], globScanMaxDepth: null },
    network: "restricted",
    hiddenHostSockets: [],
  };
  const ports = [proxy.httpPort, proxy.socksPort];
  const inside = await runSandboxed({
    argv,
    cwd: ws,
    plan,
    env,
    stateDir,
    proxyPorts: ports,
    timeoutMs: 60_000,
  });
  const outside = await runSandboxed({
    argv,
    cwd: ws,
    plan: { ...plan, read: { kind: "full" }, write: { kind: "full" }, network: "enabled" },
    env,
    stateDir,
    timeoutMs: 60_000,
  });
  result.medianMs.sandboxClientViaBridge = +JSON.parse(inside.stdout).median.toFixed(3);
  result.medianMs.hostClientViaProxy = +JSON.parse(outside.stdout).median.toFixed(3);
  result.addedMs.bridge = +(
    result.medianMs.sandboxClientViaBridge - result.medianMs.hostClientViaProxy
  ).toFixed(3);
} finally {
  fs.rmSync(ws, { recursive: true, force: true });
  fs.rmSync(stateDir, { recursive: true, force: true });
}
await proxy.close();
await intercepting.close();
server.close();
secureServer.close();
fs.rmSync(benchHome, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(result)}\n`);
