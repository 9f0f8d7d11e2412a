import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  hasDeniedReadRestrictions,
  hasFullDiskRead,
  hasFullDiskReadAccess,
  hasFullDiskWrite,
  hasFullDiskWriteAccess,
  hasFullNetworkAccess,
  includePlatformDefaults,
  isWritableUnderRoots,
  legacyWritableRootsWithCwd,
  newReadOnly,
  newWorkspaceWrite,
  networkFromLegacy,
  pathEntry,
  protectedNameUnder,
  protectedSubpaths,
  specProtectedSubpaths,
  readableRootsWithCwd,
  restrictedFsPolicy,
  unreadableGlobsWithCwd,
  unreadableRootsWithCwd,
  unrestrictedFsPolicy,
  writableRootsWithCwd,
  externalSandboxFsPolicy,
} from "../../src/permissions/index.js";
import type { SandboxPolicy } from "../../src/protocol/permissions.js";
import { tempDir } from "../support/tmp.js";
import { at, cwdEntry, glob, make, minimal, projectRoots, root, slashTmp, special } from "./helpers.js";

describe("legacy predicates (§1.3)", () => {
  const restrictedRead = { type: "restricted" as const, include_platform_defaults: true, readable_roots: [] };
  it.each<[SandboxPolicy, boolean, boolean, boolean]>([
    [{ type: "danger-full-access" }, true, true, true],
    [{ type: "external-sandbox", network_access: "restricted" }, true, true, false],
    [{ type: "external-sandbox", network_access: "enabled" }, true, true, true],
    [newReadOnly(), true, false, false],
    [{ type: "read-only", access: restrictedRead, network_access: true }, false, false, true],
    [newWorkspaceWrite(), true, false, false],
    [newWorkspaceWrite({ read_only_access: restrictedRead, network_access: true }), false, false, true],
  ])("%j → read %s, write %s, network %s", (policy, read, write, network) => {
    expect(hasFullDiskReadAccess(policy)).toBe(read);
    expect(hasFullDiskWriteAccess(policy)).toBe(write);
    expect(hasFullNetworkAccess(policy)).toBe(network);
    expect(networkFromLegacy(policy)).toBe(network ? "enabled" : "restricted");
  });

  it("lists writable roots in order with .git protected (spec example)", () => {
    const repo = tempDir();
    make(repo, ".git");
    const extra = tempDir();
    const roots = legacyWritableRootsWithCwd(newWorkspaceWrite({ writable_roots: [extra] }), repo, {
      tmpdir: "/var/t",
    });
    expect(roots.map((r) => r.root)).toEqual([extra, repo, "/tmp", "/var/t"]);
    expect(roots[1]!.readOnlySubpaths).toEqual([path.join(repo, ".git")]);
    // Temp dirs live under /tmp, itself a root here: check the cwd root alone.
    expect(isWritableUnderRoots([roots[1]!], path.join(repo, "src/a.ts"))).toBe(true);
    expect(isWritableUnderRoots([roots[1]!], path.join(repo, ".git/config"))).toBe(false);
  });

  it("honours the tmp exclusions, an unset/relative TMPDIR and a relative cwd", () => {
    const errors: string[] = [];
    const policy = newWorkspaceWrite({ exclude_slash_tmp: true });
    expect(legacyWritableRootsWithCwd(policy, "rel", { tmpdir: "x" }, (m) => errors.push(m))).toEqual([]);
    expect(errors).toEqual(["ignoring non-absolute cwd for writable roots: rel"]);
    expect(
      legacyWritableRootsWithCwd(newWorkspaceWrite({ exclude_tmpdir_env_var: true }), "/nx", {
        tmpdir: "/var/t",
      }).map((r) => r.root),
    ).toEqual(["/nx", "/tmp"]);
    expect(legacyWritableRootsWithCwd(newReadOnly(), "/nx")).toEqual([]);
  });
});

