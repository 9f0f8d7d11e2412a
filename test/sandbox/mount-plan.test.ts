import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SandboxSetupError } from "../../src/sandbox/errors.js";
import { buildBwrapCommand } from "../../src/sandbox/linux/bwrap-command.js";
import { type MountOp, sortMountOps } from "../../src/sandbox/linux/mount-ops.js";
import { tempDir } from "../support/tmp.js";
import { makeTree, showsHostContent, workspacePlan } from "./support.js";

function build(plan: ReturnType<typeof workspacePlan>, limits = {}) {
  const state = tempDir("keel-state-");
  const placeholder = path.join(state, "ph");
  fs.writeFileSync(placeholder, "", { mode: 0 });
  return buildBwrapCommand({ plan, argv: ["true"], placeholder, stateDir: state, limits });
}

const segment = fc.constantFrom("a", "b", "c", "d");
const layer = fc.constantFrom("base", "read", "write", "protect", "deny") as fc.Arbitrary<MountOp["layer"]>;
const opArb: fc.Arbitrary<MountOp> = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), layer, fc.constantFrom("bind", "tmpfs", "mask"))
  .map(([parts, l, kind]) => {
    const dest = `/${parts.join("/")}`;
    if (l === "deny") {
      return kind === "mask"
        ? { kind: "mask-file", layer: "deny", dest }
        : { kind: "tmpfs", layer: "deny", dest, perms: 0, remountRo: false };
    }
    return { kind: "bind", layer: l, src: dest, dest, readOnly: l !== "write" };
  });

describe("mount operation ordering", () => {
  it("never lets a bind of an ancestor (or the same path) follow a deny", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const sorted = sortMountOps(ops);
        sorted.forEach((op, i) => {
          if (op.layer !== "deny") return;
          for (const later of sorted.slice(i + 1)) {
            if (later.kind !== "bind") continue;
            const ancestorOrSelf = later.dest === op.dest || op.dest.startsWith(`${later.dest}/`);
            expect(ancestorOrSelf).toBe(false);
          }
        });
      }),
    );
  });

  it("puts every remount after every mount", () => {
    const ws = tempDir();
    makeTree(ws, ["secrets/k", "a.txt"]);
    const plan = workspacePlan(ws, { paths: [`${ws}/secrets`] });
    plan.write = { kind: "roots", roots: [{ root: ws, readOnlySubpaths: [`${ws}/.codex`] }] };
    const { args } = build(plan);
    const firstRemount = args.indexOf("--remount-ro");
    expect(firstRemount).toBeGreaterThan(args.lastIndexOf("--tmpfs"));
    expect(firstRemount).toBeGreaterThan(args.lastIndexOf("--bind"));
  });
});

