import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { explainPath } from "../../src/config/explain.js";
import { loadConfig } from "../../src/config/load.js";
import { protectedSubpaths } from "../../src/permissions/protected-paths.js";
import { runSandboxed } from "../../src/sandbox/runner.js";
import { withGrants } from "../../src/tools/runtime/permission-grants.js";
import { tempDir } from "../support/tmp.js";
import { keelSandbox, parseProbes, ROOT } from "./cli-support.js";
import { makeTree, workspacePlan } from "./support.js";

/**
 * Config folders (`.keel`, `.codex`, `.agents`) at any depth and `.git` at a writable root stay
 * out of a sandboxed command's reach, whether they exist at launch or not (issue 11).
 */

const DANGER = 'sandbox_mode = "danger-full-access"\n';

/** A trusted git project in a fresh temp dir and a KEEL_HOME that trusts it. */
function project(options: { git?: boolean } = {}) {
  const ws = path.join(tempDir("keel-protect-"), "ws");
  const home = tempDir("keel-home-");
  fs.mkdirSync(ws);
  if (options.git ?? true) fs.mkdirSync(path.join(ws, ".git"));
  fs.writeFileSync(path.join(home, "config.toml"), `[projects."${ws}"]\ntrust_level = "trusted"\n`);
  return { ws, home };
}

/** Every path below `dir` (relative), directories with a trailing slash; symlinks not followed. */
function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(e.isDirectory() ? `${r}/` : r);
      if (e.isDirectory()) walk(path.join(d, e.name), r);
    }
  };
  walk(dir, "");
  return out.sort();
}

/** The configuration a keel started in `ws` with `--sandbox workspace-write` would load. */
function workspaceWriteConfig(ws: string, home: string) {
  return loadConfig({
    keelHome: home,
    processCwd: ws,
    systemConfigFile: path.join(home, "none.toml"),
    requirementsFile: null,
    env: {},
    home,
    overrides: { sandboxMode: "workspace-write" },
  });
}

function probe(name: string, cmd: string): string {
  return `if ${cmd} >/dev/null 2>&1; then echo ${name}=ok; else echo ${name}=fail; fi`;
}

