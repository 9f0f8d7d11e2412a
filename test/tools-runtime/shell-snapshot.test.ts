import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wrapWithSnapshot } from "../../src/tools/runtime/shell-snapshot/wrap.js";
import type { ToolRouterOptions } from "../../src/tools/runtime/index.js";
import { tempDir } from "../support/tmp.js";
import { configFor, context, functionCall, outputText, router, workspace } from "./support.js";

/** §7: the login shell's state, captured once per session and sourced by `-lc` commands. */

const BASHRC = [
  "export SNAP_RC=from-rc",
  "export KEEL_PROBE_SET=rc-value",
  "export CODEX_THREAD_ID=rc-thread",
  "rc_function() { echo fn; }",
  "",
].join("\n");

function setup(
  options: Partial<ToolRouterOptions> = {},
  extraEnv: (home: string) => Record<string, string> = () => ({}),
) {
  const ws = workspace();
  fs.writeFileSync(path.join(ws.home, ".bashrc"), BASHRC);
  const r = router(ws, {
    env: {
      PATH: process.env.PATH,
      HOME: ws.home,
      TERM: "xterm-parent",
      KEEL_PROBE_SECRET_TOKEN: "s",
      ...extraEnv(ws.home),
    },
    shellEnvironmentPolicy: { set: { KEEL_PROBE_SET: "from-policy" } },
    userShell: "/bin/bash",
    ...options,
  });
  const config = configFor(ws, "never", "workspace-write");
  const t = context(config);
  const call = async (name: string, args: unknown) =>
    outputText(await r.dispatch(functionCall(name, args), t.ctx));
  const dir = path.join(ws.home, "shell_snapshots");
  const files = () => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
  return { ws, r, t, call, dir, files, start: () => r.startSession("thread-1", ws.root, ws.home) };
}

const PROBE = `echo "$TERM|\${SNAP_RC-unset}|$KEEL_PROBE_SET|$CODEX_THREAD_ID|$(type -t rc_function)"`;

