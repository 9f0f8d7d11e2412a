#!/usr/bin/env node
// Added latency of the managed network proxy (keel only): one HTTP GET to a loopback server,
// direct vs through the proxy's HTTP listener (absolute URI) vs through a CONNECT tunnel, each on
// a fresh connection, after a warm-up; prints one JSON object on stdout (bench/run.mjs section
// "proxy"). The proxied path includes the proxy's policy decision. Needs `npm run build` (dist/).
//
//   node bench/network-proxy.mjs [--runs 300]
import http from "node:http";
import net from "node:net";
import path from "node:path";
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

const cases = {
  direct: () => get({ host: "127.0.0.1", port, path: "/" }),
  proxiedHttp: () => get({ host: "127.0.0.1", port: proxy.httpPort, path: `http://bench.test:${port}/` }),
  proxiedConnect: viaConnect,
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
};
await proxy.close();
server.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
