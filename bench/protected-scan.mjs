// Cost of looking for .keel/.codex/.agents folders in a writable root (the walk keel does before
// and after every sandboxed command), on a generated tree of 20,000 directories with two files
// each, next to `find DIR -name .keel` on the same tree, and the launch cost of a sandboxed `true`
// with that tree as its writable root versus an empty one. Run after `npm run build`:
//   node bench/protected-scan.mjs [--dirs N] [--runs N]
// Prints JSON (median milliseconds; warm page cache).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { scanProtectedNames } from "../dist/sandbox/linux/protected-scan.js";
import { runSandboxed } from "../dist/sandbox/index.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DIRS = arg("--dirs", 20_000);
const RUNS = arg("--runs", 11);
const ENV = { PATH: "/usr/local/bin:/usr/bin:/bin" };

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** DIRS directories, 20 per parent over three levels, two files each, a nested .keel every 1,000. */
function makeTree(root) {
  for (let i = 0; i < DIRS; i++) {
    const dir = path.join(root, `l${i % 20}`, `m${Math.floor(i / 20) % 50}`, `d${i}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "a.ts"), "x\n");
    fs.writeFileSync(path.join(dir, "b.ts"), "x\n");
    if (i % 1000 === 0) fs.mkdirSync(path.join(dir, ".keel"));
  }
}

const base = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-protect-"));
const ws = path.join(base, "ws");
const stateDir = path.join(base, "state");
try {
  fs.mkdirSync(ws);
  makeTree(ws);
  const walks = [];
  let scan;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    scan = scanProtectedNames({ roots: [ws], skipDir: () => false, maxVisited: 5_000_000 });
    walks.push(performance.now() - t);
  }
  const finds = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    spawnSync("find", [ws, "-name", ".keel"], { stdio: "ignore" });
    finds.push(performance.now() - t);
  }
  const plan = (cwd) => ({
    cwd,
    read: { kind: "full" },
    write: { kind: "roots", roots: [{ root: cwd, readOnlySubpaths: [] }] },
    denyRead: { paths: [], globs: [], globScanMaxDepth: null },
    network: "restricted",
    hiddenHostSockets: [],
  });
  const empty = path.join(base, "empty");
  fs.mkdirSync(empty);
  const launch = async (cwd) => {
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const r = await runSandboxed({ argv: ["true"], cwd, plan: plan(cwd), env: ENV, stateDir });
      if (r.exitCode !== 0) throw new Error(r.setupError ?? r.stderr);
      times.push(performance.now() - t);
    }
    return median(times);
  };
  const emptyMs = await launch(empty);
  const treeMs = await launch(ws);
  console.log(
    JSON.stringify(
      {
        directories: DIRS,
        entriesVisited: scan.visited,
        nestedFoldersFound: scan.entries.length,
        walkMs: Number(median(walks).toFixed(1)),
        findSameTreeMs: Number(median(finds).toFixed(1)),
        loadAverage: os.loadavg()[0],
        sandboxedTrueEmptyRootMs: Number(emptyMs.toFixed(1)),
        sandboxedTrueTreeRootMs: Number(treeMs.toFixed(1)),
      },
      null,
      2,
    ),
  );
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
