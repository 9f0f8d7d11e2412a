import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildBwrapCommand } from "../../src/sandbox/linux/bwrap-command.js";
import { runSandboxed } from "../../src/sandbox/runner.js";
import { tempDir } from "../support/tmp.js";
import { keelSandbox, ROOT } from "./cli-support.js";
import { workspacePlan } from "./support.js";

/**
 * Folders between a writable root and a protected mount inside it are mount points themselves, so
 * renaming one cannot move the read-only mount aside and put a writable copy at its old path
 * (issue 11, review F2/F4/F5). /tmp is a writable root under workspace-write, so every workspace
 * below a temp folder sits "below another writable root with a folder in between".
 */

const DANGER = 'sandbox_mode = "danger-full-access"\n';
const BUSY = /Device or resource busy/;

function trustingHome(home: string, ws: string): void {
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(home, "config.toml"), `[projects."${ws}"]\ntrust_level = "trusted"\n`);
}

describe("keel sandbox: parents of protected folders cannot be renamed", () => {
  it("F2: renaming the folder above the workspace fails, and the host .git gets no planted hook", async () => {
    const base = tempDir("keel-pin-");
    const ws = path.join(base, "rv/proj");
    fs.mkdirSync(path.join(ws, ".git/hooks"), { recursive: true });
    const home = path.join(tempDir("keel-pin-home-"), "kh");
    trustingHome(home, ws);
    const script =
      `cd ${base} && mv rv rv.old && mkdir -p rv/proj && cp -a rv.old/proj/.git rv/proj/ && ` +
      `printf '#!/bin/sh\\necho HOOK\\n' > rv/proj/.git/hooks/pre-commit; echo rc=$?`;
    const r = await keelSandbox(ROOT, ["--sandbox", "workspace-write", "--", "sh", "-c", script], {
      cwd: ws,
      home,
    });
    expect(r.stderr).toMatch(BUSY);
    expect(fs.existsSync(path.join(base, "rv.old"))).toBe(false);
    expect(fs.readdirSync(path.join(ws, ".git/hooks"))).toEqual([]);
  });

  it("F4: renaming a folder above KEEL_HOME fails, and its config.toml is unchanged", async () => {
    const ws = path.join(tempDir("keel-pin-"), "ws");
    const home = path.join(ws, "state/kh");
    trustingHome(home, ws);
    const before = fs.readFileSync(path.join(home, "config.toml"), "utf8");
    const script = `mv state state.old && mkdir -p state/kh && printf '${DANGER}' > state/kh/config.toml; echo rc=$?`;
    const r = await keelSandbox(ROOT, ["--sandbox", "workspace-write", "--", "sh", "-c", script], {
      cwd: ws,
      home,
    });
    expect(r.stderr).toMatch(BUSY);
    expect(fs.existsSync(path.join(ws, "state.old"))).toBe(false);
    expect(fs.readFileSync(path.join(home, "config.toml"), "utf8")).toBe(before);
  });

  it("F5: the folders above a symlinked nested .keel's target cannot be renamed", async () => {
    const ws = path.join(tempDir("keel-pin-"), "ws");
    fs.mkdirSync(path.join(ws, "shared/cfg/keelcfg"), { recursive: true });
    fs.writeFileSync(path.join(ws, "shared/cfg/keelcfg/config.toml"), "# mine\n");
    fs.mkdirSync(path.join(ws, "sub"));
    fs.symlinkSync("../shared/cfg/keelcfg", path.join(ws, "sub/.keel"));
    const home = path.join(tempDir("keel-pin-home-"), "kh");
    trustingHome(home, ws);
    const script =
      "mv shared/cfg shared/cfg2 && mkdir -p shared/cfg/keelcfg && " +
      `printf '${DANGER}' > shared/cfg/keelcfg/config.toml; echo rc=$?`;
    const r = await keelSandbox(ROOT, ["--sandbox", "workspace-write", "--", "sh", "-c", script], {
      cwd: ws,
      home,
    });
    expect(r.stderr).toMatch(BUSY);
    expect(fs.existsSync(path.join(ws, "shared/cfg2"))).toBe(false);
    expect(fs.readFileSync(path.join(ws, "sub/.keel/config.toml"), "utf8")).toBe("# mine\n");
  });
});

describe("pinned parents never re-expose a mask", () => {
  it("a denied folder between two writable roots stays denied and is not pinned", async () => {
    const base = tempDir("keel-pin-");
    const secret = path.join(base, "secret");
    const inner = path.join(secret, "mid/proj");
    fs.mkdirSync(path.join(inner, ".git"), { recursive: true });
    fs.writeFileSync(path.join(secret, "key.txt"), "hidden\n");
    fs.writeFileSync(path.join(secret, "mid/note.txt"), "hidden too\n");
    const plan = workspacePlan(inner, { paths: [secret] });
    plan.write = {
      kind: "roots",
      roots: [
        { root: base, readOnlySubpaths: [] },
        { root: inner, readOnlySubpaths: [path.join(inner, ".git")] },
      ],
    };
    const stateDir = path.join(tempDir("keel-pin-state-"), "sandbox");
    fs.mkdirSync(stateDir);
    const r = await runSandboxed({
      argv: ["sh", "-c", "cat ../../key.txt ../note.txt; mv ../../../secret ../../../s2; echo done"],
      cwd: inner,
      plan,
      env: { PATH: "/usr/bin:/bin" },
      stateDir,
    });
    expect(r.setupError).toBeUndefined();
    expect(r.stdout).not.toContain("hidden");
    expect(r.stdout).toContain("done");
    expect(fs.existsSync(secret)).toBe(true);
    const built = buildBwrapCommand({ plan, argv: ["true"], placeholder: "/nonexistent", stateDir });
    const writeBinds = built.ops.filter((op) => op.kind === "bind" && !op.readOnly).map((op) => op.dest);
    expect(writeBinds).not.toContain(path.join(secret, "mid"));
  });
});
