// How each app-server is launched: command, fresh home directory and configuration pointing the
// model provider at the bench model server. Both get the same base environment.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.dirname(here);
export const CACHE_DIR = path.join(here, ".cache");

/** The native Codex binary inside the npm package (no Node wrapper in between), or the wrapper. */
export function codexBinary() {
  const require = createRequire(import.meta.url);
  const triples = { x64: "x86_64-unknown-linux-musl", arm64: "aarch64-unknown-linux-musl" };
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  try {
    const pkg = path.dirname(require.resolve(`@openai/codex-linux-${arch}/package.json`));
    const native = path.join(pkg, "vendor", triples[arch], "bin", "codex");
    if (fs.existsSync(native)) return native;
  } catch {
    // not installed as a platform package; fall back to the wrapper
  }
  return path.join(ROOT, "node_modules/.bin/codex");
}

export function codexVersion() {
  try {
    return execFileSync(codexBinary(), ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

/**
 * $KEEL_BENCH_ENTRY, else bin/keel: the `keel` command, which starts the snapshot dist/keel.blob
 * when it fits this Node, else the bundle dist/keel.mjs, else the tsc build.
 */
export function keelEntry() {
  if (process.env.KEEL_BENCH_ENTRY) return process.env.KEEL_BENCH_ENTRY;
  return path.join(ROOT, "bin/keel");
}

// Top-level keys must come before the first table.
function configToml(side, modelUrl, model = "mock-model", topLevel = []) {
  return [
    `model = "${model}"`,
    'model_provider = "bench"',
    'approval_policy = "never"',
    'sandbox_mode = "workspace-write"',
    ...(side === "codex" ? CODEX_TOP_LEVEL : []),
    ...topLevel,
    "",
    "[model_providers.bench]",
    'name = "bench model server"',
    `base_url = "${modelUrl}"`,
    'wire_api = "responses"',
    "request_max_retries = 0",
    "stream_max_retries = 0",
    "",
    ...(side === "codex" ? CODEX_TABLES : []),
  ].join("\n");
}

// Codex only: no update check, no analytics or feedback upload, nothing that loads plugins/apps
// or fetches models at start-up (keys from openai/codex; feature names from `codex features list`).
const CODEX_TOP_LEVEL = ["check_for_update_on_startup = false"];
const CODEX_TABLES = [
  "[analytics]",
  "enabled = false",
  "",
  "[feedback]",
  "enabled = false",
  "",
  "[features]",
  "plugins = false",
  "remote_plugin = false",
  "apps = false",
  "remote_models = false",
  "",
];

function baseEnv(userHome) {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: userHome,
    LANG: "C.UTF-8",
    TERM: "dumb",
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
  };
}

/** KEEL_BENCH_* variables reach keel (experiment knobs of the prototype entries). */
function benchKnobs() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("KEEL_BENCH_")));
}

let counter = 0;

/**
 * A launch spec for one server process with a fresh home (`home` may be passed to reuse a stored
 * thread, e.g. for thread/resume in a new process).
 * @param {"keel"|"codex"} side
 */
export function serverSpec(
  side,
  { modelUrl, workspace, home, userHome, extraArgs = [], nodeArgs = [], entry, model, topLevel },
) {
  // Codex's home must lie outside $TMPDIR; keel's is an ordinary temp dir.
  const parent =
    side === "codex" ? path.join(CACHE_DIR, "homes") : path.join(os.tmpdir(), "keel-bench-homes");
  const dir = home ?? path.join(parent, `${side}-${process.pid}-${counter++}`);
  if (!home) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "config.toml"), configToml(side, modelUrl, model, topLevel));
  }
  if (side === "codex") {
    return {
      side,
      home: dir,
      command: codexBinary(),
      args: ["app-server", ...extraArgs],
      cwd: workspace,
      env: { ...baseEnv(userHome), CODEX_HOME: dir },
    };
  }
  const script = entry ?? keelEntry();
  if (!/\.(c|m)?js$|\.blob$/.test(script)) {
    // An executable launcher (bin/keel): Node's own options go through NODE_OPTIONS.
    const nodeOptions = nodeArgs.length > 0 ? { NODE_OPTIONS: nodeArgs.join(" ") } : {};
    return {
      side,
      home: dir,
      command: script,
      args: ["app-server", ...extraArgs],
      cwd: workspace,
      env: { ...baseEnv(userHome), ...benchKnobs(), ...nodeOptions, KEEL_HOME: dir },
    };
  }
  // A V8 start-up snapshot (scripts/snapshot.mjs) is started with --snapshot-blob.
  const launch = script.endsWith(".blob") ? ["--snapshot-blob", script, "--"] : [script];
  return {
    side,
    home: dir,
    command: process.execPath,
    args: [...nodeArgs, ...launch, "app-server", ...extraArgs],
    cwd: workspace,
    env: { ...baseEnv(userHome), ...benchKnobs(), KEEL_HOME: dir },
  };
}
