#!/usr/bin/env node
// The second half of `npm run build` (after tsc, which still writes the library's dist/ and its
// type declarations): an esbuild bundle of the CLI, dist/keel.mjs, which bin/keel.js prefers.
// One ESM entry with code splitting: the CLI's dynamic imports (the app-server and its engine,
// SQLite, schema generation, the sandbox, WebSockets, exec…) become lazy chunks in dist/chunks/,
// loaded on first use. better-sqlite3 (a native addon) and json-schema-to-typescript (only
// `generate-ts` needs it; it pulls in prettier) stay external. CommonJS dependencies (commander…)
// need `require`, so the banner creates one.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { zodEnglishOnly } from "./zod-english-only.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, "dist");

fs.rmSync(path.join(dist, "chunks"), { recursive: true, force: true });
// The snapshot (scripts/snapshot.mjs, run next) is rebuilt from the same sources; a stale one must not run.
for (const f of ["keel.mjs", "keel.mjs.map", "keel.cjs", "keel.blob", "keel.blob.meta"]) fs.rmSync(path.join(dist, f), { force: true });
await build({
  entryPoints: { keel: path.join(root, "src/cli/entry.ts") },
  absWorkingDir: root,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir: dist,
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  external: ["better-sqlite3", "json-schema-to-typescript"],
  plugins: [zodEnglishOnly],
  banner: {
    js: [
      'import { createRequire as __keelCreateRequire } from "node:module";',
      "const require = __keelCreateRequire(import.meta.url);",
    ].join("\n"),
  },
  minify: true,
  // Class and function names stay readable in errors and stack traces.
  keepNames: true,
  sourcemap: "linked",
  logLevel: "warning",
});