describe("deny masks", () => {
  it("masks exact files with the shared placeholder and directories with a 000 tmpfs", () => {
    const ws = tempDir();
    makeTree(ws, [".env", "secrets/k", "src/a.ts"]);
    const { args, stats } = build(workspacePlan(ws, { paths: [`${ws}/secrets`], globs: [`${ws}/**/*.env`] }));
    const joined = args.join(" ");
    expect(joined).toMatch(new RegExp(`--ro-bind \\S+/ph ${ws}/\\.env`));
    expect(joined).toContain(`--perms 0000 --tmpfs ${ws}/secrets`);
    expect(stats.fileMasks).toBe(1);
    expect(stats.dirMasks).toBe(1);
  });

  it("keeps a denied directory traversable (111) when a writable root lies below it", () => {
    const ws = tempDir();
    makeTree(ws, ["deny/inner/x", "deny/other"]);
    const plan = workspacePlan(ws, { paths: [`${ws}/deny`] });
    plan.write = {
      kind: "roots",
      roots: [
        { root: ws, readOnlySubpaths: [] },
        { root: `${ws}/deny/inner`, readOnlySubpaths: [] },
      ],
    };
    const joined = build(plan).args.join(" ");
    expect(joined).toContain(`--perms 0111 --tmpfs ${ws}/deny`);
    expect(joined.indexOf(`--tmpfs ${ws}/deny`)).toBeLessThan(joined.indexOf(`--bind ${ws}/deny/inner`));
  });

  it("refuses a protected path that is a symlink inside a writable root", () => {
    const ws = tempDir();
    makeTree(ws, ["decoy/"]);
    fs.symlinkSync("decoy", path.join(ws, ".codex"));
    const plan = workspacePlan(ws);
    plan.write = { kind: "roots", roots: [{ root: ws, readOnlySubpaths: [`${ws}/.codex`] }] };
    expect(() => build(plan)).toThrow(SandboxSetupError);
    expect(() => build(plan)).toThrow(/symbolic link/);
  });

  it("never replaces /tmp with a private tmpfs: it is the host's, read-only unless writable", () => {
    const ws = tempDir();
    const readOnly = workspacePlan(ws);
    readOnly.write = { kind: "roots", roots: [] };
    const { args, ops } = build(readOnly);
    expect(args.join(" ")).not.toContain("--tmpfs /tmp");
    expect(showsHostContent(ops, "/tmp/some-host-file")).toBe(true);
    const withTmp = workspacePlan(ws);
    withTmp.write = { kind: "roots", roots: [{ root: "/tmp", readOnlySubpaths: [] }] };
    expect(build(withTmp).args.join(" ")).toContain("--bind /tmp /tmp");
  });

  it("adds `--unshare-net` only when the network is restricted", () => {
    const ws = tempDir();
    expect(build(workspacePlan(ws)).args).toContain("--unshare-net");
    expect(build(workspacePlan(ws, {}, { network: "enabled" })).args).not.toContain("--unshare-net");
  });

  it("masks hard links to a denied file found in the writable roots", () => {
    const ws = tempDir();
    makeTree(ws, [".env"]);
    fs.linkSync(path.join(ws, ".env"), path.join(ws, "notes.txt"));
    const { ops, stats } = build(workspacePlan(ws, { globs: [`${ws}/**/*.env`] }));
    expect(stats.hardLinkAliases).toBe(1);
    expect(showsHostContent(ops, `${ws}/notes.txt`)).toBe(false);
  });
});

describe("large deny sets", () => {
  it("collapses 5,000 denied files into a few mounts", () => {
    const ws = tempDir();
    const entries: string[] = ["src/index.ts", "README.md"];
    for (let d = 0; d < 40; d++) for (let f = 0; f < 100; f++) entries.push(`certs/batch${d}/key${f}.pem`);
    // mostly denied: 1,000 keys next to one README each
    for (let d = 0; d < 10; d++) {
      for (let f = 0; f < 100; f++) entries.push(`fixtures/set${d}/k${f}.pem`);
      entries.push(`fixtures/set${d}/README.md`);
    }
    makeTree(ws, entries);
    const { ops, stats } = build(workspacePlan(ws, { globs: [`${ws}/**/*.pem`] }));
    expect(stats.tableScans).toBeLessThan(40);
    expect(stats.collapsedDirs).toBeGreaterThan(0);
    expect(stats.invertedDirs).toBe(10);
    for (const e of entries) expect(showsHostContent(ops, `${ws}/${e}`), e).toBe(!e.endsWith(".pem"));
  });

  it("fails closed with a clear message when masks cannot be merged", () => {
    const ws = tempDir();
    const entries: string[] = [];
    for (let d = 0; d < 30; d++) entries.push(`p${d}/x.env`, `p${d}/a.ts`, `p${d}/b.ts`);
    makeTree(ws, entries);
    const plan = workspacePlan(ws, { globs: [`${ws}/**/*.env`] });
    expect(() => build(plan, { exactBudget: 4, maxTableScans: 20 })).toThrow(/refusing to run/);
    expect(() => build(plan, { exactBudget: 4, maxTableScans: 20 })).toThrow(/Deny the directories/);
  });

  it("never unmasks a denied file and never hides an allowed one (property)", () => {
    const names = fc.constantFrom("a", "b", "x.env", "y.env", "c");
    const filePath = fc.array(names, { minLength: 1, maxLength: 4 }).map((parts) => {
      // only the last component may be a file name with .env, directories keep plain names
      return parts.map((p, i) => (i < parts.length - 1 ? p.replace(".env", "") : p)).join("/");
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(filePath, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 0, max: 3 }),
        (files, budget) => {
          const ws = tempDir();
          // drop paths that would need a file to also be a directory
          const kept = files.filter((f) => !files.some((g) => g !== f && g.startsWith(`${f}/`)));
          makeTree(ws, kept);
          const { ops } = build(workspacePlan(ws, { globs: [`${ws}/**/*.env`] }), { exactBudget: budget });
          for (const f of kept) {
            expect(showsHostContent(ops, `${ws}/${f}`), f).toBe(!f.endsWith(".env"));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
