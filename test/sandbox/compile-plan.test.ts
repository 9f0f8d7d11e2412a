import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  fsFromLegacySandboxPolicy,
  globEntry,
  newReadOnly,
  newWorkspaceWrite,
  pathEntry,
  restrictedFsPolicy,
  specialEntry,
  unrestrictedFsPolicy,
} from "../../src/permissions/index.js";
import { compileSandboxPlan } from "../../src/sandbox/compile-plan.js";
import { isUnrestrictedPlan } from "../../src/sandbox/plan.js";
import { tempDir } from "../support/tmp.js";

describe("compileSandboxPlan", () => {
  it("read-only: full reads, no writable roots, network off", () => {
    const ws = tempDir();
    const plan = compileSandboxPlan(fsFromLegacySandboxPolicy(newReadOnly(), ws, {}), "restricted", ws);
    expect(plan.read).toEqual({ kind: "full" });
    expect(plan.write).toEqual({ kind: "roots", roots: [] });
    expect(plan.network).toBe("restricted");
    expect(isUnrestrictedPlan(plan)).toBe(false);
  });

  it("workspace-write: cwd, /tmp and $TMPDIR writable; .git and a missing .codex protected", () => {
    const ws = tempDir();
    const tmpdir = tempDir("keel-tmpdir-");
    fs.mkdirSync(path.join(ws, ".git"));
    const env = { tmpdir };
    const plan = compileSandboxPlan(
      fsFromLegacySandboxPolicy(newWorkspaceWrite(), ws, env),
      "restricted",
      ws,
      env,
    );
    expect(plan.write.kind).toBe("roots");
    const roots = plan.write.kind === "roots" ? plan.write.roots : [];
    const cwdRoot = roots.find((r) => r.root === ws);
    expect(cwdRoot?.readOnlySubpaths).toEqual(expect.arrayContaining([`${ws}/.git`, `${ws}/.codex`]));
    expect(roots.map((r) => r.root)).toEqual(expect.arrayContaining(["/tmp", tmpdir]));
  });

  it("deny entries: globs resolved against cwd, exact paths, depth kept; reads stay full", () => {
    const ws = tempDir();
    const fsPolicy = restrictedFsPolicy(
      [
        specialEntry({ kind: "root" }, "read"),
        specialEntry({ kind: "current_working_directory" }, "write"),
        globEntry("**/*.env"),
        pathEntry(`${ws}/secrets`, "none"),
      ],
      3,
    );
    const plan = compileSandboxPlan(fsPolicy, "restricted", ws);
    expect(plan.read).toEqual({ kind: "full" });
    expect(plan.denyRead).toEqual({
      paths: [`${ws}/secrets`],
      readableInside: [],
      globs: [`${ws}/**/*.env`],
      globScanMaxDepth: 3,
    });
  });

  it("restricted reads keep the readable roots and the platform-defaults flag", () => {
    const ws = tempDir();
    const fsPolicy = restrictedFsPolicy([
      specialEntry({ kind: "minimal" }, "read"),
      specialEntry({ kind: "current_working_directory" }, "read"),
    ]);
    const plan = compileSandboxPlan(fsPolicy, "restricted", ws);
    expect(plan.read).toEqual({ kind: "restricted", roots: [ws], includePlatformDefaults: true });
  });

  it("danger-full-access is the only unrestricted plan; network on elsewhere hides host control sockets", () => {
    const ws = tempDir();
    expect(isUnrestrictedPlan(compileSandboxPlan(unrestrictedFsPolicy(), "enabled", ws))).toBe(true);
    expect(isUnrestrictedPlan(compileSandboxPlan(unrestrictedFsPolicy(), "restricted", ws))).toBe(false);
    const online = compileSandboxPlan(fsFromLegacySandboxPolicy(newWorkspaceWrite(), ws, {}), "enabled", ws, {
      uid: 0,
    });
    expect(isUnrestrictedPlan(online)).toBe(false);
    for (const p of online.hiddenHostSockets) expect(fs.existsSync(p)).toBe(true);
  });
});