describe("shell snapshot", () => {
  it("is taken at session start into a 0600 file, sourced by login commands in the sandbox, and deleted at the end", async () => {
    const { r, call, files, start } = setup();
    start();
    const snapshot = await r.shellSnapshot("thread-1");
    expect(snapshot).not.toBeNull();
    expect(files()).toEqual([path.basename(snapshot!.path)]);
    expect(path.basename(snapshot!.path)).toMatch(/^thread-1\.\d{19,}\.sh$/);
    expect(fs.statSync(snapshot!.path).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(snapshot!.path, "utf8");
    expect(text.startsWith("# Snapshot file\n")).toBe(true);
    expect(text).toContain('declare -x SNAP_RC="from-rc"');
    // Captured with the policy's environment: keel's default excludes hold for the snapshot too.
    expect(text).not.toContain("KEEL_PROBE_SECRET_TOKEN");
    expect(text).not.toMatch(/^declare -x (PWD|OLDPWD)=/m);

    // Login (the default): rc exports arrive through the snapshot and re-export the parent's TERM
    // over the overlay; policy `set` and the thread id win over the rc file; functions do not
    // survive the `exec`.
    expect(await call("exec_command", { cmd: PROBE })).toContain(
      "Output:\nxterm-parent|from-rc|from-policy|thread-1|\n",
    );
    expect(await call("shell_command", { command: PROBE })).toContain("from-rc|from-policy|thread-1|");
    // Not a login shell: no snapshot, the overlay's TERM.
    expect(await call("exec_command", { cmd: PROBE, login: false })).toContain(
      "Output:\ndumb|unset|from-policy|thread-1|\n",
    );
    // Another directory than the session's: run as it is.
    const sub = path.join(snapshot!.cwd, "sub");
    fs.mkdirSync(sub);
    expect(await call("exec_command", { cmd: PROBE, workdir: sub })).toContain("|unset|");

    await r.endSession("thread-1");
    expect(files()).toEqual([]);
  });

  it("works for a POSIX sh user shell too ($ENV, export -p)", async () => {
    const { ws, r, call, start } = setup({ userShell: "/bin/sh" }, (home) => ({
      ENV: path.join(home, "shrc"),
    }));
    fs.writeFileSync(path.join(ws.home, "shrc"), "export SNAP_SH='it''s here'\nalias ll='ls -l'\n");
    start();
    const snapshot = await r.shellSnapshot("thread-1");
    expect(fs.readFileSync(snapshot!.path, "utf8")).toContain("alias ll=");
    expect(await call("exec_command", { cmd: "echo $SNAP_SH" })).toContain("Output:\nits here\n");
    await r.endSession("thread-1");
  });

  // .ci/run installs zsh; a machine without it skips this one.
  it.runIf(fs.existsSync("/usr/bin/zsh"))("works for a zsh user shell (.zshrc, typeset -x)", async () => {
    const { ws, r, call, start } = setup({ userShell: "/usr/bin/zsh" });
    fs.writeFileSync(
      path.join(ws.home, ".zshrc"),
      "export SNAP_ZSH='from zshrc'\nexport KEEL_PROBE_SET=rc-value\nalias zl='ls -l'\n",
    );
    start();
    const snapshot = await r.shellSnapshot("thread-1");
    expect(snapshot).not.toBeNull();
    const text = fs.readFileSync(snapshot!.path, "utf8");
    expect(text).toContain("SNAP_ZSH");
    expect(text).not.toContain("KEEL_PROBE_SECRET_TOKEN");
    // The rc's export arrives; the policy's `set` still wins over the rc file.
    expect(await call("exec_command", { cmd: 'echo "$SNAP_ZSH|$KEEL_PROBE_SET"' })).toContain(
      "Output:\nfrom zshrc|from-policy\n",
    );
    await r.endSession("thread-1");
  });

  it("a sandboxed command cannot rewrite the snapshot that unsandboxed commands source", async () => {
    const { r, t, call, start } = setup();
    start();
    const snapshot = await r.shellSnapshot("thread-1");
    const before = fs.readFileSync(snapshot!.path, "utf8");
    const reply = await call("exec_command", { cmd: `echo 'export PLANTED=1' >> '${snapshot!.path}'` });
    expect(reply).not.toContain("Process exited with code 0");
    expect(fs.readFileSync(snapshot!.path, "utf8")).toBe(before);
    // The user's own command runs outside the sandbox and sources the file: nothing was planted.
    expect((await r.runUserShell(`echo \${PLANTED-none}`, "call_u", t.ctx)).output).toBe("none\n");
    await r.endSession("thread-1");
  });

  it("the user's own command sources it too", async () => {
    const { r, t, start } = setup();
    start();
    await r.shellSnapshot("thread-1");
    expect((await r.runUserShell("echo $SNAP_RC", "call_u", t.ctx)).output).toBe("from-rc\n");
    await r.endSession("thread-1");
  });

  it("is not taken with allow_login_shell = false or [features] shell_snapshot = false", async () => {
    for (const options of [{ allowLoginShell: false }, { shellSnapshot: false }]) {
      const { r, call, files, start } = setup(options);
      start();
      expect(await r.shellSnapshot("thread-1")).toBeNull();
      expect(files()).toEqual([]);
      expect(await call("exec_command", { cmd: PROBE })).toContain("|unset|from-policy|thread-1|");
    }
  });

  it("a session that ends while the capture still runs leaves no file and no process", async () => {
    const { ws, r, files, start } = setup();
    const flag = path.join(ws.home, "never");
    fs.writeFileSync(path.join(ws.home, ".bashrc"), `while [ ! -e '${flag}' ]; do sleep 0.05; done\n`);
    start();
    await r.endSession("thread-1");
    expect(await r.shellSnapshot("thread-1")).toBeNull();
    expect(files()).toEqual([]);
    // The capture ran in the workspace: nothing may still have it as its working directory.
    const inWorkspace = () =>
      fs
        .readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return fs.readlinkSync(`/proc/${p}/cwd`) === ws.root;
          } catch {
            return false;
          }
        });
    for (let i = 0; i < 50 && inWorkspace().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(inWorkspace()).toEqual([]);
  });

  it("removes other sessions' snapshots older than three days at start, keeps recent ones", async () => {
    const { r, dir, files, start } = setup();
    fs.mkdirSync(dir, { recursive: true });
    const old = path.join(dir, "gone.1.sh");
    const recent = path.join(dir, "other.2.sh");
    fs.writeFileSync(old, "# Snapshot file\n");
    fs.writeFileSync(recent, "# Snapshot file\n");
    const fourDaysAgo = (Date.now() - 4 * 24 * 3600 * 1000) / 1000;
    fs.utimesSync(old, fourDaysAgo, fourDaysAgo);
    start();
    const snapshot = await r.shellSnapshot("thread-1");
    expect(files().sort()).toEqual([path.basename(snapshot!.path), "other.2.sh"].sort());
    await r.endSession("thread-1");
  });

  it("a capture that fails is dropped: commands run without it", async () => {
    const { ws, r, call, files, start } = setup();
    // An rc file that ends the shell before anything is printed.
    fs.writeFileSync(path.join(ws.home, ".bashrc"), "export SNAP_RC=x\nexit 3\n");
    start();
    expect(await r.shellSnapshot("thread-1")).toBeNull();
    expect(files()).toEqual([]);
    expect(await call("exec_command", { cmd: `echo \${SNAP_RC-unset}` })).toContain("Output:\nunset\n");
  });
});

