import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ResidueRegistry } from "../../src/sandbox/linux/residue.js";
import type { SandboxPlan } from "../../src/sandbox/plan.js";
import { runSandboxed } from "../../src/sandbox/runner.js";
import { tempDir } from "../support/tmp.js";
import { keelSandbox, parseProbes, ROOT } from "./cli-support.js";
import { makeTree, workspacePlan } from "./support.js";

const ENV = { PATH: "/usr/local/bin:/usr/bin:/bin" };

type RunParams = Parameters<typeof runSandboxed>[0];

/** A workspace and a state dir; `run(argv, more)` runs there under the workspace plan unless `more` overrides. */
function setup(extra: Partial<SandboxPlan> = {}) {
  const ws = tempDir();
  const stateDir = tempDir("keel-state-");
  const plan = workspacePlan(ws, {}, extra);
  const run = (argv: string[], more: Partial<RunParams> = {}) =>
    runSandboxed({ argv, cwd: ws, plan, env: ENV, stateDir, ...more });
  return { ws, run };
}

function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Polls (no timing assertion: a slow machine only makes it wait longer). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for: ${what}`);
}

describe("runSandboxed", () => {
  it("passes the exit status and output through", async () => {
    const { run } = setup();
    const r = await run(["sh", "-c", "echo out; echo err >&2; exit 7"]);
    expect(r).toMatchObject({
      exitCode: 7,
      stdout: "out\n",
      stderr: "err\n",
      sandboxed: true,
      timedOut: false,
    });
    expect(r.setupError).toBeUndefined();
  });

  it("flags likely sandbox denials, and only failed sandboxed commands", async () => {
    const { run } = setup();
    const denied = await run(["sh", "-c", "echo x > /etc/keel-x"]);
    expect(denied.exitCode).not.toBe(0);
    expect(denied.sandboxDenied).toBe(true);
    const plainFailure = await run(["sh", "-c", "exit 3"]);
    expect(plainFailure.sandboxDenied).toBe(false);
  });

  it("kills the whole process tree on timeout, background children included", async () => {
    const { run } = setup();
    const marker = `${1000 + Math.floor(Math.random() * 1000)}.${process.pid}`;
    const r = await run(["sh", "-c", `sleep ${marker} & sh -c 'sleep ${marker}' & sleep ${marker}`], {
      timeoutMs: 500,
    });
    expect(r.timedOut).toBe(true);
    expect(r.setupError).toBeUndefined();
    await eventually(() => processesWith(`sleep\0${marker}`).length === 0, "sleeps to be gone");
  });

  it("does not let a background child outlive the command", async () => {
    const { run } = setup();
    const marker = `${2000 + Math.floor(Math.random() * 1000)}.${process.pid}`;
    const r = await run(["sh", "-c", `sleep ${marker} & echo started`]);
    expect(r.stdout).toBe("started\n");
    await eventually(() => processesWith(`sleep\0${marker}`).length === 0, "background sleep to be gone");
  });

  it("aborts on signal", async () => {
    const { run } = setup();
    const controller = new AbortController();
    const pending = run(["sh", "-c", "echo ready; exec sleep 600"], {
      signal: controller.signal,
      onStdout: () => controller.abort(),
    });
    const r = await pending;
    expect(r.aborted).toBe(true);
    expect(r.exitCode).toBeNull();
  });

  it("refuses to run when bubblewrap is missing, and says how to fix it", async () => {
    const { ws, run } = setup();
    const r = await run(["sh", "-c", "touch ran"], { bwrapPath: "/nonexistent/bwrap" });
    expect(r.setupError).toMatch(/bubblewrap is not installed/);
    expect(r.setupError).toMatch(/apt install bubblewrap/);
    expect(r.setupError).toMatch(/refuses to run commands without the sandbox/);
    expect(r.exitCode).toBeNull();
    expect(fs.existsSync(path.join(ws, "ran"))).toBe(false);
  });

  it("reports bubblewrap's own failures as setup errors, not as the command's failure", async () => {
    const { ws, run } = setup();
    // restricted reads that do not include the working directory: bwrap cannot chdir
    const plan = workspacePlan(
      ws,
      {},
      {
        read: { kind: "restricted", roots: [], includePlatformDefaults: true },
        write: { kind: "roots", roots: [] },
      },
    );
    const r = await run(["true"], { plan });
    expect(r.setupError).toMatch(/could not be set up: bwrap: Can't chdir/);
    expect(r.exitCode).toBeNull();
    expect(r.sandboxDenied).toBe(false);
  });

  it("reports a missing program as exit 127 inside the sandbox", async () => {
    const { run } = setup();
    const r = await run(["no-such-program-xyz"]);
    expect(r.setupError).toBeUndefined();
    expect(r.exitCode).toBe(127);
  });

  it("danger-full-access is the only unsandboxed path", async () => {
    const { ws, run } = setup();
    const status = "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status | tr -s '\\t ' ' '";
    const danger = workspacePlan(ws, {}, { write: { kind: "full" }, network: "enabled" });
    const open = await run(["sh", "-c", status], { plan: danger });
    expect(open.sandboxed).toBe(false);
    expect(open.stdout).toContain("Seccomp: 0");
    const fullWriteOffline = workspacePlan(ws, {}, { write: { kind: "full" } });
    const closed = await run(["sh", "-c", status], { plan: fullWriteOffline });
    expect(closed.sandboxed).toBe(true);
    expect(closed.stdout).toContain("NoNewPrivs: 1");
    expect(closed.stdout).toContain("Seccomp: 2");
  });

  it("merged masks hold under real bubblewrap: whole and mostly-denied directories", async () => {
    const { ws, run } = setup();
    const entries = ["src/a.ts", "mixed/README.md", "mixed/sub/inner.txt"];
    for (let i = 0; i < 6; i++) entries.push(`all/k${i}.pem`, `mixed/k${i}.pem`);
    makeTree(ws, entries);
    fs.symlinkSync("k0.pem", path.join(ws, "mixed/link"));
    const plan = workspacePlan(ws, { globs: [`${ws}/**/*.pem`] });
    const script = `p() { n=$1; shift; if "$@" >/dev/null 2>&1; then echo "$n=ok"; else echo "$n=fail"; fi; }