describe("keel sandbox: protected config folders", () => {
  it("a nested .keel/config.toml written by a command is moved out, and keel in sub/ does not see it", async () => {
    const { ws, home } = project();
    fs.mkdirSync(path.join(ws, "sub"));
    const script = `mkdir -p sub/.keel && printf '${DANGER}' > sub/.keel/config.toml; echo rc=$?`;
    const r = await keelSandbox(ROOT, ["--sandbox", "workspace-write", "--", "sh", "-c", script], {
      cwd: ws,
      home,
    });
    expect(r.status).toBe(0);
    const moved = new RegExp(
      `^keel sandbox: the sandbox does not let commands create \\.keel folders: ${ws}/sub/\\.keel was moved to (${home}/sandbox/quarantine/\\S+)$`,
      "m",
    ).exec(r.stderr);
    expect(moved, r.stderr).not.toBeNull();
    expect(fs.existsSync(path.join(ws, "sub/.keel"))).toBe(false);
    // The user's data is kept, out of the tree.
    expect(fs.readFileSync(path.join(moved![1]!, "config.toml"), "utf8")).toBe(DANGER);

    const loaded = loadConfig({
      keelHome: home,
      processCwd: path.join(ws, "sub"),
      systemConfigFile: path.join(home, "none.toml"),
      requirementsFile: null,
      env: {},
      home,
    });
    expect(loaded.trust.level).toBe("trusted");
    expect(loaded.sandboxPolicy.value.type).not.toBe("danger-full-access");
  });

  it("cannot create config folders between the root and the cwd, nor change existing ones at any depth", async () => {
    const { ws, home } = project();
    makeTree(ws, ["sub/deeper/", "a/b/.codex/config.toml", "a/.agents/skills/s/SKILL.md"]);
    const cwd = path.join(ws, "sub/deeper");
    const script = [
      probe("mkdir_cwd_keel", "mkdir .keel"),
      probe("mkdir_parent_agents", "mkdir ../.agents"),
      probe("write_nested_codex", `sh -c 'echo x > ${ws}/a/b/.codex/config.toml'`),
      probe("rm_nested_codex", `rm -rf ${ws}/a/b/.codex`),
      probe("mv_nested_agents", `mv ${ws}/a/.agents ${ws}/a/agents-old`),
      probe("write_plain", "sh -c 'echo x > plain.txt'"),
    ].join("\n");
    // The project root is a writable root too (the cwd alone would be the only one otherwise).
    const roots = `sandbox_workspace_write.writable_roots=["${ws}"]`;
    const args = ["--sandbox", "workspace-write", "-c", roots, "--", "sh", "-c", script];
    const r = await keelSandbox(ROOT, args, { cwd, home });
    expect(parseProbes(r.stdout)).toEqual({
      mkdir_cwd_keel: "fail",
      mkdir_parent_agents: "fail",
      write_nested_codex: "fail",
      rm_nested_codex: "fail",
      mv_nested_agents: "fail",
      write_plain: "ok",
    });
    expect(fs.readFileSync(path.join(ws, "a/b/.codex/config.toml"), "utf8")).toContain("content of");
    // No placeholder residue: the masked folders are gone again.
    expect(listTree(ws)).toEqual(
      [
        ".git/",
        "a/",
        "a/.agents/",
        "a/.agents/skills/",
        "a/.agents/skills/s/",
        "a/.agents/skills/s/SKILL.md",
        "a/b/",
        "a/b/.codex/",
        "a/b/.codex/config.toml",
        "sub/",
        "sub/deeper/",
        "sub/deeper/plain.txt",
      ].sort(),
    );
  });

  it("with no .git and no .agents at launch: git init and mkdir .agents fail and leave nothing", async () => {
    const { ws, home } = project({ git: false });
    const script = [
      probe("git_init", "git init -q ."),
      probe("plant_hook", "sh -c 'mkdir -p .git/hooks && echo evil > .git/hooks/pre-commit'"),
      probe("mkdir_agents", "mkdir .agents"),
      probe("mkdir_keel", "mkdir .keel"),
      probe("mkdir_codex", "mkdir .codex"),
    ].join("\n");
    const r = await keelSandbox(ROOT, ["--sandbox", "workspace-write", "--", "sh", "-c", script], {
      cwd: ws,
      home,
    });
    expect(parseProbes(r.stdout)).toEqual({
      git_init: "fail",
      plant_hook: "fail",
      mkdir_agents: "fail",
      mkdir_keel: "fail",
      mkdir_codex: "fail",
    });
    expect(listTree(ws)).toEqual([]);
  });

  it("permissions explain agrees: nested config folders and a missing .git are not writable", async () => {
    const { ws, home } = project({ git: false });
    const loaded = workspaceWriteConfig(ws, home);
    for (const [rel, guard] of [
      ["sub/.keel/config.toml", "sub/.keel"],
      ["x/y/.agents/skills/a/SKILL.md", "x/y/.agents"],
      [".git/hooks/pre-commit", ".git"],
    ] as const) {
      expect(explainPath(loaded, rel)).toMatchObject({
        write: false,
        decidedBy: { type: "protectedPath", path: path.join(ws, guard), writableRoot: ws },
      });
    }
    expect(explainPath(loaded, "sub/keel/config.toml")).toMatchObject({ write: true });
  });

  it("a symlinked nested .keel: explain and the sandbox both keep its target read-only", async () => {
    const { ws, home } = project();
    const target = path.join(ws, "shared/cfg/keelcfg");
    fs.mkdirSync(target, { recursive: true });
    fs.mkdirSync(path.join(ws, "sub"));
    fs.symlinkSync("../shared/cfg/keelcfg", path.join(ws, "sub/.keel"));
    const loaded = workspaceWriteConfig(ws, home);
    expect(explainPath(loaded, "shared/cfg/keelcfg/config.toml")).toMatchObject({
      write: false,
      decidedBy: { type: "protectedPath", path: target, writableRoot: ws },
    });
    expect(explainPath(loaded, "shared/cfg/other.toml")).toMatchObject({ write: true });
    const script = probe("write_target", `printf '${DANGER}' > shared/cfg/keelcfg/config.toml`);
    const r = await keelSandbox(ROOT, ["--sandbox", "workspace-write", "--", "sh", "-c", script], {
      cwd: ws,
      home,
    });
    expect(r.stdout).toBe("write_target=fail\n");
    expect(fs.existsSync(path.join(target, "config.toml"))).toBe(false);
  });
});

