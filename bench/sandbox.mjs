// Added launch cost of a sandboxed `true` (keel's runSandboxed → bwrap + seccomp) over a plain
// spawn of `true`, with 0, 100, 1,000 and 5,000 denied files. Run after `npm run build`:
//   node bench/sandbox.mjs [--runs N]
// Prints JSON. Two layouts of denied files:
//   grouped:   the files sit in directories of 100 (4 in 5 directories hold only denied files,
//              the others also hold one allowed README), next to an ordinary source tree;
//   scattered: every denied file is alone among allowed siblings (worst case: one mask each).
// "exact" rows disable mask merging to show what it saves (fewer runs: they are slow).
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runSandboxed } from "../dist/sandbox/index.js";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 21;
const ENV = { PATH: "/usr/local/bin:/usr/bin:/bin" };

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function write(file, text = "x\n") {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function makeWorkspace(root, denied, layout) {
  for (let i = 0; i < 200; i++) write(path.join(root, `src/mod${i % 20}/file${i}.ts`));
  if (layout === "grouped") {
    for (let i = 0; i < denied; i++) {
      const dir = Math.floor(i / 100);
      write(path.join(root, `certs/group${dir}/key${i}.pem`));
      if (dir % 5 === 4 && i % 100 === 0) write(path.join(root, `certs/group${dir}/README.md`));
    }
  } else {
    for (let i = 0; i < denied; i++) {
      write(path.join(root, `pkg${i}/key.pem`));
      write(path.join(root, `pkg${i}/index.js`));
    }
  }
}

function plainTrue() {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn("true", [], { stdio: ["ignore", "pipe", "pipe"], detached: true, env: ENV });
    child.on("error", reject);
    child.on("close", () => resolve(performance.now() - start));
  });
}

async function sandboxedTrue(ws, stateDir, limits) {
  const plan = {
    cwd: ws,
    read: { kind: "full" },
    write: {
      kind: "roots",
      roots: [{ root: ws, readOnlySubpaths: [path.join(ws, ".git"), path.join(ws, ".codex")] }],
    },
    denyRead: { paths: [], readableInside: [], globs: [`${ws}/**/*.pem`], globScanMaxDepth: null },
    network: "restricted",
    hiddenHostSockets: [],
  };
  const start = performance.now();
  const result = await runSandboxed({
    argv: ["true"],
    cwd: ws,
    plan,
    env: ENV,
    stateDir,
    maskLimits: limits,
  });
  const ms = performance.now() - start;
  return { ms, result };
}

async function measure(denied, layout, { runs = RUNS, limits } = {}) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-"));
  const ws = path.join(base, "ws");
  const stateDir = path.join(base, "state");
  fs.mkdirSync(path.join(ws, ".git"), { recursive: true });
  makeWorkspace(ws, denied, layout);
  try {
    const warm = await sandboxedTrue(ws, stateDir, limits);
    if (warm.result.setupError) {
      return { denied, layout, refused: warm.result.setupError.slice(0, 160) };
    }
    const plain = [];
    const sandboxed = [];
    for (let i = 0; i < runs; i++) {
      plain.push(await plainTrue());
      const { ms, result } = await sandboxedTrue(ws, stateDir, limits);
      if (result.exitCode !== 0) throw new Error(`sandboxed true failed: ${JSON.stringify(result)}`);
      sandboxed.push(ms);
    }
    const plainMs = median(plain);
    const sandboxedMs = median(sandboxed);
    return {
      denied,
      layout,
      runs,
      plainMs: +plainMs.toFixed(2),
      sandboxedMs: +sandboxedMs.toFixed(2),
      addedMs: +(sandboxedMs - plainMs).toFixed(2),
      // minimum over the runs: closest to an idle machine when others share the CPU
      addedMinMs: +(Math.min(...sandboxed) - Math.min(...plain)).toFixed(2),
    };
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

const rows = [];
for (const denied of [0, 100, 1000, 5000]) rows.push(await measure(denied, "grouped"));
for (const denied of [100, 1000, 5000]) rows.push(await measure(denied, "scattered"));
const unmerged = { exactBudget: Number.POSITIVE_INFINITY, maxTableScans: Number.POSITIVE_INFINITY };
for (const denied of [100, 1000]) {
  rows.push({
    ...(await measure(denied, "grouped", { runs: 5, limits: unmerged })),
    layout: "grouped, exact masks",
  });
}
console.log(
  JSON.stringify(
    { node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map((l) => +l.toFixed(2)), rows },
    null,
    2,
  ),
);