p all_key cat all/k0.pem
p all_list ls all
p mixed_key cat mixed/k1.pem
p mixed_link cat mixed/link
p mixed_readme cat mixed/README.md
p mixed_inner cat mixed/sub/inner.txt
p mixed_write_inner sh -c 'echo x >> mixed/sub/inner.txt'
p src cat src/a.ts`;
    const r = await run(["sh", "-c", script], { plan, maskLimits: { exactBudget: 2 } });
    expect(r.setupError).toBeUndefined();
    expect(parseProbes(r.stdout)).toEqual({
      all_key: "fail",
      all_list: "fail",
      mixed_key: "fail",
      mixed_link: "fail",
      mixed_readme: "ok",
      mixed_inner: "ok",
      mixed_write_inner: "ok",
      src: "ok",
    });
    expect(r.stdout).not.toContain("content of");
    expect(fs.readFileSync(path.join(ws, "mixed/sub/inner.txt"), "utf8")).toBe(
      "content of mixed/sub/inner.txt\nx\n",
    );
  });

  it("keeps a shared placeholder while another sandbox still mounts on it", async () => {
    const { ws, run } = setup();
    const plan = workspacePlan(ws);
    plan.write = { kind: "roots", roots: [{ root: ws, readOnlySubpaths: [`${ws}/.codex`] }] };
    const script =
      "touch a-started; while [ ! -e b-done ]; do sleep 0.05; done; mkdir -p .codex/sub; echo rc=$?";
    const a = run(["sh", "-c", script], { plan });
    await eventually(() => fs.existsSync(path.join(ws, "a-started")), "sandbox A to start");
    const b = await run(["true"], { plan });
    expect(b.exitCode).toBe(0);
    expect(fs.existsSync(path.join(ws, ".codex"))).toBe(true); // A still mounts on it
    fs.writeFileSync(path.join(ws, "b-done"), "");
    const resultA = await a;
    expect(resultA.stdout).not.toContain("rc=0");
    expect(fs.existsSync(path.join(ws, ".codex"))).toBe(false);
  });
  it("keeps a placeholder another keel home's sandbox mounts on: its protection is not detached", async () => {
    const { ws, run } = setup();
    const plan = workspacePlan(ws);
    plan.write = { kind: "roots", roots: [{ root: ws, readOnlySubpaths: [`${ws}/.codex`] }] };
    const otherState = tempDir("keel-state-");
    // A (its own state dir) makes the placeholder; B (another KEEL_HOME) starts on it and
    // outlives A. Removing it on the host when A ends would unmount B's read-only .codex.
    const a = run(["sh", "-c", "touch a-started; while [ ! -e b-started ]; do sleep 0.05; done"], { plan });
    await eventually(() => fs.existsSync(path.join(ws, "a-started")), "sandbox A to start");
    const b = run(
      [
        "sh",
        "-c",
        "touch b-started; while [ ! -e a-done ]; do sleep 0.05; done; mkdir -p .codex/sub; echo rc=$?",
      ],
      { plan, stateDir: otherState },
    );
    await a;
    fs.writeFileSync(path.join(ws, "a-done"), "");
    const resultB = await b;
    expect(resultB.stdout).not.toContain("rc=0");
    expect(fs.existsSync(path.join(ws, ".codex/sub"))).toBe(false);
    expect(fs.existsSync(path.join(ws, ".codex"))).toBe(false); // B, the last user, removed it
  });
});

describe("residue registry", () => {
  it("cleans placeholders left by a keel process that died", async () => {
    const ws = tempDir();
    const dir = path.join(tempDir("keel-state-"), "residue");
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(path.join(ws, ".codex"));
    fs.mkdirSync(path.join(ws, "kept"));
    fs.writeFileSync(path.join(ws, "kept/file"), "content");
    const dead = {
      pid: 2 ** 22 + 1,
      startTime: "1",
      targets: [],
      created: [[`${ws}/.codex`], [`${ws}/kept`]],
    };
    fs.writeFileSync(path.join(dir, "dead.json"), JSON.stringify(dead));
    expect(await new ResidueRegistry(dir).cleanStale()).toBe(1);
    expect(fs.existsSync(path.join(ws, ".codex"))).toBe(false);
    expect(fs.existsSync(path.join(ws, "kept/file"))).toBe(true); // not an empty placeholder
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe("closeInheritedFds", () => {
  it("closes inherited descriptors without close-on-exec and keeps Node's own", async () => {
    const fd = fs.openSync(tempDir(), "r");
    const script = `
      const { closeInheritedFds } = await import(${JSON.stringify(path.resolve(import.meta.dirname, "../../dist/sandbox/inherited-fds.js"))});
      const closed = closeInheritedFds();
      const fs = await import("node:fs");
      console.log(JSON.stringify({ closed, still: fs.existsSync("/proc/self/fd/20") }));
    `;
    const stdio: (number | "ignore" | "pipe" | "inherit")[] = ["ignore", "pipe", "inherit"];
    while (stdio.length < 20) stdio.push("ignore");
    stdio.push(fd);
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio,
    });
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (c: string) => {
      out += c;
    });
    await new Promise((r) => child.on("close", r));
    fs.closeSync(fd);
    const parsed = JSON.parse(out) as { closed: number[]; still: boolean };
    expect(parsed.closed).toContain(20);
    expect(parsed.still).toBe(false);
  });
});

describe("keel sandbox CLI", () => {
  it("exits 125 with the reason when the sandbox cannot be set up, without running the command", async () => {
    const ws = tempDir();
    const home = tempDir("keel-home-");
    fs.mkdirSync(path.join(ws, "decoy"));
    fs.symlinkSync("decoy", path.join(ws, ".codex"));
    const r = await keelSandbox(ROOT, ["--sandbox", "workspace-write", "--", "sh", "-c", "touch ran"], {
      cwd: ws,
      home,
    });
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/^keel sandbox: cannot keep .*\.codex read-only: .* is a symbolic link/);
    expect(fs.existsSync(path.join(ws, "ran"))).toBe(false);
  });

  it("exits 125 for an invalid permission profile", async () => {
    const ws = tempDir();
    const home = tempDir("keel-home-");
    const r = await keelSandbox(ROOT, ["--permission-profile", "{nope", "--", "true"], { cwd: ws, home });
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/--permission-profile is not valid JSON/);
  });

  it("--explain prints the bwrap arguments and runs nothing", async () => {
    const ws = tempDir();
    const home = tempDir("keel-home-");
    fs.mkdirSync(path.join(ws, ".git"));
    fs.writeFileSync(path.join(ws, ".git", "HEAD"), "ref: refs/heads/main\n");
    // An empty protected folder (perhaps another sandbox's placeholder) is shown by a tmpfs, so
    // the launch does not depend on it still existing when bwrap mounts.
    fs.mkdirSync(path.join(ws, ".agents"));
    const r = await keelSandbox(ROOT, ["--sandbox", "workspace-write", "--explain", "--", "touch", "ran"], {
      cwd: ws,
      home,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("--unshare-user \\\n  --disable-userns \\\n  --cap-drop ALL");
    expect(r.stdout).toContain(`--bind ${ws} ${ws}`);
    expect(r.stdout).toContain(`--ro-bind ${ws}/.git ${ws}/.git`);
    expect(r.stdout).toContain(`--perms 0555 --tmpfs ${ws}/.codex`);
    expect(r.stdout).toContain(`--perms 0555 --tmpfs ${ws}/.agents`);
    expect(r.stdout).not.toContain(`--ro-bind ${ws}/.agents`);
    expect(r.stdout).toContain("--seccomp 3");
    expect(r.stdout).toMatch(/-- touch ran\n$/);
    expect(fs.existsSync(path.join(ws, "ran"))).toBe(false);
  });

  it("passes stdin through and returns the command's exit status", async () => {
    const ws = tempDir();
    const home = tempDir("keel-home-");
    const r = await keelSandbox(ROOT, ["-c", 'sandbox_mode="read-only"', "--", "sh", "-c", "cat; exit 42"], {
      cwd: ws,
      home,
      input: "from stdin\n",
    });
    expect(r.status).toBe(42);
    expect(r.stdout).toBe("from stdin\n");
  });
});
