#!/usr/bin/env node
// Start-up prewarm (issue 15), keel alone: the first turn of a thread with and without
// KEEL_STARTUP_PREWARM=1, against the bench model server behind a TCP proxy that holds every new
// connection for --delay ms before passing it on (a far-away provider: DNS, TCP and TLS set-up).
// The client starts its turn --think ms after the thread/start reply, as a person would.
//
// Prints one JSON object on stdout (bench/run.mjs section "prewarm").
//
//   node bench/prewarm.mjs [--runs 5] [--warmup 1] [--delay 150] [--think 300]
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startBenchModelServer } from "./model-server.mjs";
import { AppServerClient } from "./rpc.mjs";
import { runTurn, threadStartParams } from "./scenario.mjs";
import { serverSpec } from "./servers.mjs";
import { median } from "./stats.mjs";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    delay: { type: "string", default: "150" },
    think: { type: "string", default: "300" },
  },
});
const RUNS = Number(values.runs);
const WARMUP = Number(values.warmup);
const DELAY_MS = Number(values.delay);
const THINK_MS = Number(values.think);
const log = (msg) => process.stderr.write(`[bench:prewarm] ${msg}\n`);

/** A TCP proxy to `target` that waits `delayMs` before connecting each new client; counts them. */
async function slowProxy(target, delayMs) {
  const { hostname, port } = new URL(target);
  const state = { connections: 0 };
  const server = net.createServer((client) => {
    state.connections++;
    client.pause();
    setTimeout(() => {
      const upstream = net.connect(Number(port), hostname, () => {
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    }, delayMs);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(target);
  url.port = String(server.address().port);
  return { url: url.toString().replace(/\/$/, ""), state, close: () => server.close() };
}

async function firstTurn(prewarm, ctx) {
  const spec = serverSpec("keel", ctx);
  spec.env = { ...spec.env, KEEL_STARTUP_PREWARM: prewarm ? "1" : "0" };
  const client = new AppServerClient(spec);
  try {
    await client.initialize();
    const { result } = await client.request("thread/start", threadStartParams(ctx.workspace));
    await new Promise((resolve) => setTimeout(resolve, THINK_MS));
    const turn = await runTurn(client, result.thread.id, "say hello");
    return { firstTurnMs: turn.turnMs };
  } catch (error) {
    return { error: error instanceof Error ? error.message.slice(0, 400) : String(error) };
  } finally {
    await client.close(30_000);
    fs.rmSync(spec.home, { recursive: true, force: true });
  }
}

async function main() {
  const modelServer = await startBenchModelServer();
  const proxy = await slowProxy(modelServer.url, DELAY_MS);
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-prewarm-ws-"));
  const userHome = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-prewarm-user-"));
  const ctx = { modelUrl: proxy.url, workspace, userHome };
  const out = { delayMs: DELAY_MS, thinkMs: THINK_MS, runs: RUNS, samples: [], errors: [] };
  try {
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const sample = {};
      for (const prewarm of i % 2 === 0 ? [false, true] : [true, false]) {
        const key = prewarm ? "prewarm" : "cold";
        sample[key] = await firstTurn(prewarm, ctx);
        if (sample[key].error) out.errors.push(`${key}: ${sample[key].error}`);
      }
      log(
        `${i < WARMUP ? "warm-up" : `run ${i - WARMUP + 1}/${RUNS}`}: cold ${sample.cold.firstTurnMs?.toFixed(0)} ms, prewarm ${sample.prewarm.firstTurnMs?.toFixed(0)} ms`,
      );
      if (i >= WARMUP) out.samples.push(sample);
    }
  } finally {
    proxy.close();
    await modelServer.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(userHome, { recursive: true, force: true });
  }
  const cold = median(out.samples.map((s) => s.cold.firstTurnMs));
  const prewarm = median(out.samples.map((s) => s.prewarm.firstTurnMs));
  out.summary = { coldFirstTurnMs: cold, prewarmFirstTurnMs: prewarm, savedMs: cold - prewarm };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

await main();
