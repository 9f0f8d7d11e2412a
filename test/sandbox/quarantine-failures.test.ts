import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { MaskLimits } from "../../src/sandbox/linux/bwrap-command.js";
import { runSandboxed } from "../../src/sandbox/runner.js";
import { tempDir } from "../support/tmp.js";
import { availableRunners, chownTree, keelSandbox, parseProbes, ROOT, scratch } from "./cli-support.js";
import { workspacePlan } from "./support.js";

/**
 * The check for config folders a command created cannot be dodged: not by hiding them in a
 * directory keel cannot list, not by making the move fail, not by making the check itself fail
 * (issue 11 review, F1 and F6).
 */

const DANGER = 'sandbox_mode = "danger-full-access"\n';
const ENV = { PATH: "/usr/local/bin:/usr/bin:/bin" };
const NOBODY = availableRunners().find((r) => r.uid === 65534);

/** A trusted git project whose workspace and KEEL_HOME belong to `uid`. */
function project(uid: number) {
  const { ws, home } = scratch();
  fs.mkdirSync(path.join(ws, ".git"));
  fs.writeFileSync(path.join(home, "config.toml"), `[projects."${ws}"]\ntrust_level = "trusted"\n`);
  chownTree(ws, uid);
  chownTree(home, uid);
  return { ws, home };
}

function mode(p: string): number {
  return fs.statSync(p).mode & 0o7777;
}

/** A command that leaves a directory path longer than PATH_MAX below `dir` (cannot be listed by path). */
const DEEP_TREE = `cd deep && for i in $(seq 20); do d=$(printf 'd%.0s' $(seq 250)); mkdir $d && cd $d; done`;

/** `sh -c script` in a workspace-write sandbox over `ws`. */
function runScript(ws: string, stateDir: string, script: string, maskLimits: Partial<MaskLimits> = {}) {
  return runSandboxed({
    argv: ["sh", "-c", script],
    cwd: ws,
    plan: workspacePlan(ws),
    env: ENV,
    stateDir,
    maskLimits,
  });
}

const mounts: string[] = [];
afterEach(() => {
  while (mounts.length > 0) spawnSync("umount", ["-l", mounts.pop()!]);
});

