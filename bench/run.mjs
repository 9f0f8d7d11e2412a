#!/usr/bin/env node
// keel and the real Codex app-server side by side (`npm run bench`, which builds first).
//
//   node bench/run.mjs                      everything (~5 min on 2 cores)
//   BENCH_PAIRS=5 BENCH_WARMUP=1            measured / warm-up keel–Codex pairs
//   BENCH_ONLY=compare,concurrent,rollout,store,sandbox,output,uexec,mcp,startup,prewarm,proxy,rules,fuzzy,web   a subset
//   BENCH_KEEL_ENTRY=path/to/keel.mjs       measure another keel entry (e.g. a bundle prototype)
//   BENCH_OUT=name                          write bench/results/<name>.{md,json} (default latest)
//
// Writes bench/results/latest.md and latest.json. See docs/readme/benchmarks.md.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startBenchModelServer } from "./model-server.mjs";
import { renderMarkdown } from "./report.mjs";
import { concurrentTurns, resumeRun, sessionRun } from "./scenario.mjs";
import { CACHE_DIR, codexVersion, keelEntry, ROOT } from "./servers.mjs";
import { summarize } from "./stats.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const PAIRS = Number(process.env.BENCH_PAIRS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const ONLY = new Set(
  (
    process.env.BENCH_ONLY ??
    "compare,concurrent,rollout,store,sandbox,output,uexec,mcp,startup,prewarm,proxy,rules,fuzzy,web"
  ).split(","),
);
const OUT = process.env.BENCH_OUT ?? "latest";
if (process.env.BENCH_KEEL_ENTRY) process.env.KEEL_BENCH_ENTRY = path.resolve(process.env.BENCH_KEEL_ENTRY);

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

function machine() {
  const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  const git = (...args) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  let keelCommit = "unknown";
  try {
    keelCommit =
      git("rev-parse", "--short=10", "HEAD") + (git("status", "--porcelain", "--", "src") ? "+dirty" : "");
  } catch {
    // not a git checkout
  }
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    kernel: os.release(),
    node: process.version,
    loadavgAtStart: os.loadavg().map((l) => +l.toFixed(2)),
    codexVersion: codexVersion(),
    keelCommit,
    keelEntry: path.relative(ROOT, keelEntry()),
  };
}

/** Runs a sibling bench script and parses the JSON it prints on stdout. */
function runScript(file, args, env, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(here, file), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out));
      } catch {
        resolve({ error: `${file} exited ${code ?? signal}: ${err.trim().split("\n").slice(-3).join(" ")}` });
      }
    });
  });
}

async function compare(ctx, errors) {
  const pairs = [];
  for (let i = 0; i < WARMUP + PAIRS; i++) {
    const order = i % 2 === 0 ? ["keel", "codex"] : ["codex", "keel"];
    const pair = {};
    for (const side of order) {
      const session = await sessionRun(side, ctx);
      const resume = session.threadId ? await resumeRun(side, ctx, session.home, session.threadId) : {};
      pair[side] = { ...session.metrics, ...resume, error: session.metrics.error ?? resume.error };
      if (pair[side].error) errors.add(`${side}: ${pair[side].error.slice(0, 300)}`);
      fs.rmSync(session.home, { recursive: true, force: true });
    }
    const warm = i < WARMUP;
    log(
      `${warm ? "warm-up" : `pair ${i - WARMUP + 1}/${PAIRS}`}: init keel ${pair.keel.spawnToInitializeMs?.toFixed(0)} / codex ${pair.codex.spawnToInitializeMs?.toFixed(0)} ms`,
    );
    if (!warm) pairs.push(pair);
  }
  return pairs;
}