describe("wrapWithSnapshot", () => {
  it("keeps any script, its quotes and trailing arguments intact, and restores overrides", () => {
    const dir = tempDir("keel-snapwrap-");
    const snap = path.join(dir, "s.sh");
    fs.writeFileSync(
      snap,
      "# Snapshot file\nexport FROM_SNAP=snap\nexport OVERRIDE=snap\nexport GONE=snap\n",
    );
    const snapshot = { path: snap, cwd: dir };
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme-ascii", maxLength: 30 }),
        fc.string({ maxLength: 10 }),
        (s, arg) => {
          fc.pre(!s.includes("\0") && !arg.includes("\0"));
          const argv = [
            "/bin/bash",
            "-lc",
            `printf "%s|%s|%s|%s|%s" "$FROM_SNAP" "$OVERRIDE" "\${GONE-unset}" "$0" "$1"`,
            "zero",
            arg,
          ];
          const wrapped = wrapWithSnapshot(argv, dir, snapshot, "/bin/sh", ["OVERRIDE", "GONE", "bad-name"]);
          expect(wrapped.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
          const out = spawnSync(wrapped[0]!, wrapped.slice(1), {
            cwd: dir,
            env: { PATH: process.env.PATH, OVERRIDE: s },
            encoding: "utf8",
          });
          expect(out.stdout).toBe(`snap|${s}|unset|zero|${arg}`);
        },
      ),
      { numRuns: 10 },
    );
    // Only `-lc` commands in the snapshot's cwd.
    expect(wrapWithSnapshot(["/bin/bash", "-c", "x"], dir, snapshot, "/bin/sh", [])).toEqual([
      "/bin/bash",
      "-c",
      "x",
    ]);
    expect(wrapWithSnapshot(["/bin/bash", "-lc", "x"], "/", snapshot, "/bin/sh", [])).toEqual([
      "/bin/bash",
      "-lc",
      "x",
    ]);
    expect(wrapWithSnapshot(["/bin/bash", "-lc", "x"], `${dir}/.`, snapshot, "/bin/sh", [])[1]).toBe("-c");
  });
});
