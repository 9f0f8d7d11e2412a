#!/usr/bin/env node
// What keel's app-server start-up spends its time and memory on (run after `npm run build`):
//
//   node bench/profile.mjs [entry …]      default: the start-up snapshot dist/keel.blob (what
//                                         bin/keel runs) and the bundle dist/keel.mjs (its fallback)
//
// spawn → initialize (median of 9, no instrumentation, entries interleaved, next to a Node process
// that answers initialize with no imports: bench/floor-server.mjs) and tree RSS; per entry: the modules loaded
// before the initialize response (NODE_DEBUG=esm,module); a CPU profile (--cpu-prof) cut at the
// response, self time by package/directory and by function; memoryUsage() at the response, after
// thread/start + 1 s and after a text turn (when the engine serves them); a sampling heap profile
// (--heap-prof) by package. A snapshot cannot preload the probe (--import), so for dist/keel.blob
// memory is the process tree's RSS from /proc and Node's bootstrap marks are left out.
// Prints JSON and writes bench/results/profile.json.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startBenchModelServer } from "./model-server.mjs";
import { treeMemory } from "./proc-mem.mjs";
import { AppServerClient } from "./rpc.mjs";
import { SHELL_MARKER } from "./model-server.mjs";
import { runTurn, threadStartParams } from "./scenario.mjs";
import { ROOT, serverSpec } from "./servers.mjs";
import { median } from "./stats.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 9);
const MiB = (bytes) => +(bytes / 2 ** 20).toFixed(1);

/** A readable bucket for a script URL or file path. */
export function bucketOf(url, functionName = "") {
  if (!url) return functionName.startsWith("(") ? functionName : "(V8 builtins / native)";
  if (url.startsWith("node:internal/modules") || url.startsWith("node:internal/vm"))
    return "Node module loader";
  if (url.startsWith("node:")) return "Node internals";
  const file = url.startsWith("file://") ? fileURLToPath(url) : url;
  const nm = file.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const parts = file.slice(nm + 13).split("/");
    return `npm ${parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  const rel = path.relative(ROOT, file);
  if (rel.startsWith("dist/")) {
    const parts = rel.split("/");
    return parts.length > 2 ? `keel dist/${parts[1]}` : `keel ${rel}`;
  }
  return rel.startsWith("..") ? file : rel;
}

const top = (map, n = 12) =>
  Object.fromEntries(
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [k, +v.toFixed(1)]),
  );

function add(map, key, v) {
  map.set(key, (map.get(key) ?? 0) + v);
}

/** Per phase (see `phaseAt`): sampled ms and self time (ms) per bucket; idle phases are left out. */
function analyzeCpuProfile(file, marks) {
  const prof = JSON.parse(fs.readFileSync(file, "utf8"));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const phases = new Map();
  let t = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i] ?? 0;
    t += dt;
    const phase = phaseAt(marks, t);
    if (phase === "idle") continue;
    const node = byId.get(prof.samples[i]);
    if (!phases.has(phase)) {
      phases.set(phase, { total: 0, buckets: new Map(), files: new Map(), functions: new Map() });
    }
    const p = phases.get(phase);
    const { url, functionName, lineNumber } = node.callFrame;
    add(p.buckets, bucketOf(url, functionName), dt / 1000);
    const file = url.replace(/^file:\/\//, "").replace(`${ROOT}/`, "");
    if (url) add(p.files, file, dt / 1000);
    add(
      p.functions,
      `${functionName || "(anonymous)"} ${file ? `${path.basename(file)}:${lineNumber + 1}` : ""}`,
      dt / 1000,
    );
    p.total += dt / 1000;
  }
  return Object.fromEntries(
    [...phases].map(([name, p]) => [
      name,
      {
        sampledMs: +p.total.toFixed(1),
        selfMs: top(p.buckets, 10),
        topFiles: top(p.files, 6),
        topFunctions: top(p.functions, 8),
      },
    ]),
  );
}

/** Live sampled allocations (MiB) per bucket at process exit. */
function analyzeHeapProfile(file) {
  const prof = JSON.parse(fs.readFileSync(file, "utf8"));
  const buckets = new Map();
  let total = 0;
  const walk = (node) => {
    const size = node.selfSize / 2 ** 20;
    if (size > 0) {
      add(buckets, bucketOf(node.callFrame.url, node.callFrame.functionName), size);
      total += size;
    }
    for (const c of node.children ?? []) walk(c);
  };
  walk(prof.head);
  return { sampledLiveMiB: +total.toFixed(1), mibByBucket: top(buckets, 12) };
}

/** Runs `fn(client, home)` against a fresh server; the home is removed unless `keepHome`. */
async function withServer(entry, ctx, { nodeArgs = [], env = {}, home, keepHome = false } = {}, fn) {
  const spec = serverSpec("keel", { ...ctx, nodeArgs, entry, home });
  spec.env = { ...spec.env, ...env };
  const client = new AppServerClient(spec);
  try {
    return await fn(client, spec.home);
  } finally {
    await client.close();
    if (!keepHome) fs.rmSync(spec.home, { recursive: true, force: true });
  }
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * The bench session, phase by phase: `mark(name)` is called as each phase begins (harness clock
 * = the child's profiler clock, both CLOCK_MONOTONIC); `snapshot()` after each phase.
 */
async function scriptedSession(c, ctx, engine, mark, snapshot = () => {}) {
  await c.initialize();
  mark("idle");
  await sleep(200);
  snapshot("afterInitialize");
  if (!engine) return undefined;
  mark("thread/start");
  const id = (await c.request("thread/start", threadStartParams(ctx.workspace))).result.thread.id;
  mark("idle");
  await sleep(1000);
  snapshot("idleAfterThreadStart");
  mark("text turn");
  await runTurn(c, id, "hello");
  mark("idle");
  await sleep(100);
  snapshot("afterTextTurn");
  mark("shell turn");
  await runTurn(c, id, `${SHELL_MARKER} Run \`echo hi\`.`);
  mark("idle");
  await sleep(100);
  snapshot("afterShellTurn");
  return id;
}

