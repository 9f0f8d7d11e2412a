import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPathPrefix, normalizeExistingAncestors } from "../../src/permissions/index.js";
import type { RequestedPermissions } from "../../src/protocol/events.js";
import type { FileSystemSandboxPolicy } from "../../src/protocol/permissions.js";
import { runSandboxed } from "../../src/sandbox/runner.js";
import { WriteAccess } from "../../src/tools/runtime/path-access.js";
import { enforceableGrant, withGrants } from "../../src/tools/runtime/permission-grants.js";
import { tempDir } from "../support/tmp.js";

/**
 * A `request_permissions` write grant becomes the most specific entry for its path, so one naming a
 * protected folder would open it. Such grants are dropped, however they are spelled: directly, with
 * `..`, through a symlink, or through a symlink planted after the grant.
 */

/** A workspace with a repository, config folders, a worktree and links into them, and a KEEL_HOME. */
function tree() {
  const top = tempDir("keel-grant-guard-");
  const ws = path.join(top, "ws");
  const home = path.join(top, "home");
  const main = path.join(top, "main");
  const wt = path.join(top, "wt");
  for (const dir of [
    path.join(ws, ".git", "hooks"),
    path.join(ws, ".keel"),
    path.join(ws, "sub", ".agents"),
    path.join(home, "rules"),
    path.join(main, ".git", "worktrees", "wt"),
    wt,
  ])
    fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(wt, ".git"), `gitdir: ${path.join(main, ".git", "worktrees", "wt")}\n`);
  fs.symlinkSync(path.join(ws, ".git"), path.join(ws, "link"));
  fs.symlinkSync(path.join(ws, ".git", "hooks"), path.join(top, "hooks"));
  fs.symlinkSync(path.join(main, ".git", "worktrees", "wt"), path.join(ws, "gitdir"));
  const policy: FileSystemSandboxPolicy = {
    kind: "restricted",
    entries: [
      { path: { type: "special", value: { kind: "root" } }, access: "read" },
      { path: { type: "path", path: ws }, access: "write" },
      { path: { type: "path", path: wt }, access: "write" },
    ],
    glob_scan_max_depth: null,
  };
  // Paths no grant may make writable.
  const protectedTargets = [
    path.join(ws, ".git", "config"),
    path.join(ws, ".git", "hooks", "pre-commit"),
    path.join(ws, ".keel", "config.toml"),
    path.join(ws, "sub", ".agents", "skill.md"),
  ];
  // Folders no grant entry may name or lie in. A grant of an ancestor is not one: the sandbox keeps
  // KEEL_HOME read-only below any writable root, and another repository's metadata below a
  // granted folder is ordinary work there, as it is below any writable root.
  const protectedFolders = [home, path.join(main, ".git", "worktrees", "wt")];
  return { top, ws, home, wt, policy, protectedTargets, protectedFolders };
}

/** The paths of the entries `withGrants` added to `base`. */
function added(fsPolicy: FileSystemSandboxPolicy, base: FileSystemSandboxPolicy): string[] {
  if (fsPolicy.kind !== "restricted" || base.kind !== "restricted") return [];
  return fsPolicy.entries
    .slice(base.entries.length)
    .flatMap((e) => (e.path.type === "path" ? [e.path.path] : []));
}

const SEGMENTS = [
  "ws",
  "home",
  "wt",
  "main",
  ".git",
  "hooks",
  "worktrees",
  "link",
  "gitdir",
  ".keel",
  "sub",
  ".agents",
  "rules",
  "..",
  ".",
  "plain",
];

describe("request_permissions grants never loosen a protected path", () => {
  it("for any write grant, the effective profile keeps every protected path read-only (property)", () => {
    const t = tree();
    const grantPath = fc
      .array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 5 })
      .map((parts) => path.resolve(t.top, ...parts));
    fc.assert(
      fc.property(fc.array(grantPath, { minLength: 1, maxLength: 4 }), (write) => {
        const grant: RequestedPermissions = { network: null, file_system: { read: null, write } };
        const effective = withGrants({ fs: t.policy, net: "restricted" }, [grant], t.home, t.ws);
        const access = new WriteAccess(effective.fs, t.ws);
        for (const target of t.protectedTargets)
          expect(access.check(target).kind, target).not.toBe("writable");
        for (const e of added(effective.fs, t.policy)) {
          for (const spelling of [e, normalizeExistingAncestors(e)])
            for (const folder of t.protectedFolders)
              expect(isPathPrefix(folder, spelling), spelling).toBe(false);
        }
        // What the model is told is exactly what the profile holds.
        const { kept, refused } = enforceableGrant(grant, { fs: t.policy, cwd: t.ws, keelHome: t.home });
        expect(added(effective.fs, t.policy)).toEqual(kept.file_system?.write ?? []);
        expect(new Set([...(kept.file_system?.write ?? []), ...refused.map((r) => r.path)])).toEqual(
          new Set(write),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("ordinary paths are still granted", () => {
    const t = tree();
    const plain = path.join(t.top, "plain");
    const { kept, refused } = enforceableGrant(
      {
        network: null,
        file_system: { read: [path.join(t.ws, ".git")], write: [plain, path.join(t.ws, "sub")] },
      },
      { fs: t.policy, cwd: t.ws, keelHome: t.home },
    );
    expect(refused).toEqual([]);
    expect(kept.file_system).toEqual({
      read: [path.join(t.ws, ".git")],
      write: [plain, path.join(t.ws, "sub")],
    });
  });

  it("a symlink planted after the grant does not open .git (real bwrap)", async () => {
    const t = tree();
    const later = path.join(t.top, "later");
    const grant: RequestedPermissions = { network: null, file_system: { read: null, write: [later] } };
    // Granted while `later` does not exist...
    expect(enforceableGrant(grant, { fs: t.policy, cwd: t.ws, keelHome: t.home }).refused).toEqual([]);
    // ...then a command makes it a link into the repository before the next command runs.
    fs.symlinkSync(path.join(t.ws, ".git", "hooks"), later);
    const effective = withGrants({ fs: t.policy, net: "restricted" }, [grant], t.home, t.ws);
    const r = await runSandboxed({
      argv: ["sh", "-c", `touch ${later}/pre-commit 2>/dev/null && echo wrote || echo refused`],
      cwd: t.ws,
      fs: effective.fs,
      net: effective.net,
      env: { PATH: "/usr/bin:/bin" },
      keelHome: t.home,
      stateDir: path.join(tempDir("keel-state-"), "sandbox"),
    });
    expect(r.setupError).toBeUndefined();
    expect(String(r.stdout)).toBe("refused\n");
    expect(fs.readdirSync(path.join(t.ws, ".git", "hooks"))).toEqual([]);
  });
});