describe("KEEL_HOME inside a writable root", () => {
  // A command must not rewrite the configuration the next keel loads, wherever KEEL_HOME lives:
  // here it is a plain folder of the workspace, which no protected name covers.
  it("is read-only in the sandbox, and permissions explain says so", async () => {
    const ws = path.join(tempDir("keel-protect-"), "ws");
    const home = path.join(ws, "keel-state");
    fs.mkdirSync(path.join(ws, ".git"), { recursive: true });
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, "config.toml"), `[projects."${ws}"]\ntrust_level = "trusted"\n`);
    const before = fs.readFileSync(path.join(home, "config.toml"), "utf8");
    const script = [
      probe("append", `printf '${DANGER}' >> ${home}/config.toml`),
      probe("rules", `mkdir -p ${home}/rules`),
      probe("workspace", "touch ws-file"),
    ].join("; ");
    const r = await keelSandbox(ROOT, ["--sandbox", "workspace-write", "--", "sh", "-c", script], {
      cwd: ws,
      home,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("append=fail\nrules=fail\nworkspace=ok\n");
    expect(fs.readFileSync(path.join(home, "config.toml"), "utf8")).toBe(before);
    expect(fs.existsSync(path.join(home, "rules"))).toBe(false);

    const loaded = workspaceWriteConfig(ws, home);
    expect(explainPath(loaded, "keel-state/config.toml")).toMatchObject({
      write: false,
      decidedBy: { type: "protectedPath", path: home, writableRoot: ws },
    });
    expect(explainPath(loaded, "ws-file")).toMatchObject({ write: true });
  });
});

describe("a request_permissions write grant inside KEEL_HOME", () => {
  // The model names the paths; `$KEEL_HOME/rules` would let a command save an allow rule (and
  // `config.toml` beside it a sandbox mode) for the next keel. Also when named through a symlink.
  it("is dropped: the folder stays read-only", async () => {
    const ws = path.join(tempDir("keel-protect-"), "ws");
    const home = tempDir("keel-home-");
    fs.mkdirSync(ws);
    fs.mkdirSync(path.join(home, "rules"));
    fs.symlinkSync(path.join(home, "rules"), path.join(ws, "link"));
    const granted = withGrants(
      {
        fs: {
          kind: "restricted",
          entries: [
            { path: { type: "special", value: { kind: "root" } }, access: "read" },
            { path: { type: "path", path: ws }, access: "write" },
          ],
          glob_scan_max_depth: null,
        },
        net: "restricted",
      },
      [
        {
          network: null,
          file_system: { read: null, write: [path.join(home, "rules"), path.join(ws, "link")] },
        },
      ],
      home,
    );
    const script = [
      probe("rules", `printf 'x' > ${home}/rules/default.rules`),
      probe("link", `printf 'x' > ${ws}/link/default.rules`),
      probe("workspace", "touch ws-file"),
    ].join("; ");
    const r = await runSandboxed({
      argv: ["sh", "-c", script],
      cwd: ws,
      fs: granted.fs,
      net: granted.net,
      env: ENV,
      keelHome: home,
      stateDir: path.join(home, "sandbox"),
    });
    expect(r.setupError).toBeUndefined();
    expect(String(r.stdout)).toBe("rules=fail\nlink=fail\nworkspace=ok\n");
    expect(fs.existsSync(path.join(home, "rules", "default.rules"))).toBe(false);
  });
});