async function scriptedResume(c, threadId, mark) {
  await c.initialize();
  mark("thread/resume");
  await c.request("thread/resume", { threadId });
  mark("idle");
}

/** Which phase a timestamp falls in (marks sorted by time; before the first: start-up). */
function phaseAt(marks, us) {
  let phase = "start-up";
  for (const m of marks) {
    if (m.us > us) break;
    phase = m.name;
  }
  return phase;
}

async function engineWorks(entry, ctx) {
  return withServer(entry, ctx, {}, async (c) => {
    await c.initialize();
    try {
      const id = (await c.request("thread/start", threadStartParams(ctx.workspace))).result.thread.id;
      await runTurn(c, id, "hello");
      return true;
    } catch {
      return false;
    }
  });
}

/** spawn → initialize and RSS, entries interleaved round by round (the machine is noisy). */
async function startupTimes(entries, ctx, rounds) {
  const times = new Map(entries.map((e) => [e, { inits: [], rss: [] }]));
  for (let i = 0; i <= rounds; i++) {
    for (const entry of entries) {
      await withServer(entry, ctx, {}, async (c) => {
        const { ms } = await c.initialize();
        if (i === 0) return; // the first round warms the page cache
        times.get(entry).inits.push(ms);
        times.get(entry).rss.push(treeMemory(c.pid).rssKb);
      });
    }
  }
  return Object.fromEntries(
    [...times].map(([e, t]) => [
      path.relative(ROOT, e),
      { spawnToInitializeMs: +median(t.inits).toFixed(1), rssAfterInitializeMiB: MiB(median(t.rss) * 1024) },
    ]),
  );
}