describe("specProtectedSubpaths (§2.7, the carve-outs written into legacy-derived policies)", () => {
  it("protects .git dirs, .agents dirs and existing .codex", () => {
    const repo = tempDir();
    make(repo, ".git");
    make(repo, ".agents");
    make(repo, ".codex");
    expect(specProtectedSubpaths(repo, false)).toEqual(
      [".git", ".agents", ".codex"].map((p) => path.join(repo, p)),
    );
  });

  it("protects a missing .codex only when asked, and ignores .agents files", () => {
    const repo = tempDir();
    make(repo, ".agents", "not a dir");
    expect(specProtectedSubpaths(repo, false)).toEqual([]);
    expect(specProtectedSubpaths(repo, true)).toEqual([path.join(repo, ".codex"), path.join(repo, ".keel")]);
  });

  it("follows a gitdir pointer file to the worktree gitdir (checklist 4)", () => {
    const base = tempDir();
    const gitdir = make(base, "main/.git/worktrees/w");
    const worktree = make(base, "w");
    make(worktree, ".git", "gitdir: ../main/.git/worktrees/w\n");
    expect(specProtectedSubpaths(worktree, false)).toEqual([gitdir, path.join(worktree, ".git")]);
    const roots = writableRootsWithCwd(restrictedFsPolicy([cwdEntry("write")]), worktree);
    expect(roots[0]!.readOnlySubpaths).toEqual([
      gitdir,
      path.join(worktree, ".git"),
      path.join(worktree, ".agents"),
      path.join(worktree, ".codex"),
      path.join(worktree, ".keel"),
    ]);
  });

  it("protects a .git file whose pointer target is missing, without the target", () => {
    const repo = tempDir();
    make(repo, ".git", "gitdir: /nonexistent/gitdir");
    expect(specProtectedSubpaths(repo, false)).toEqual([path.join(repo, ".git")]);
  });
});

describe("protectedSubpaths and protectedNameUnder (what keel enforces)", () => {
  it("protects .git, .agents, .codex and .keel in every writable root, existing or not", () => {
    const repo = tempDir();
    expect(protectedSubpaths(repo)).toEqual(
      [".git", ".agents", ".codex", ".keel"].map((p) => path.join(repo, p)),
    );
    const other = tempDir();
    const roots = writableRootsWithCwd(
      restrictedFsPolicy([cwdEntry("write"), pathEntry(other, "write")]),
      repo,
    );
    for (const r of roots) expect(r.readOnlySubpaths).toEqual(protectedSubpaths(r.root));
  });

  it("finds .keel, .codex and .agents at any depth below a root, never .git below the top", () => {
    expect(protectedNameUnder("/r", "/r/a/b/.keel/config.toml")).toBe("/r/a/b/.keel");
    expect(protectedNameUnder("/r", "/r/a/.codex")).toBe("/r/a/.codex");
    expect(protectedNameUnder("/r", "/r/.agents/skills/x/SKILL.md")).toBe("/r/.agents");
    expect(protectedNameUnder("/r", "/r/a/.git/hooks/pre-commit")).toBeNull();
    expect(protectedNameUnder("/r", "/r/a/.keelish/x")).toBeNull();
    expect(protectedNameUnder("/r", "/other/.keel")).toBeNull();
    expect(protectedNameUnder("/r", "/r/.keel/a/.codex/x", "deepest")).toBe("/r/.keel/a/.codex");
    expect(protectedNameUnder("/", "/x/.agents")).toBeNull(); // a writable / is not scanned
  });

  it("a world-writable sticky root (like /tmp): no missing .git placeholder, no nested names", () => {
    const shared = tempDir();
    fs.chmodSync(shared, 0o1777);
    expect(protectedSubpaths(shared)).toEqual(
      [".agents", ".codex", ".keel"].map((p) => path.join(shared, p)),
    );
    expect(protectedNameUnder(shared, path.join(shared, "x/.keel/config.toml"))).toBeNull();
    make(shared, ".git");
    expect(protectedSubpaths(shared)[0]).toBe(path.join(shared, ".git")); // an existing one stays
  });

  it("a nested config folder is not writable unless a more specific writable root names it", () => {
    const repo = tempDir();
    const policy = restrictedFsPolicy([cwdEntry("write")]);
    const roots = writableRootsWithCwd(policy, repo);
    expect(isWritableUnderRoots(roots, path.join(repo, "sub/.keel/config.toml"))).toBe(false);
    expect(isWritableUnderRoots(roots, path.join(repo, "sub/keel/config.toml"))).toBe(true);
    const opened = writableRootsWithCwd(
      restrictedFsPolicy([cwdEntry("write"), pathEntry(path.join(repo, "sub/.keel"), "write")]),
      repo,
    );
    expect(isWritableUnderRoots(opened, path.join(repo, "sub/.keel/config.toml"))).toBe(true);
  });
});