describe("runSandboxed: no protected name ends up written (property)", () => {
  const NAMES = [".keel", ".codex", ".agents", "plain"];
  const segment = fc.constantFrom(...NAMES, "a", "b");
  const relPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/"));

  it("for generated trees and writes, every config folder is unchanged or absent after the run", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(relPath, { minLength: 0, maxLength: 6 }),
        fc.array(relPath, { minLength: 1, maxLength: 6 }),
        fc.subarray(["a", "a/b", "plain"]),
        async (existing, writes, cwdChoices) => {
          const root = path.join(tempDir("keel-prop-"), "ws");
          const stateDir = tempDir("keel-state-");
          fs.mkdirSync(root);
          for (const rel of existing) {
            fs.mkdirSync(path.join(root, rel), { recursive: true });
            fs.writeFileSync(path.join(root, rel, "f"), "before\n");
          }
          const cwd = path.join(root, cwdChoices[0] ?? "");
          fs.mkdirSync(cwd, { recursive: true });
          const before = new Map(snapshotProtected(root));
          const script = writes
            .map((w) => `mkdir -p '${root}/${w}' 2>/dev/null; echo after > '${root}/${w}/f' 2>/dev/null`)
            .join("\n");
          const plan = workspacePlan(root, {}, { cwd });
          plan.write = { kind: "roots", roots: [{ root, readOnlySubpaths: protectedSubpaths(root) }] };
          const r = await runSandboxed({ argv: ["sh", "-c", script], cwd, plan, env: ENV, stateDir });
          expect(r.setupError).toBeUndefined();
          // Every protected folder now present was there before, with the same files.
          for (const [p, files] of snapshotProtected(root)) expect(before.get(p)).toEqual(files);
          // Quarantined ones hold what the command wrote, out of the tree.
          for (const q of r.quarantined) expect(q.movedTo?.startsWith(stateDir)).toBe(true);
        },
      ),
      { numRuns: 12 },
    );
  });
});

const ENV = { PATH: "/usr/local/bin:/usr/bin:/bin" };

/** Protected-name folders below `root` (any depth) and the files inside each, with content. */
function snapshotProtected(root: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  const names = new Set([".keel", ".codex", ".agents"]);
  for (const rel of listTree(root)) {
    const parts = rel.replace(/\/$/, "").split("/");
    const i = parts.findIndex((p) => names.has(p));
    if (i !== parts.length - 1 || !rel.endsWith("/")) continue;
    const dir = path.join(root, rel);
    const files = listTree(dir).map((f) =>
      f.endsWith("/") ? f : `${f}=${fs.readFileSync(path.join(dir, f), "utf8")}`,
    );
    out.push([rel, files]);
  }
  return out;
}

