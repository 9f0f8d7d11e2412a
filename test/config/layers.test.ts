import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadLayerStack, lookupProjectTrust } from "../../src/config/layers.js";
import { setProjectTrust } from "../../src/config/project-trust.js";
import { resolveTrustRoot } from "../../src/config/project.js";
import { readTomlFile } from "../../src/config/toml-file.js";
import { tempDirOutsideProjects as tempDir } from "../support/tmp.js";

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** home, system file, repo (with .git) and repo/sub, each with a project config. */
function fixture() {
  const root = tempDir();
  const home = path.join(root, "home");
  const system = path.join(root, "etc", "config.toml");
  const repo = path.join(root, "repo");
  const sub = path.join(repo, "sub");
  fs.mkdirSync(path.join(repo, ".git"), { recursive: true });
  fs.mkdirSync(sub, { recursive: true });
  write(system, 'model = "system"\nmodel_provider = "system"\n[features]\na = true\n');
  write(path.join(home, "config.toml"), 'model = "user"\n[features]\nb = true\n');
  write(path.join(repo, ".keel", "config.toml"), 'model = "repo"\nmodel_reasoning_effort = "low"\n');
  write(path.join(sub, ".keel", "config.toml"), 'model = "sub"\n');
  return { root, home, system, repo, sub };
}

