#!/usr/bin/env node
// The last step of `npm run build`: a V8 start-up snapshot of the CLI, dist/keel.blob, which
// bin/keel starts with `node --snapshot-blob` (see docs/readme/benchmarks.md). src/cli/snapshot-entry.ts
// is bundled into one CommonJS file (dist/keel.cjs), evaluated once by `node --build-snapshot` and
// the heap saved. A blob only runs on the Node binary that built it, so dist/keel.blob.meta records
// that binary (version, path, size/mtime/inode) and a hash of the build inputs; bin/keel compares
// them before every use. Nothing records where the package itself is: it may be moved or copied. Native addons and modules that cannot be loaded while building
// (better-sqlite3, json-schema-to-typescript, node:http/https/tls) are loaded on first use. Before
// the heap is saved, src/cli/snapshot-warmup.ts runs keel's first-use paths once.
// A failure leaves no blob behind and does not fail the build: bin/keel then runs dist/keel.mjs.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { zodEnglishOnly } from "./zod-english-only.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, "dist");
const script = path.join(dist, "keel.cjs");
const blob = path.join(dist, "keel.blob");
const meta = path.join(dist, "keel.blob.meta");

/** Packages resolved at run time from the package root (the snapshot's `require` only knows built-ins). */
const RUNTIME_PACKAGES = ["better-sqlite3", "json-schema-to-typescript", "pg", "@peculiar/x509", "reflect-metadata"];
/** Built-ins that cannot be loaded while the snapshot is built (node:http fails in Node 20; tls with it). */
const LAZY_BUILTINS = ["node:http", "node:https", "node:tls"];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const lazyModules = {
  name: "keel-lazy-modules",
  setup(b) {
    const names = [...RUNTIME_PACKAGES, ...LAZY_BUILTINS];
    b.onResolve({ filter: new RegExp(`^(${names.map(escape).join("|")})$`) }, (args) =>
      // The lazy module's own require of the built-in is the real one.
      args.namespace === "keel-lazy"
        ? { path: args.path, external: true }
        : { path: args.path, namespace: "keel-lazy" },
    );
    b.onLoad({ filter: /.*/, namespace: "keel-lazy" }, (args) => {
      if (RUNTIME_PACKAGES.includes(args.path)) {
        // Evaluated on first require, i.e. at run time: these are only reached through dynamic imports.
        return {
          loader: "js",
          contents: `module.exports = require("node:module").createRequire(globalThis.__keelLocation.packageJson)(${JSON.stringify(args.path)});`,
        };
      }
      // Imported statically by modules evaluated at build time: a proxy that loads on first use.
      return {
        loader: "js",
        contents: [
          "let real;",
          `const load = () => (real ??= require(${JSON.stringify(args.path)}));`,
          "module.exports = new Proxy({}, {",
          '  get: (_t, key) => (key === "__esModule" ? undefined : load()[key]),',
          "  has: (_t, key) => key in load(),",
          "});",
        ].join("\n"),
      };
    });
  },
};

/** The Node binary, as bin/keel sees it: resolved path and a stamp that changes when it is replaced. */
function nodeStamp() {
  const execPath = fs.realpathSync(process.execPath);
  const st = fs.statSync(execPath);
  return { execPath, stamp: `${st.size}:${Math.floor(st.mtimeMs / 1000)}:${st.ino}` };
}

for (const f of [blob, meta, script]) fs.rmSync(f, { force: true });
const t0 = performance.now();
try {
  await build({
    entryPoints: [path.join(root, "src/cli/snapshot-entry.ts")],
    absWorkingDir: root,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    outfile: script,
    plugins: [lazyModules, zodEnglishOnly],
    define: { "import.meta.url": "globalThis.__keelLocation.metaUrl" },
    // Where the package is, for `require` of RUNTIME_PACKAGES and for import.meta.url: this build's
    // paths while the snapshot is built; at every start, snapshot-entry.ts points them at the
    // package the blob was started from, so a moved or copied install loads its own modules.
    banner: {
      js: `globalThis.__keelLocation = ${JSON.stringify({
        packageJson: path.join(root, "package.json"),
        metaUrl: pathToFileURL(script).href,
      })};`,
    },
    minify: true,
    // No keepNames here (unlike the bundle): its `__name` calls redefine `name` on thousands of
    // functions, which puts their properties in dictionary mode — 0.5 MB more heap to deserialize
    // at every start (~7 ms). keel never reads function or class names: its errors set `name`.
    keepNames: false,
    logLevel: "error",
  });
  const inputs = createHash("sha256")
    .update(fs.readFileSync(script))
    .update(process.version)
    .update(process.arch)
    .digest("hex");
  const built = spawnSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", script], {
    cwd: dist,
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "" },
  });
  // The warm-up (src/cli/snapshot-warmup.ts) reports problems without failing the build.
  for (const line of built.stderr.split("\n")) if (line.startsWith("keel warm-up:")) process.stdout.write(`snapshot: ${line}\n`);
  if (built.status !== 0) throw Object.assign(new Error(`node --build-snapshot exited ${built.status}`), { stderr: built.stderr });
  const { execPath, stamp } = nodeStamp();
  // One line for bin/keel (a POSIX shell script): version, binary, binary stamp, inputs hash. No
  // path of the package itself: bin/keel finds the blob next to this file, wherever it was moved.
  fs.writeFileSync(meta, `${process.version} ${execPath} ${stamp} ${inputs}\n`);
  const mib = (fs.statSync(blob).size / 2 ** 20).toFixed(1);
  process.stdout.write(
    `snapshot: dist/keel.blob (${mib} MiB, ${process.version}) in ${Math.round(performance.now() - t0)} ms\n`,
  );
} catch (error) {
  for (const f of [blob, meta]) fs.rmSync(f, { force: true });
  const first = String(error.stderr ?? error.message)
    .split("\n")
    .find((l) => /Error/.test(l));
  process.stdout.write(
    `snapshot: not built (${(first ?? "unknown error").trim().slice(0, 160)}); bin/keel runs dist/keel.mjs\n`,
  );
}