describe("whole-policy predicates (§2.4)", () => {
  it("hasDeniedReadRestrictions counts globs and only restricted policies", () => {
    expect(hasDeniedReadRestrictions(restrictedFsPolicy([root("read"), glob("*.pem")]))).toBe(true);
    expect(hasDeniedReadRestrictions(restrictedFsPolicy([root("read")]))).toBe(false);
    expect(hasDeniedReadRestrictions(unrestrictedFsPolicy())).toBe(false);
  });

  it.each([
    [[root("read")], true],
    [[root("write")], true],
    [[root("read"), glob("*.pem")], false],
    [[root("read"), at("/s", "none")], false],
    [[cwdEntry("write")], false],
  ] as const)("hasFullDiskRead(%j) = %s", (entries, expected) => {
    expect(hasFullDiskRead(restrictedFsPolicy(entries))).toBe(expected);
  });

  it.each([
    [[root("write")], true],
    [[root("write"), root("read")], true],
    [[root("write"), root("none")], false],
    [[root("write"), at("/repo/docs", "read")], false],
    [[root("write"), at("/repo/docs", "read"), at("/repo/docs", "write")], true],
    [[root("write"), at("/repo/docs", "none"), at("/repo/docs", "write")], false],
    [[root("write"), glob("*.pem")], false],
    [[root("write"), minimal("read"), special({ kind: "unknown", path: ":x" }, "none")], true],
    [[root("write"), cwdEntry("read")], false],
    [[root("write"), cwdEntry("read"), projectRoots("write")], true],
    [[root("write"), slashTmp("read"), at("/tmp", "write")], true],
    [[root("write"), at("/", "read")], true],
    [[root("write"), at("/", "none")], false],
    [[root("read")], false],
  ] as const)("hasFullDiskWrite(%j) = %s", (entries, expected) => {
    expect(hasFullDiskWrite(restrictedFsPolicy(entries))).toBe(expected);
  });

  it("treats unrestricted and external-sandbox as full access", () => {
    for (const policy of [unrestrictedFsPolicy(), externalSandboxFsPolicy()]) {
      expect(hasFullDiskRead(policy)).toBe(true);
      expect(hasFullDiskWrite(policy)).toBe(true);
      expect(includePlatformDefaults(policy)).toBe(false);
      expect(writableRootsWithCwd(policy, "/repo")).toEqual([]);
    }
  });

  it("includePlatformDefaults needs a readable minimal entry and no full read (checklist 6)", () => {
    expect(includePlatformDefaults(restrictedFsPolicy([minimal("read"), cwdEntry("write")]))).toBe(true);
    expect(includePlatformDefaults(restrictedFsPolicy([minimal("write")]))).toBe(true);
    expect(includePlatformDefaults(restrictedFsPolicy([minimal("none")]))).toBe(false);
    expect(includePlatformDefaults(restrictedFsPolicy([minimal("read"), root("read")]))).toBe(false);
    expect(includePlatformDefaults(restrictedFsPolicy([cwdEntry("write")]))).toBe(false);
  });

  it("lists readable, unreadable roots and globs", () => {
    const cwd = "/repo";
    const policy = restrictedFsPolicy([
      cwdEntry("write"),
      at("/opt/sdk", "read"),
      at("/opt/sdk", "read"),
      at("/repo/secret", "none"),
      root("none"),
      glob("**/*.env"),
      glob("/abs/*.pem"),
      glob("**/*.env"),
    ]);
    expect(readableRootsWithCwd(policy, cwd)).toEqual(["/repo", "/opt/sdk"]);
    expect(unreadableRootsWithCwd(policy, cwd)).toEqual(["/repo/secret"]);
    expect(unreadableGlobsWithCwd(policy, cwd)).toEqual(["/abs/*.pem", "/repo/**/*.env"]);
    expect(readableRootsWithCwd(restrictedFsPolicy([root("read")]), cwd)).toEqual([]);
  });

  it("dedupes readable roots after symlink normalisation", () => {
    const dir = tempDir();
    const real = make(dir, "real");
    fs.symlinkSync(real, path.join(dir, "link"));
    const policy = restrictedFsPolicy([at(real, "read"), at(path.join(dir, "link"), "read")]);
    expect(readableRootsWithCwd(policy, dir)).toEqual([real]);
  });
});