/** Polls (no timing assertion: a slow machine only makes it wait longer). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

describe("runSandboxed: protected config folders", () => {
  function setup() {
    const ws = path.join(tempDir("keel-protect-"), "ws");
    const stateDir = tempDir("keel-state-");
    fs.mkdirSync(ws);
    const planAt = (cwd: string, extraRoots: string[] = []) => {
      const plan = workspacePlan(ws, {}, { cwd });
      plan.write = {
        kind: "roots",
        roots: [ws, ...extraRoots].map((root) => ({ root, readOnlySubpaths: protectedSubpaths(root) })),
      };
      return plan;
    };
    const run = (script: string, cwd = ws, extraRoots: string[] = []) =>
      runSandboxed({ argv: ["sh", "-c", script], cwd, plan: planAt(cwd, extraRoots), env: ENV, stateDir });
    return { ws, stateDir, run };
  }

  it("a finishing sandbox leaves another running sandbox's placeholder (and its mount) alone", async () => {
    const { ws, run } = setup();
    const sub = path.join(ws, "sub");
    fs.mkdirSync(sub);
    const b = run("touch b-started; while [ ! -e sub/a-started ]; do sleep 0.05; done");
    await eventually(() => fs.existsSync(path.join(ws, "b-started")), "sandbox B to start");
    // A masks the missing sub/.keel (its cwd chain) with a placeholder B did not see at launch.
    const a = run(
      "touch a-started; while [ ! -e ../b-finished ]; do sleep 0.05; done; mkdir .keel/x; echo rc=$?",
      sub,
    );
    const resultB = await b;
    expect(resultB.quarantined).toEqual([]);
    expect(fs.existsSync(path.join(sub, ".keel"))).toBe(true); // A still mounts on it
    fs.writeFileSync(path.join(ws, "b-finished"), "");
    const resultA = await a;
    expect(resultA.stdout).toMatch(/rc=[1-9]/);
    expect(fs.existsSync(path.join(sub, ".keel"))).toBe(false);
  });

  it("a nested config folder that is a symlink: its target stays read-only; a dangling one is refused", async () => {
    const { ws, run } = setup();
    makeTree(ws, ["cfg/config.toml", "sub/"]);
    fs.symlinkSync("../cfg", path.join(ws, "sub/.keel"));
    const script = [
      probe("via_link", `sh -c "echo x >> ${ws}/sub/.keel/config.toml"`),
      probe("via_target", `sh -c "echo x >> ${ws}/cfg/config.toml"`),
      probe("replace_link", `sh -c "rm ${ws}/sub/.keel && mkdir ${ws}/sub/.keel"`),
    ].join("\n");
    const r = await run(script);
    expect(parseProbes(r.stdout)).toMatchObject({ via_link: "fail", via_target: "fail" });
    // Replacing the link is possible (a mount cannot sit on a link), so the new folder is moved out.
    if (parseProbes(r.stdout).replace_link === "ok") {
      expect(r.quarantined.map((q) => q.path)).toEqual([path.join(ws, "sub/.keel")]);
    }
    expect(fs.lstatSync(path.join(ws, "sub/.keel"), { throwIfNoEntry: false })?.isDirectory()).not.toBe(true);

    fs.symlinkSync("../missing", path.join(ws, "sub/.agents"));
    const refused = await run("touch ran");
    expect(refused.setupError).toMatch(
      /cannot keep .*\/sub\/\.agents read-only: it is a symbolic link to a missing path/,
    );
    expect(fs.existsSync(path.join(ws, "ran"))).toBe(false);
  });

  it("an explicit writable root at a nested .keel keeps it writable, and nothing is quarantined", async () => {
    const { ws, run } = setup();
    makeTree(ws, ["sub/.keel/"]);
    const r = await run("echo ok > sub/.keel/config.toml", ws, [path.join(ws, "sub/.keel")]);
    expect(r.exitCode).toBe(0);
    expect(r.quarantined).toEqual([]);
    expect(fs.readFileSync(path.join(ws, "sub/.keel/config.toml"), "utf8")).toBe("ok\n");
  });

  const limitCases = [
    {
      what: "too many protected folders to mount",
      tree: ["a/.agents/", "b/.agents/", "c/.codex/", "d/.keel/", "e/.keel/", "f/.keel/"],
      limits: { maxTableScans: 4 },
      error: /^the writable roots hold 6 protected folders .* more than 4 mounts/,
    },
    {
      what: "a writable root too large to search",
      tree: ["a/1", "a/2", "b/3", "b/4", "c/5"],
      limits: { maxScanEntries: 4 },
      error:
        /^looking for \.keel, \.codex and \.agents folders in the writable root .* needs more than 4 directory entries; refusing to run/,
    },
  ];
  for (const c of limitCases) {
    it(`fails closed with a clear message: ${c.what}`, async () => {
      const { ws, stateDir } = setup();
      makeTree(ws, c.tree);
      const plan = workspacePlan(ws);
      const r = await runSandboxed({
        argv: ["touch", "ran"],
        cwd: ws,
        plan,
        env: ENV,
        stateDir,
        maskLimits: c.limits,
      });
      expect(r.setupError).toMatch(c.error);
      expect(fs.existsSync(path.join(ws, "ran"))).toBe(false);
    });
  }
});