describe("config layer stack", () => {
  it("lists system, user, project folders root→cwd and session flags, deeper layers winning", () => {
    const f = fixture();
    setProjectTrust(f.home, f.repo, "trusted");
    const stack = loadLayerStack({
      keelHome: f.home,
      cwd: f.sub,
      systemConfigFile: f.system,
      cliOverrides: ["model_reasoning_effort=high"],
    });
    expect(stack.layers.map((l) => l.source)).toEqual([
      { type: "system", file: f.system },
      { type: "user", file: path.join(f.home, "config.toml") },
      { type: "project", dotCodexFolder: path.join(f.repo, ".keel") },
      { type: "project", dotCodexFolder: path.join(f.sub, ".keel") },
      { type: "sessionFlags" },
    ]);
    expect(stack.layers.every((l) => l.disabledReason === null)).toBe(true);
    expect(stack.merged.model).toBe("sub");
    expect(stack.merged.model_provider).toBe("system");
    expect(stack.merged.model_reasoning_effort).toBe("high");
    expect({ ...(stack.merged.features as object) }).toEqual({ a: true, b: true });
    expect(stack.origins.model?.name).toEqual({ type: "project", dotCodexFolder: path.join(f.sub, ".keel") });
    expect(stack.origins["features.a"]?.name.type).toBe("system");
    expect(stack.origins["features.b"]?.name.type).toBe("user");
    expect(stack.origins.model_reasoning_effort?.name).toEqual({ type: "sessionFlags" });
    expect(stack.origins.model?.version).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("each layer beats the one below it", () => {
    const f = fixture();
    const load = () =>
      loadLayerStack({ keelHome: f.home, cwd: f.repo, systemConfigFile: f.system }).merged.model;
    setProjectTrust(f.home, f.repo, "trusted");
    expect(load()).toBe("repo");
    fs.rmSync(path.join(f.repo, ".keel"), { recursive: true });
    expect(load()).toBe("user");
    write(path.join(f.home, "config.toml"), readTomlFileText(f.home).replace('model = "user"\n', ""));
    expect(load()).toBe("system");
  });

  it("-c beats every file layer", () => {
    const f = fixture();
    setProjectTrust(f.home, f.repo, "trusted");
    const stack = loadLayerStack({
      keelHome: f.home,
      cwd: f.sub,
      systemConfigFile: f.system,
      cliOverrides: ["model=cli"],
    });
    expect(stack.merged.model).toBe("cli");
  });

  it("lists but ignores project layers of an undecided project", () => {
    const f = fixture();
    const stack = loadLayerStack({ keelHome: f.home, cwd: f.sub, systemConfigFile: f.system });
    const projects = stack.layers.filter((l) => l.source.type === "project");
    expect(projects).toHaveLength(2);
    const userFile = path.join(f.home, "config.toml");
    for (const layer of projects) {
      expect(layer.disabledReason).toBe(
        `To load project-local config, hooks, and exec policies, add ${f.repo} as a trusted project in ${userFile}.`,
      );
    }
    expect(projects[0]!.config.model).toBe("repo");
    expect(stack.merged.model).toBe("user");
    expect(stack.trust).toEqual({ root: f.repo, key: null, level: null });
  });

  it("gives the untrusted reason for an explicitly untrusted project", () => {
    const f = fixture();
    setProjectTrust(f.home, f.repo, "untrusted");
    const stack = loadLayerStack({ keelHome: f.home, cwd: f.sub, systemConfigFile: f.system });
    const reason = stack.layers.find((l) => l.source.type === "project")!.disabledReason;
    expect(reason).toBe(
      `${f.repo} is marked as untrusted in the effective configuration. To load project-local config, hooks, ` +
        "and exec policies, update its trust setting. If that setting is managed by your organization, contact your administrator.",
    );
    expect(stack.merged.model).toBe("user");
  });

  it("does not let a project layer trust itself, but accepts trust from -c", () => {
    const f = fixture();
    write(
      path.join(f.repo, ".keel", "config.toml"),
      `model = "repo"\n[projects."${f.repo}"]\ntrust_level = "trusted"\n`,
    );
    const untrusted = loadLayerStack({ keelHome: f.home, cwd: f.repo, systemConfigFile: f.system });
    expect(untrusted.merged.model).toBe("user");
    const flagged = loadLayerStack({
      keelHome: f.home,
      cwd: f.repo,
      systemConfigFile: f.system,
      cliOverrides: [`projects."${f.repo}".trust_level="trusted"`],
    });
    expect(flagged.merged.model).toBe("repo");
  });

  it("ignores a malformed project file while the project is untrusted", () => {
    const f = fixture();
    write(path.join(f.repo, ".keel", "config.toml"), "model = = 1\n");
    const stack = loadLayerStack({ keelHome: f.home, cwd: f.repo, systemConfigFile: f.system });
    expect(stack.merged.model).toBe("user");
    setProjectTrust(f.home, f.repo, "trusted");
    expect(() => loadLayerStack({ keelHome: f.home, cwd: f.repo, systemConfigFile: f.system })).toThrow(
      `${path.join(f.repo, ".keel", "config.toml")}:1:9: TOML syntax error`,
    );
  });

  it("names file, line and column on a TOML syntax error", () => {
    const f = fixture();
    write(path.join(f.home, "config.toml"), 'model = "x"\n\nsandbox_mode = "read-only\n');
    expect(() => loadLayerStack({ keelHome: f.home, cwd: f.repo, systemConfigFile: f.system })).toThrow(
      new RegExp(`^${escapeRegExp(path.join(f.home, "config.toml"))}:3:\\d+: TOML syntax error: `),
    );
  });

  it("never treats the keel home itself as a project folder", () => {
    const f = fixture();
    const home = path.join(f.repo, ".keel");
    setProjectTrust(home, f.repo, "trusted");
    const stack = loadLayerStack({ keelHome: home, cwd: f.sub, systemConfigFile: f.system });
    expect(stack.layers.filter((l) => l.source.type === "project").map((l) => l.source)).toEqual([
      { type: "project", dotCodexFolder: path.join(f.sub, ".keel") },
    ]);
  });

  it("treats missing system and user files as empty layers", () => {
    const root = tempDir();
    const stack = loadLayerStack({
      keelHome: path.join(root, "h"),
      cwd: root,
      systemConfigFile: path.join(root, "none"),
    });
    // Codex versions a missing file as the empty table: sha256 of `{}`.
    const empty = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    expect(stack.layers.map((l) => [l.source.type, l.version])).toEqual([
      ["system", empty],
      ["user", empty],
    ]);
    expect(Object.keys(stack.merged)).toEqual([]);
  });
});

describe("project trust lookup", () => {
  it("uses the cwd's entry first, else the git root's", () => {
    const f = fixture();
    const merged = {
      projects: { [f.repo]: { trust_level: "trusted" }, [`${f.sub}/`]: { trust_level: "untrusted" } },
    };
    expect(lookupProjectTrust(merged, f.sub)).toEqual({ root: f.repo, key: `${f.sub}/`, level: "untrusted" });
    expect(lookupProjectTrust(merged, path.join(f.sub, "deeper"))).toEqual({
      root: f.repo,
      key: f.repo,
      level: "trusted",
    });
  });

  it("maps a linked worktree to the main checkout", () => {
    const root = tempDir();
    const main = path.join(root, "main");
    const wt = path.join(root, "wt");
    fs.mkdirSync(path.join(main, ".git", "worktrees", "wt"), { recursive: true });
    write(path.join(main, ".git", "worktrees", "wt", "commondir"), "../..\n");
    write(path.join(wt, ".git"), `gitdir: ${path.join(main, ".git", "worktrees", "wt")}\n`);
    fs.mkdirSync(path.join(wt, "src"));
    expect(resolveTrustRoot(path.join(wt, "src"))).toBe(main);
    // A submodule-style pointer without commondir is its own project.
    write(path.join(root, "sm", ".git"), "gitdir: ../main/.git/modules/sm\n");
    expect(resolveTrustRoot(path.join(root, "sm"))).toBe(path.join(root, "sm"));
    expect(resolveTrustRoot(root)).toBe(null);
  });
});

describe("setProjectTrust", () => {
  it("round-trips through config.toml and keeps other keys", () => {
    const f = fixture();
    setProjectTrust(f.home, f.repo, "untrusted");
    setProjectTrust(f.home, `${f.sub}/../sub`, "trusted");
    setProjectTrust(f.home, f.repo, "trusted");
    const doc = readTomlFile(path.join(f.home, "config.toml")).table!;
    expect(JSON.parse(JSON.stringify(doc))).toEqual({
      model: "user",
      features: { b: true },
      projects: { [f.repo]: { trust_level: "trusted" }, [f.sub]: { trust_level: "trusted" } },
    });
    expect(lookupProjectTrust(doc, f.sub).level).toBe("trusted");
  });

  it("creates the home and file when missing and rejects relative paths", () => {
    const root = tempDir();
    const home = path.join(root, "new-home");
    setProjectTrust(home, "/srv/p", "trusted");
    expect(fs.readFileSync(path.join(home, "config.toml"), "utf8")).toContain('[projects."/srv/p"]');
    expect(() => setProjectTrust(home, "rel", "trusted")).toThrow("project path `rel` must be absolute");
  });
});

function readTomlFileText(home: string): string {
  return fs.readFileSync(path.join(home, "config.toml"), "utf8");
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
