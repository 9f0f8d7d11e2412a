// Entry of the V8 start-up snapshot (scripts/snapshot.mjs): bundled into dist/keel.cjs and
// evaluated once by `node --build-snapshot`, so the CLI, zod, every protocol schema and the
// app-server engine are already constructed in the saved heap (dist/keel.blob). bin/keel starts
// `node --snapshot-blob dist/keel.blob <args>` when the blob fits the Node binary; the function
// below is then the process's main. Nothing here may capture environment, cwd, time or handles:
// they are read by `main` at run time.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startupSnapshot } from "node:v8";
import "../app-server/engine/index.js";
import "../app-server/run.js";
import "../app-server/user-agent.js";
import "../config/home.js";
import { buildProgram, runAsProcess } from "./main.js";
import { warmUp, warmUpEngine } from "./snapshot-warmup.js";
import { errorMessage } from "../lib/errors.js";

// First-use work (parser compilation, lazy schema properties, function compilation) done now is
// saved with the heap; see snapshot-warmup.ts. A failure costs speed only, so the build goes on
// and scripts/snapshot.mjs prints the line.
try {
  const { rejected } = warmUp();
  if (rejected.length > 0)
    process.stderr.write(`keel warm-up: samples not accepted: ${rejected.join(", ")}\n`);
} catch (error) {
  process.stderr.write(`keel warm-up: ${errorMessage(error)}\n`);
}
// Asynchronous: Node saves the heap once the event loop is empty, i.e. after it.
warmUpEngine().catch((error: unknown) => {
  process.stderr.write(`keel warm-up: engine: ${errorMessage(error)}\n`);
});

// The command tree is built now, once; the process parses its own arguments with it.
const program = buildProgram();

declare global {
  /** Set by the bundle's banner (scripts/snapshot.mjs): where `require` and import.meta.url look. */
  var __keelLocation: { packageJson: string; metaUrl: string } | undefined;
}

/**
 * Points module loading at the package this process was started from: the blob is
 * `<package>/dist/keel.blob`, named in `--snapshot-blob` (relative to the cwd it started in). The
 * heap still holds the paths of the build, which may have been moved, copied or deleted since.
 */
function locatePackage(execArgv: readonly string[], cwd: () => string): void {
  const at = execArgv.indexOf("--snapshot-blob");
  const blob = at >= 0 ? execArgv[at + 1] : execArgv.find((a) => a.startsWith("--snapshot-blob="))?.slice(16);
  if (!blob || !globalThis.__keelLocation) return;
  let base = "/";
  if (!path.isAbsolute(blob)) {
    try {
      base = cwd();
    } catch {
      return; // the cwd was deleted: main() reports that; the build's paths are the best guess
    }
  }
  const dist = path.dirname(path.resolve(base, blob));
  globalThis.__keelLocation.packageJson = path.join(dist, "..", "package.json");
  globalThis.__keelLocation.metaUrl = pathToFileURL(path.join(dist, "keel.cjs")).href;
}

startupSnapshot.setDeserializeMainFunction(() => {
  locatePackage(process.execArgv, () => process.cwd());
  // `node --snapshot-blob keel.blob <args>`: argv is [node, ...args]. main() closes inherited
  // descriptors before anything else.
  runAsProcess(process.argv.slice(1), program);
});