async function main() {
  const t0 = performance.now();
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  fs.writeFileSync(path.join(CACHE_DIR, ".gitignore"), "*\n");
  const modelServer = await startBenchModelServer();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-ws-"));
  const userHome = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-user-"));
  const ctx = { modelUrl: modelServer.url, workspace, userHome };
  const errors = new Set();
  const res = {
    date: new Date().toISOString(),
    machine: machine(),
    runs: PAIRS,
    warmup: WARMUP,
    pairs: [],
    summary: [],
    keelOnly: {},
  };
  try {
    if (ONLY.has("compare")) {
      log(`side by side: ${WARMUP} warm-up + ${PAIRS} pairs`);
      res.pairs = await compare(ctx, errors);
      res.summary = summarize(res.pairs);
    }
    if (ONLY.has("concurrent")) {
      log("20 concurrent turns on one server");
      res.keelOnly.concurrent = {
        keel: await concurrentTurns("keel", ctx, 20),
        codex: await concurrentTurns("codex", ctx, 20),
      };
      for (const [side, c] of Object.entries(res.keelOnly.concurrent)) {
        for (const e of c.errors.slice(0, 3)) errors.add(`${side} concurrent: ${e.slice(0, 300)}`);
      }
    }
  } finally {
    await modelServer.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(userHome, { recursive: true, force: true });
  }
  if (ONLY.has("rollout")) {
    log("bench/rollout.mjs");
    res.keelOnly.rollout = await runScript("rollout.mjs", [], { BENCH_RUNS: "5" }, 180_000);
  }
  if (ONLY.has("store")) {
    log("bench/store.mjs (PostgreSQL)");
    res.keelOnly.store = await runScript("store.mjs", [], { BENCH_RUNS: "7" }, 240_000);
  }
  if (ONLY.has("sandbox")) {
    log("bench/sandbox.mjs");
    res.keelOnly.sandbox = await runScript("sandbox.mjs", ["--runs", "7"], {}, 240_000);
  }
  if (ONLY.has("output")) {
    log("bench/tool-output.mjs");
    res.toolOutput = await runScript("tool-output.mjs", [], {}, 300_000);
  }
  if (ONLY.has("uexec")) {
    log("bench/unified-exec.mjs");
    res.unifiedExec = await runScript("unified-exec.mjs", ["--pairs", "3", "--rounds", "3"], {}, 180_000);
  }
  if (ONLY.has("rules")) {
    log("bench/execpolicy.mjs");
    res.rules = await runScript("execpolicy.mjs", [], {}, 60_000);
  }
  if (ONLY.has("mcp")) {
    log("bench/mcp.mjs");
    res.mcp = await runScript("mcp.mjs", ["--runs", String(PAIRS), "--warmup", String(WARMUP)], {}, 300_000);
    for (const e of res.mcp.errors ?? []) errors.add(`mcp: ${e.slice(0, 300)}`);
  }
  if (ONLY.has("startup")) {
    log("bench/startup.mjs");
    const args = ["--runs", String(PAIRS), "--warmup", String(WARMUP)];
    res.startup = await runScript("startup.mjs", args, {}, 300_000);
    for (const e of res.startup.errors ?? []) errors.add(`startup: ${e.slice(0, 300)}`);
  }
  if (ONLY.has("prewarm")) {
    log("bench/prewarm.mjs");
    const args = ["--runs", String(PAIRS), "--warmup", String(WARMUP)];
    res.prewarm = await runScript("prewarm.mjs", args, {}, 300_000);
    for (const e of res.prewarm.errors ?? []) errors.add(`prewarm: ${e.slice(0, 300)}`);
  }
  if (ONLY.has("proxy")) {
    log("bench/network-proxy.mjs");
    res.keelOnly.networkProxy = await runScript("network-proxy.mjs", ["--runs", "300"], {}, 120_000);
  }
  if (ONLY.has("fuzzy")) {
    log("bench/fuzzy.mjs");
    res.fuzzy = await runScript("fuzzy.mjs", [], {}, 300_000);
    for (const e of res.fuzzy.errors ?? []) errors.add(`fuzzy: ${e.slice(0, 300)}`);
  }
  if (ONLY.has("web")) {
    log("bench/web.mjs");
    res.web = await runScript("web.mjs", [], {}, 300_000);
    for (const e of res.web.errors ?? []) errors.add(`web: ${e.slice(0, 300)}`);
  }
  res.errors = [...errors];
  res.totalMs = performance.now() - t0;
  const dir = path.join(here, "results");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${OUT}.json`), `${JSON.stringify(res, null, 2)}\n`);
  const md = renderMarkdown(res);
  fs.writeFileSync(path.join(dir, `${OUT}.md`), md);
  process.stdout.write(md);
}

await main();