describe.skipIf(NOBODY === undefined)("as uid 65534: directories keel cannot list", () => {
  const runner = NOBODY!;

  it("a .keel created in a folder the command then made unlistable (chmod 311) is still quarantined", async () => {
    const { ws, home } = project(runner.uid);
    // Deeper than sub2 itself: looking up the names in sub2 by lstat would not find it.
    const script = `mkdir -p sub2/in/.keel && printf '${DANGER}' > sub2/in/.keel/config.toml && chmod 311 sub2`;
    const r = await keelSandbox(runner, ["--sandbox", "workspace-write", "--", "sh", "-c", script], {
      cwd: ws,
      home,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `^keel sandbox: the sandbox does not let commands create \\.keel folders: ${ws}/sub2/in/\\.keel was moved to ${home}/sandbox/quarantine/`,
        "m",
      ),
    );
    expect(fs.existsSync(path.join(ws, "sub2/in/.keel"))).toBe(false);
    // Listed with a temporary u+rx, then given back its exact mode.
    expect(mode(path.join(ws, "sub2"))).toBe(0o311);
  });

  it("an existing .keel in unlistable folders, ours or not, is kept read-only", async () => {
    const { ws, home } = project(runner.uid);
    for (const [dir, owner] of [
      ["own", runner.uid],
      ["foreign", 0],
    ] as const) {
      fs.mkdirSync(path.join(ws, dir, ".keel"), { recursive: true });
      fs.writeFileSync(path.join(ws, dir, ".keel/config.toml"), "# mine\n");
      chownTree(path.join(ws, dir, ".keel"), runner.uid);
      fs.chownSync(path.join(ws, dir), owner, owner);
      fs.chmodSync(path.join(ws, dir), 0o311);
    }
    const write = (dir: string) =>
      `if printf '${DANGER}' > ${dir}/.keel/config.toml 2>/dev/null; then echo ${dir}=ok; else echo ${dir}=fail; fi`;
    const r = await keelSandbox(
      runner,
      ["--sandbox", "workspace-write", "--", "sh", "-c", `${write("own")}; ${write("foreign")}`],
      { cwd: ws, home },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(parseProbes(r.stdout)).toEqual({ own: "fail", foreign: "fail" });
    for (const dir of ["own", "foreign"]) {
      expect(fs.readFileSync(path.join(ws, dir, ".keel/config.toml"), "utf8")).toBe("# mine\n");
      expect(mode(path.join(ws, dir))).toBe(0o311);
    }
  });
});

describe("a post-run check that fails is a failure of the command", () => {
  it("over the entry limit: reported on the result, without claiming the command did not run", async () => {
    const ws = tempDir("keel-qfail-");
    const stateDir = tempDir("keel-qfail-state-");
    const script = "mkdir -p sub/.keel && echo x > sub/.keel/config.toml && touch $(seq 40)";
    const r = await runScript(ws, stateDir, script, { maxScanEntries: 20 });
    expect(r.setupError).toBeUndefined();
    expect(r.exitCode).toBe(0);
    expect(r.quarantineError).toMatch(
      /^the command ran, but keel could not check the writable roots .* needs more than 20 directory entries/,
    );
    expect(r.quarantineError).not.toMatch(/refusing to run/);
  });

  it("keel sandbox exits 125 with an error line when the check cannot finish", async () => {
    const { ws, home } = project(0);
    fs.mkdirSync(path.join(ws, "deep"));
    try {
      const r = await keelSandbox(ROOT, ["--sandbox", "workspace-write", "--", "sh", "-c", DEEP_TREE], {
        cwd: ws,
        home,
      });
      expect(r.status, r.stderr).toBe(125);
      expect(r.stderr).toMatch(
        /^keel sandbox: error: the command ran, but keel could not check the writable roots .*ENAMETOOLONG/m,
      );
    } finally {
      spawnSync("rm", ["-rf", path.join(ws, "deep")]);
    }
  });
});

describe("a folder that cannot be moved into the quarantine", () => {
  it("is renamed in place to a name keel does not read (a FIFO inside, quarantine on another file system)", async () => {
    const mnt = tempDir("keel-qfail-mnt-");
    const mounted = spawnSync("mount", ["-t", "tmpfs", "tmpfs", mnt]);
    expect(mounted.status, String(mounted.stderr)).toBe(0);
    mounts.push(mnt);
    const ws = path.join(mnt, "ws");
    fs.mkdirSync(ws);
    const stateDir = tempDir("keel-qfail-state-");
    const script = "mkdir -p sub/.keel && echo x > sub/.keel/config.toml && mkfifo sub/.keel/zz";
    const r = await runScript(ws, stateDir, script);
    expect(r.exitCode).toBe(0);
    expect(r.quarantined).toHaveLength(1);
    const [q] = r.quarantined;
    expect(q!.movedTo).toMatch(new RegExp(`^${ws}/sub/\\.keel\\.quarantined-\\S+$`));
    expect(q!.error).toMatch(/FIFO/i);
    expect(fs.existsSync(path.join(ws, "sub/.keel"))).toBe(false);
    expect(fs.readFileSync(path.join(q!.movedTo!, "config.toml"), "utf8")).toBe("x\n");
    // The failed copy was removed; the folder is renamed, so the run is not a failure.
    const left = fs.readdirSync(path.join(stateDir, "quarantine"), { recursive: true, withFileTypes: true });
    expect(left.filter((e) => !e.isDirectory()).map((e) => e.name)).toEqual([]);
    expect(r.quarantineError).toBeUndefined();
  });
});
