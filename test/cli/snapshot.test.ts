// The V8 start-up snapshot: the warm-up that runs while it is built, the `bin/keel` launcher that
// chooses it, and what processes started from it must not share.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { warmUp, warmUpEngine } from "../../src/cli/snapshot-warmup.js";
import { sampleRollout } from "../../src/cli/warmup-samples.js";
import { fixture, stdioServer, text, turnCompleted } from "../app-server-engine/support.js";
import { textTurn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";

const root = path.resolve(import.meta.dirname, "../..");
const builtMeta = path.join(root, "dist/keel.blob.meta");

describe("snapshot warm-up", () => {
  test("every sample is accepted by keel's schemas and its temp files are removed", () => {
    const dir = tempDir();
    const report = warmUp(dir);
    expect(report.rejected).toEqual([]);
    expect(report.requests).toBeGreaterThanOrEqual(15);
    expect(report.rolloutLines).toBe(sampleRollout("/w", "t").length);
    expect(report.turns).toBe(2);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test("a second run in the same process gives the same report (no state kept)", () => {
    expect(warmUp(tempDir())).toEqual(warmUp(tempDir()));
  });

  test("the engine warm-up starts threads and leaves no files, locks, exit hooks or timers", async () => {
    const dir = tempDir();
    const exitListeners = process.listenerCount("exit");
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    const ids = await warmUpEngine(dir);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(process.listenerCount("exit")).toBe(exitListeners);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

/** A copy of the launcher in a fake package root with its own bin/keel.js and (maybe) a snapshot. */
function fakePackage(): { root: string; launcher: string } {
  const pkg = tempDir("keel-launcher-");
  fs.mkdirSync(path.join(pkg, "bin"));
  fs.mkdirSync(path.join(pkg, "dist"));
  const launcher = path.join(pkg, "bin/keel");
  fs.copyFileSync(path.join(root, "bin/keel"), launcher);
  fs.chmodSync(launcher, 0o755);
  fs.writeFileSync(
    path.join(pkg, "bin/keel.js"),
    'process.stdout.write("fallback " + JSON.stringify(process.argv.slice(2)));\n',
  );
  return { root: pkg, launcher };
}

/** Builds a tiny snapshot whose main prints its arguments, and the meta line bin/keel checks. */
function buildTinySnapshot(pkg: string, stamp?: string): void {
  const entry = path.join(pkg, "dist/entry.cjs");
  fs.writeFileSync(
    entry,
    [
      'const { startupSnapshot } = require("node:v8");',
      "startupSnapshot.setDeserializeMainFunction(() => {",
      '  process.stdout.write("snapshot " + JSON.stringify(process.argv.slice(1)));',
      "});",
    ].join("\n"),
  );
  const blob = path.join(pkg, "dist/keel.blob");
  execFileSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", entry], { cwd: pkg });
  const node = fs.realpathSync(process.execPath);
  const st = fs.statSync(node);
  const actual = `${st.size}:${Math.floor(st.mtimeMs / 1000)}:${st.ino}`;
  fs.writeFileSync(
    path.join(pkg, "dist/keel.blob.meta"),
    `${process.version} ${node} ${stamp ?? actual} inputs\n`,
  );
}

function run(launcher: string, args: string[]): string {
  const env = { PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}` };
  const out = spawnSync(launcher, args, { encoding: "utf8", env });
  expect(out.status, out.stderr).toBe(0);
  return out.stdout;
}

describe("the snapshot build", () => {
  // scripts/snapshot.mjs reports a failed build without failing `npm run build` (bin/keel then
  // runs the bundle), so this is where a module that cannot live in a snapshot is caught: e.g. a
  // native handle (net.BlockList, a timer, a socket) created when a module is loaded.
  const script = path.join(root, "dist/keel.cjs");
  test.skipIf(!fs.existsSync(script))(
    "dist/keel.cjs builds into a V8 start-up snapshot",
    () => {
      const blob = path.join(tempDir("keel-snapshot-"), "keel.blob");
      const built = spawnSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", script], {
        cwd: path.dirname(script),
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "" },
      });
      const firstError = built.stderr.split("\n").find((l) => /Error|not serialized/.test(l));
      expect(built.status, firstError).toBe(0);
    },
    120_000,
  );
});

describe("bin/keel launcher", () => {
  test("starts the snapshot built by this node, passing every argument through", () => {
    const pkg = fakePackage();
    buildTinySnapshot(pkg.root);
    expect(run(pkg.launcher, ["exec", "--json", "--", "-x"])).toBe('snapshot ["exec","--json","--","-x"]');
  });

  test("finds its package through a relative symlink, as in node_modules/.bin", () => {
    const pkg = fakePackage();
    buildTinySnapshot(pkg.root);
    const binDir = path.join(tempDir("keel-bin-"), "node_modules/.bin");
    fs.mkdirSync(binDir, { recursive: true });
    const link = path.join(binDir, "keel");
    fs.symlinkSync(path.relative(binDir, pkg.launcher), link);
    expect(run(link, ["app-server"])).toBe('snapshot ["app-server"]');
    fs.rmSync(path.join(pkg.root, "dist/keel.blob.meta"));
    expect(run(link, ["app-server"])).toBe('fallback ["app-server"]');
  });

  test("a copied, then moved package still starts its snapshot, also through an npm -g style link", () => {
    const pkg = fakePackage();
    buildTinySnapshot(pkg.root);
    const prefix = tempDir("keel-prefix-");
    const copied = path.join(prefix, "copied");
    fs.cpSync(pkg.root, copied, { recursive: true });
    fs.rmSync(pkg.root, { recursive: true });
    const moved = path.join(prefix, "lib/node_modules/keel");
    fs.mkdirSync(path.dirname(moved), { recursive: true });
    fs.renameSync(copied, moved);
    fs.mkdirSync(path.join(prefix, "bin"));
    fs.symlinkSync("../lib/node_modules/keel/bin/keel", path.join(prefix, "bin/keel"));
    expect(run(path.join(moved, "bin/keel"), ["a"])).toBe('snapshot ["a"]');
    expect(run(path.join(prefix, "bin/keel"), ["b"])).toBe('snapshot ["b"]');
  });

  test("runs bin/keel.js when the snapshot was built by another node binary", () => {
    const pkg = fakePackage();
    buildTinySnapshot(pkg.root, "1:2:3");
    expect(run(pkg.launcher, ["--version"])).toBe('fallback ["--version"]');
  });

  test("runs bin/keel.js when the `node` on PATH is another program than the one recorded", () => {
    const pkg = fakePackage();
    buildTinySnapshot(pkg.root);
    const otherBin = tempDir("keel-other-node-");
    fs.writeFileSync(
      path.join(otherBin, "node"),
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} "$@"\n`,
    );
    fs.chmodSync(path.join(otherBin, "node"), 0o755);
    const out = spawnSync(pkg.launcher, ["x"], {
      encoding: "utf8",
      env: { PATH: `${otherBin}:/usr/bin:/bin` },
    });
    expect(out.stdout).toBe('fallback ["x"]');
  });

  test("runs bin/keel.js when the blob is missing or there is no snapshot at all", () => {
    const pkg = fakePackage();
    expect(run(pkg.launcher, ["a"])).toBe('fallback ["a"]');
    buildTinySnapshot(pkg.root);
    fs.rmSync(path.join(pkg.root, "dist/keel.blob"));
    expect(run(pkg.launcher, ["b"])).toBe('fallback ["b"]');
  });
});

/** Node's own options bin/keel lets through to the snapshot (one NODE_OPTIONS word each). */
const SNAPSHOT_SAFE_OPTIONS = [
  "--enable-source-maps",
  "--no-warnings",
  "--no-deprecation",
  "--pending-deprecation",
  "--throw-deprecation",
  "--trace-deprecation",
  "--trace-warnings",
  "--trace-uncaught",
  "--trace-exit",
  "--use-openssl-ca",
  "--use-bundled-ca",
  "--openssl-legacy-provider",
  "--dns-result-order=ipv4first",
  "--tls-min-v1.2",
  "--tls-max-v1.3",
  "--unhandled-rejections=strict",
  "--title=keel",
];

describe("bin/keel and NODE_EXTRA_CA_CERTS", () => {
  test("hands the variable over as KEEL_DEFERRED_EXTRA_CA_CERTS, except with --use-openssl-ca", () => {
    const pkg = fakePackage();
    fs.writeFileSync(
      path.join(pkg.root, "bin/keel.js"),
      "const e = process.env;\n" +
        "process.stdout.write(JSON.stringify([e.NODE_EXTRA_CA_CERTS ?? null, e.KEEL_DEFERRED_EXTRA_CA_CERTS ?? null]));\n",
    );
    const seen = (env: Record<string, string>) =>
      spawnSync(pkg.launcher, [], {
        encoding: "utf8",
        env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, ...env },
      }).stdout;
    expect(seen({ NODE_EXTRA_CA_CERTS: "/etc/x.pem" })).toBe('[null,"/etc/x.pem"]');
    expect(seen({ NODE_EXTRA_CA_CERTS: "/etc/x.pem", NODE_OPTIONS: "--use-openssl-ca" })).toBe(
      '["/etc/x.pem",null]',
    );
    expect(seen({ NODE_EXTRA_CA_CERTS: "" })).toBe('["",null]');
    expect(seen({})).toBe("[null,null]");
  });
});

describe("bin/keel and NODE_OPTIONS", () => {
  test("a V8 option makes it run bin/keel.js, which honours it; Node's own options keep the snapshot", () => {
    const pkg = fakePackage();
    buildTinySnapshot(pkg.root);
    const withOptions = (nodeOptions: string) => {
      const out = spawnSync(pkg.launcher, ["x"], {
        encoding: "utf8",
        env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, NODE_OPTIONS: nodeOptions },
      });
      return out.stdout || `status ${out.status}: ${out.stderr}`;
    };
    // Node refuses a snapshot under other V8 flags (exit 14): the launcher must not start it.
    expect(withOptions("--max-old-space-size=200")).toBe('fallback ["x"]');
    expect(withOptions("--no-warnings --expose-gc")).toBe('fallback ["x"]');
    expect(withOptions("--require /dev/null")).toBe('fallback ["x"]');
    expect(withOptions("")).toBe('snapshot ["x"]');
    for (const option of SNAPSHOT_SAFE_OPTIONS) expect(withOptions(option)).toBe('snapshot ["x"]');
    expect(withOptions("--no-warnings  --enable-source-maps --title=k")).toBe('snapshot ["x"]');
  });

  test.skipIf(!fs.existsSync(builtMeta))(
    "keel starts under each option the launcher lets through, and under V8 options",
    () => {
      const env = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` };
      for (const option of [...SNAPSHOT_SAFE_OPTIONS, "--max-old-space-size=4096", "--expose-gc"]) {
        const out = spawnSync(path.join(root, "bin/keel"), ["--version"], {
          encoding: "utf8",
          env: { ...env, NODE_OPTIONS: option },
        });
        expect({ option, status: out.status, stderr: out.stderr }).toEqual({ option, status: 0, stderr: "" });
        expect(out.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      }
    },
  );
});

/**
 * An installation made from this build, as `npm install -g` lays it out, copied and then moved away
 * from where it was built: bin/, dist/ and package.json, with copies of the runtime packages the
 * snapshot loads from disk. The copied better-sqlite3 notes in `mark` which file was loaded.
 */
function movedInstall(mark: string): { prefix: string; pkg: string } {
  const prefix = tempDir("keel-install-");
  const staging = path.join(prefix, "staging");
  for (const part of ["bin", "dist", "package.json"])
    fs.cpSync(path.join(root, part), path.join(staging, part), { recursive: true });
  const modules = path.join(root, "node_modules");
  const sqlite = ["package.json", "lib", "build/Release/better_sqlite3.node"];
  for (const part of sqlite)
    fs.cpSync(
      path.join(modules, "better-sqlite3", part),
      path.join(staging, "node_modules/better-sqlite3", part),
      {
        recursive: true,
      },
    );
  for (const dep of ["bindings", "file-uri-to-path"])
    fs.cpSync(path.join(modules, dep), path.join(staging, "node_modules", dep), { recursive: true });
  fs.appendFileSync(
    path.join(staging, "node_modules/better-sqlite3/lib/index.js"),
    `\nrequire("node:fs").appendFileSync(${JSON.stringify(mark)}, __filename + "\\n");\n`,
  );
  const pkg = path.join(prefix, "lib/node_modules/keel");
  fs.mkdirSync(path.dirname(pkg), { recursive: true });
  fs.renameSync(staging, pkg);
  fs.mkdirSync(path.join(prefix, "bin"));
  fs.symlinkSync("../lib/node_modules/keel/bin/keel", path.join(prefix, "bin/keel"));
  return { prefix, pkg };
}

describe("a moved or copied installation", () => {
  test.skipIf(!fs.existsSync(builtMeta))(
    "starts from its own dist/keel.blob and loads its own modules, not those of the build",
    async () => {
      const mark = path.join(tempDir("keel-mark-"), "loaded");
      const { prefix, pkg } = movedInstall(mark);
      const fx = await fixture();
      fx.model.enqueue(textTurn("Done."));
      const keel = path.join(prefix, "bin/keel");
      const { peer, child } = stdioServer(fx, "moved", keel);
      await peer.initialize();
      const cmdline = fs.readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0");
      expect(cmdline).toContain("--snapshot-blob");
      // bin/keel resolved its link: the blob is the one in the moved package.
      expect(cmdline).toContain(`${pkg}/bin/../dist/keel.blob`);
      const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
      await peer.request("turn/start", { threadId: thread.id, input: text("hi") });
      await turnCompleted(peer);
      const listed = await peer.request("thread/list", {});
      expect(listed.data.map((t: { id: string }) => t.id)).toContain(thread.id);
      peer.close();
      expect(fs.readFileSync(mark, "utf8")).toBe(
        `${path.join(fs.realpathSync(pkg), "node_modules/better-sqlite3/lib/index.js")}\n`,
      );
    },
  );
});

describe("processes started from the built snapshot", () => {
  test.skipIf(!fs.existsSync(builtMeta))(
    "keel app-server runs from dist/keel.blob and two processes create different thread ids",
    async () => {
      const fx = await fixture();
      const ids: string[] = [];
      for (const label of ["first", "second"]) {
        const { peer, child } = stdioServer(fx, label);
        await peer.initialize();
        // bin/keel is a shell script that `exec`s node: same pid, node's command line by now.
        const cmdline = fs.readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0");
        expect(cmdline).toContain("--snapshot-blob");
        const started = await peer.request("thread/start", { cwd: fx.workspace });
        ids.push(started.thread.id);
        peer.close();
      }
      expect(ids[0]).not.toBe(ids[1]);
      // UUIDv7: the last 62 bits are random; equal ones would mean random state saved in the heap.
      expect(ids[0]!.slice(19)).not.toBe(ids[1]!.slice(19));
    },
  );

  test.skipIf(!fs.existsSync(builtMeta))(
    "a turn records the process's own time zone, not the one of the machine that built the snapshot",
    async () => {
      const fx = await fixture();
      fx.model.enqueue(textTurn("Done."));
      const zone = "Asia/Kathmandu"; // +05:45: no build machine is in it by accident
      const { peer } = stdioServer({ ...fx, env: { ...fx.env, TZ: zone } }, "tz");
      await peer.initialize();
      const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
      await peer.request("turn/start", { threadId: thread.id, input: text("hi") });
      await turnCompleted(peer);
      const lines = fs
        .readFileSync(thread.path, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const context = lines.find((l) => l.type === "turn_context");
      expect(context.payload.timezone).toBe(zone);
      peer.close();
    },
  );
});