async function profileEntry(entry, ctx, engine) {
  const out = { entry: path.relative(ROOT, entry) };

  // 1. modules loaded in each phase (NODE_DEBUG=esm,module lines, by arrival time)
  const traceRun = async (run, options = {}) => {
    const marks = [];
    const loaded = [];
    const result = await withServer(
      entry,
      ctx,
      { ...options, env: { NODE_DEBUG: "esm,module" } },
      async (c, home) => {
        c.child.stderr.on("data", (d) => {
          const phase = phaseAt(marks, nowUs());
          for (const line of String(d).split("\n")) {
            const esm = /^ESM \d+: Storing (\S+) .*in ModuleLoadMap/.exec(line);
            const cjs = /^MODULE \d+: load "([^"]+)" for module/.exec(line);
            if (esm || cjs) loaded.push({ phase, bucket: bucketOf(esm?.[1] ?? cjs?.[1]) });
          }
        });
        return { value: await run(c, (name) => marks.push({ name, us: nowUs() })), home };
      },
    );
    return { loaded, ...result };
  };
  const session = await traceRun((c, mark) => scriptedSession(c, ctx, engine, mark), { keepHome: engine });
  const loaded = [...session.loaded];
  if (engine) {
    const resume = await traceRun((c, mark) => scriptedResume(c, session.value, mark), {
      home: session.home,
    });
    loaded.push(
      ...resume.loaded.map((l) => ({ ...l, phase: l.phase === "start-up" ? "resume start-up" : l.phase })),
    );
  }
  const byPhase = new Map();
  for (const l of loaded) {
    if (!byPhase.has(l.phase)) byPhase.set(l.phase, new Map());
    add(byPhase.get(l.phase), l.bucket, 1);
  }
  out.modulesLoaded = Object.fromEntries(
    [...byPhase].map(([phase, m]) => [
      phase,
      { total: [...m.values()].reduce((x, y) => x + y, 0), ...top(m, 8) },
    ]),
  );

  // 2. CPU profile per phase, memoryUsage() after each phase
  const profDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-prof-"));
  const probeOut = path.join(profDir, "probe.json");
  const cpuArgs = (dir) => ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval=250"];
  const snapshot = entry.endsWith(".blob");
  const marks = [];
  const labels = [];
  const treeRss = [];
  const sessionRun = await withServer(
    entry,
    ctx,
    {
      nodeArgs: [
        ...cpuArgs(profDir),
        ...(snapshot ? [] : ["--import", path.join(here, "probe-preload.mjs")]),
      ],
      env: { KEEL_PROBE_OUT: probeOut },
      keepHome: engine,
    },
    async (c, home) => {
      const id = await scriptedSession(
        c,
        ctx,
        engine,
        (name) => marks.push({ name, us: nowUs() }),
        (label) => {
          labels.push(label);
          if (snapshot) treeRss.push(treeMemory(c.pid).rssKb);
          else c.child.kill("SIGUSR2");
        },
      );
      await sleep(100);
      return { id, home };
    },
  );
  const cpuFile = fs.readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
  out.cpu = analyzeCpuProfile(path.join(profDir, cpuFile), marks);
  if (snapshot) {
    out.memory = Object.fromEntries(labels.map((label, i) => [label, { treeRss: MiB(treeRss[i] * 1024) }]));
  } else {
    const probe = JSON.parse(fs.readFileSync(probeOut, "utf8"));
    out.node = {
      bootstrapCompleteMs: +probe.node.bootstrapCompleteMs.toFixed(1),
      firstResponseMs: +probe.firstWriteMs.toFixed(1),
    };
    out.memory = Object.fromEntries(
      probe.snapshots.map((s, i) => [
        labels[i],
        {
          rss: MiB(s.rss),
          heapUsed: MiB(s.heapUsed),
          heapTotal: MiB(s.heapTotal),
          external: MiB(s.external),
        },
      ]),
    );
  }
  fs.rmSync(profDir, { recursive: true, force: true });
  if (engine) {
    const resumeDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-prof-"));
    const resumeMarks = [];
    await withServer(entry, ctx, { nodeArgs: cpuArgs(resumeDir), home: sessionRun.home }, (c) =>
      scriptedResume(c, sessionRun.id, (name) => resumeMarks.push({ name, us: nowUs() })),
    );
    const file = fs.readdirSync(resumeDir).find((f) => f.endsWith(".cpuprofile"));
    const resumeCpu = analyzeCpuProfile(path.join(resumeDir, file), resumeMarks);
    out.cpu["thread/resume (new process)"] = resumeCpu["thread/resume"];
    fs.rmSync(resumeDir, { recursive: true, force: true });
  }

  // 4. sampled live heap by package (after a turn when the engine works)
  const heapDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-heap-"));
  await withServer(
    entry,
    ctx,
    { nodeArgs: ["--heap-prof", `--heap-prof-dir=${heapDir}`, "--heap-prof-interval=16384"] },
    async (c) => {
      await c.initialize();
      if (engine) {
        const id = (await c.request("thread/start", threadStartParams(ctx.workspace))).result.thread.id;
        await runTurn(c, id, "hello");
      }
    },
  );
  const heapFile = fs.readdirSync(heapDir).find((f) => f.endsWith(".heapprofile"));
  if (heapFile) out.heap = analyzeHeapProfile(path.join(heapDir, heapFile));
  fs.rmSync(heapDir, { recursive: true, force: true });
  return out;
}

async function main() {
  const entries = process.argv.slice(2).map((e) => path.resolve(e));
  if (entries.length === 0) {
    for (const built of ["dist/keel.blob", "dist/keel.mjs"]) {
      if (fs.existsSync(path.join(ROOT, built))) entries.push(path.join(ROOT, built));
    }
    if (entries.length === 0) throw new Error("nothing to profile: run `npm run build` first");
  }
  const modelServer = await startBenchModelServer();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-ws-"));
  const userHome = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-user-"));
  const ctx = { modelUrl: modelServer.url, workspace, userHome };
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    loadavg: os.loadavg(),
    entries: [],
  };
  try {
    process.stderr.write("[profile] start-up times, interleaved\n");
    result.startup = await startupTimes([path.join(here, "floor-server.mjs"), ...entries], ctx, ROUNDS);
    const engine = await engineWorks(entries[0], ctx);
    result.engineServesTurns = engine;
    for (const entry of entries) {
      process.stderr.write(`[profile] ${path.relative(ROOT, entry)}\n`);
      result.entries.push(await profileEntry(entry, ctx, engine));
    }
  } finally {
    await modelServer.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(userHome, { recursive: true, force: true });
  }
  fs.mkdirSync(path.join(here, "results"), { recursive: true });
  fs.writeFileSync(path.join(here, "results/profile.json"), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

await main();
