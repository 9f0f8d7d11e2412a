#!/usr/bin/env node
// Fuzzy file search, keel next to Codex (issue 17): both app-servers search the same generated
// tree of 100,000 files (cached in bench/.cache). Measured per side:
//
//   index    fuzzyFileSearch/sessionStart → the first `sessionUpdated` with files for the first
//            query (walk + match: what the `@` picker waits for when it opens)
//   warm     sessionUpdate → its `sessionCompleted`, for further queries on the indexed session
//   oneShot  a `fuzzyFileSearch` request (walks the tree each time, as Codex does)
//
// Prints one JSON object on stdout (bench/run.mjs section "fuzzy").
//
//   node bench/fuzzy.mjs [--sides keel,codex] [--files 100000] [--rounds 3]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { startBenchModelServer } from "./model-server.mjs";
import { AppServerClient } from "./rpc.mjs";
import { serverSpec } from "./servers.mjs";
import { median } from "./stats.mjs";

const { values } = parseArgs({
  options: {
    sides: { type: "string", default: "keel,codex" },
    files: { type: "string", default: "100000" },
    rounds: { type: "string", default: "3" },
  },
});
const SIDES = values.sides.split(",");
const FILES = Number(values.files);
const ROUNDS = Number(values.rounds);
const QUERIES = ["main", "cmpidx", "utils/str", "zzqx", "readme"];

const log = (msg) => process.stderr.write(`[bench:fuzzy] ${msg}\n`);

/**
 * A source-like tree: 100 files per directory, three levels, plus an ignored folder. Outside
 * bench/.cache, whose `.gitignore` (`*`) would hide it from both walkers.
 */
function tree(count) {
  const root = path.join(os.tmpdir(), `keel-bench-fuzzy-tree-${count}`);
  const done = path.join(root, ".complete");
  if (fs.existsSync(done)) return root;
  fs.rmSync(root, { recursive: true, force: true });
  const words = ["src", "lib", "utils", "components", "core", "api", "models", "views", "tests", "docs"];
  const names = [
    "index",
    "main",
    "helpers",
    "strings",
    "config",
    "types",
    "client",
    "server",
    "store",
    "readme",
  ];
  const exts = [".ts", ".tsx", ".js", ".json", ".md"];
  let made = 0;
  for (let d = 0; made < count; d++) {
    const dir = path.join(root, words[d % 10], `${words[Math.floor(d / 10) % 10]}${d}`, `m${d % 7}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 100 && made < count; f++, made++) {
      fs.writeFileSync(path.join(dir, `${names[f % 10]}${f}${exts[f % 5]}`), "");
    }
  }
  fs.mkdirSync(path.join(root, "node_modules/pkg"), { recursive: true });
  fs.writeFileSync(path.join(root, "node_modules/pkg/main.js"), "");
  fs.writeFileSync(path.join(root, ".gitignore"), "node_modules/\n.complete\n");
  fs.writeFileSync(done, "");
  return root;
}

async function measure(side, ctx, root) {
  const spec = serverSpec(side, ctx);
  const client = new AppServerClient(spec);
  try {
    await client.initialize();
    // A query is done at its `sessionCompleted`; the files of its last `sessionUpdated` are kept.
    let lastFiles = 0;
    client.listeners.add((m) => {
      if (m.method === "fuzzyFileSearch/sessionUpdated") lastFiles = m.params.files.length;
    });
    const completed = () =>
      client.waitFor((m) => m.method === "fuzzyFileSearch/sessionCompleted", 120_000, "sessionCompleted");
    const firstResults = (query) =>
      client.waitFor(
        (m) =>
          m.method === "fuzzyFileSearch/sessionUpdated" &&
          m.params.query === query &&
          m.params.files.length > 0,
        120_000,
        `results for ${query}`,
      );
    const t0 = performance.now();
    await client.request("fuzzyFileSearch/sessionStart", { sessionId: "b", roots: [root] });
    const first = firstResults(QUERIES[0]);
    await client.request("fuzzyFileSearch/sessionUpdate", { sessionId: "b", query: QUERIES[0] });
    const indexMs = (await first) - t0;
    await completed();
    const warm = [];
    const found = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const query of QUERIES.slice(1)) {
        // Consecutive queries never extend each other, so neither side can narrow the last result.
        const start = performance.now();
        const done = completed();
        await client.request("fuzzyFileSearch/sessionUpdate", { sessionId: "b", query });
        warm.push((await done) - start);
        found[query] = lastFiles;
      }
    }
    const oneShot = [];
    for (let r = 0; r < ROUNDS; r++) {
      const query = QUERIES[r % QUERIES.length];
      const start = performance.now();
      const { result, at } = await client.request("fuzzyFileSearch", { query, roots: [root] });
      oneShot.push(at - start);
      found[`oneShot ${query}`] = result.files.length;
    }
    return { indexMs, warmMs: median(warm), warmMaxMs: Math.max(...warm), oneShotMs: median(oneShot), found };
  } catch (error) {
    return { error: error instanceof Error ? error.message.slice(0, 400) : String(error) };
  } finally {
    await client.close(30_000);
    fs.rmSync(spec.home, { recursive: true, force: true });
  }
}

async function main() {
  const root = tree(FILES);
  const modelServer = await startBenchModelServer();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-fuzzy-ws-"));
  const userHome = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-fuzzy-user-"));
  const ctx = { modelUrl: modelServer.url, workspace, userHome };
  const out = { files: FILES, rounds: ROUNDS, queries: QUERIES, errors: [] };
  try {
    for (const side of SIDES) {
      out[side] = await measure(side, ctx, root);
      if (out[side].error) out.errors.push(`${side}: ${out[side].error}`);
      log(`${side}: ${JSON.stringify(out[side])}`);
    }
  } finally {
    await modelServer.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(userHome, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

await main();