describe("writableRootsWithCwd with carve-outs (§2.5)", () => {
  it("protects a missing cwd .codex; an explicit entry lifts the carve-out (checklist 3)", () => {
    const repo = tempDir();
    const codex = path.join(repo, ".codex");
    const keel = path.join(repo, ".keel");
    const [git, agents] = [path.join(repo, ".git"), path.join(repo, ".agents")];
    expect(writableRootsWithCwd(restrictedFsPolicy([cwdEntry("write")]), repo)).toEqual([
      { root: repo, readOnlySubpaths: [git, agents, codex, keel] },
    ]);
    const explicit = restrictedFsPolicy([cwdEntry("write"), at(codex, "write")]);
    const roots = writableRootsWithCwd(explicit, repo);
    expect(roots).toEqual([
      { root: repo, readOnlySubpaths: [git, agents, keel] },
      { root: codex, readOnlySubpaths: protectedSubpaths(codex) },
    ]);
    expect(isWritableUnderRoots(roots, path.join(codex, "config.toml"))).toBe(true);
  });

  it("carves out non-writable entries inside a root and splits out more specific write roots", () => {
    const repo = tempDir();
    make(repo, ".git");
    const other = tempDir();
    const policy = restrictedFsPolicy([
      root("read"),
      cwdEntry("write"),
      at(path.join(repo, "docs"), "read"),
      at(path.join(repo, "docs/private"), "none"),
      at(path.join(repo, "docs/private/public"), "write"),
      at(other, "write"),
    ]);
    expect(writableRootsWithCwd(policy, repo)).toEqual([
      {
        root: repo,
        readOnlySubpaths: [
          ...protectedSubpaths(repo),
          path.join(repo, "docs"),
          path.join(repo, "docs/private"),
        ],
      },
      {
        root: path.join(repo, "docs/private/public"),
        readOnlySubpaths: protectedSubpaths(path.join(repo, "docs/private/public")),
      },
      { root: other, readOnlySubpaths: protectedSubpaths(other) },
    ]);
  });

  it("skips write entries that are not writable themselves and dedupes roots", () => {
    const repo = tempDir();
    const policy = restrictedFsPolicy([cwdEntry("write"), projectRoots("write"), at(repo, "none")]);
    expect(writableRootsWithCwd(policy, repo)).toEqual([]);
    const twice = restrictedFsPolicy([cwdEntry("write"), projectRoots("write")]);
    expect(writableRootsWithCwd(twice, repo).map((r) => r.root)).toEqual([repo]);
  });
});
