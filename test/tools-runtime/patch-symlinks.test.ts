import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeWithoutFollowing } from "../../src/tools/runtime/no-follow-write.js";
import { tempDir } from "../support/tmp.js";
import { configFor, context, functionCall, outputText, router, workspace } from "./support.js";

const patch = (body: string) => `*** Begin Patch\n${body}\n*** End Patch`;
const NEVER =
  "writing there needs approval, but approval required by policy, but AskForApproval is set to Never";

async function applyUnderNever(ws: { root: string; home: string }, body: string) {
  const t = context(configFor(ws, "never", "workspace-write"), ["approved"]);
  const out = outputText(
    await router(ws).dispatch(functionCall("apply_patch", { input: patch(body) }), t.ctx),
  );
  return { out, t };
}

// A sandboxed command may leave a symlink whose target does not exist yet; writing through it
// creates the target, so the target is what the permission check has to judge.
describe("apply_patch and symlinks in the last path component", () => {
  const dangling = [
    {
      what: "Add File through x -> .git/hooks/pre-commit",
      setup: (root: string) => {
        fs.mkdirSync(path.join(root, ".git/hooks"), { recursive: true });
        fs.symlinkSync(".git/hooks/pre-commit", path.join(root, "x"));
      },
      body: "*** Add File: x\n+#!/bin/sh\n+echo pwned",
      link: "x",
      target: ".git/hooks/pre-commit",
      guard: ".git",
    },
    {
      what: "Add File through sub/y -> .keel/config.toml (sub/.keel exists)",
      setup: (root: string) => {
        fs.mkdirSync(path.join(root, "sub/.keel"), { recursive: true });
        fs.symlinkSync(".keel/config.toml", path.join(root, "sub/y"));
      },
      body: "*** Add File: sub/y\n+approval_policy = 'never'",
      link: "sub/y",
      target: "sub/.keel/config.toml",
      guard: "sub/.keel",
    },
    {
      what: "Move to a dangling link into .git/hooks",
      setup: (root: string) => {
        fs.mkdirSync(path.join(root, ".git/hooks"), { recursive: true });
        fs.symlinkSync(".git/hooks/post-merge", path.join(root, "dest"));
      },
      body: "*** Update File: ok.txt\n*** Move to: dest\n@@\n-ok\n+#!/bin/sh",
      link: "dest",
      target: ".git/hooks/post-merge",
      guard: ".git",
    },
    {
      what: "Add File through a dangling link whose parent is itself a dangling link",
      setup: (root: string) => {
        fs.symlinkSync(".agents", path.join(root, "agents-link"));
        fs.mkdirSync(path.join(root, "d"));
        fs.symlinkSync("../agents-link/skills/evil/SKILL.md", path.join(root, "d/z"));
      },
      body: "*** Add File: d/z\n+evil",
      link: "d/z",
      target: ".agents/skills/evil/SKILL.md",
      guard: ".agents",
    },
  ];
  for (const c of dangling) {
    it(`never: ${c.what} is refused and nothing is written at the target`, async () => {
      const ws = workspace({ "ok.txt": "ok\n" });
      c.setup(ws.root);
      const { out, t } = await applyUnderNever(ws, c.body);
      expect(out).toBe(
        `patch rejected: ${path.join(ws.root, c.link)} is inside the protected path ${path.join(ws.root, c.guard)}; ${NEVER}`,
      );
      expect(fs.existsSync(path.join(ws.root, c.target))).toBe(false);
      expect(fs.readFileSync(path.join(ws.root, "ok.txt"), "utf8")).toBe("ok\n");
      expect(t.events).toEqual([]);
    });
  }

  it("never: Update and Delete through a link to a protected file are refused; the file is unchanged", async () => {
    const ws = workspace({ ".git/hooks/post-commit": "safe\n" });
    fs.symlinkSync(".git/hooks/post-commit", path.join(ws.root, "u"));
    fs.symlinkSync(".git/hooks/post-commit", path.join(ws.root, "d"));
    for (const body of ["*** Update File: u\n@@\n-safe\n+evil", "*** Delete File: d"]) {
      const { out } = await applyUnderNever(ws, body);
      expect(out).toMatch(/^patch rejected: .* is inside the protected path .*\/\.git; /);
    }
    expect(fs.readFileSync(path.join(ws.root, ".git/hooks/post-commit"), "utf8")).toBe("safe\n");
    expect(fs.lstatSync(path.join(ws.root, "d")).isSymbolicLink()).toBe(true);
  });

  it("links to ordinary writable files still work: Update and Add write the target, the links stay", async () => {
    const ws = workspace({ "real.txt": "one\n" });
    fs.symlinkSync("real.txt", path.join(ws.root, "alias"));
    fs.symlinkSync("fresh.txt", path.join(ws.root, "pending"));
    const { out } = await applyUnderNever(
      ws,
      "*** Update File: alias\n@@\n-one\n+two\n*** Add File: pending\n+new",
    );
    expect(JSON.parse(out).output).toBe("Success. Updated the following files:\nA pending\nM alias\n");
    expect(fs.readFileSync(path.join(ws.root, "real.txt"), "utf8")).toBe("two\n");
    expect(fs.readFileSync(path.join(ws.root, "fresh.txt"), "utf8")).toBe("new\n");
    expect(fs.lstatSync(path.join(ws.root, "alias")).isSymbolicLink()).toBe(true);
    expect(fs.lstatSync(path.join(ws.root, "pending")).isSymbolicLink()).toBe(true);
  });

  it("Delete of a link to a writable file removes the link, not its target", async () => {
    const ws = workspace({ "real.txt": "keep\n" });
    fs.symlinkSync("real.txt", path.join(ws.root, "alias"));
    const { out } = await applyUnderNever(ws, "*** Delete File: alias");
    expect(JSON.parse(out).output).toBe("Success. Updated the following files:\nD alias\n");
    expect(fs.existsSync(path.join(ws.root, "alias"))).toBe(false);
    expect(fs.readFileSync(path.join(ws.root, "real.txt"), "utf8")).toBe("keep\n");
  });

  it("the final write refuses a last component that became a symlink after the check", async () => {
    const dir = tempDir("keel-nofollow-");
    const victim = path.join(dir, "victim");
    fs.symlinkSync(victim, path.join(dir, "swapped"));
    await expect(writeWithoutFollowing(path.join(dir, "swapped"), "x")).rejects.toThrow(
      /became a symlink after it was checked/,
    );
    expect(fs.existsSync(victim)).toBe(false);
    await writeWithoutFollowing(path.join(dir, "plain"), "y");
    expect(fs.readFileSync(path.join(dir, "plain"), "utf8")).toBe("y");
  });
});
