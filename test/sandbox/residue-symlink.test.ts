import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { removePlaceholderChain } from "../../src/sandbox/linux/residue.js";
import { tempDir } from "../support/tmp.js";
import { keelSandbox, ROOT } from "./cli-support.js";

/**
 * Placeholder cleanup after a command that swapped a folder on a placeholder's path for a symlink:
 * the cleanup must not follow it and remove look-alike empty entries outside the writable roots.
 */
describe("placeholder cleanup and symlinks swapped in by the command", () => {
  it("mv sub sub.x && ln -s <outside> sub: refused, and nothing outside the roots is removed", async () => {
    const base = tempDir("keel-residue-link-");
    const ws = path.join(base, "ws");
    const outside = path.join(base, "outside");
    const home = path.join(base, "home");
    fs.mkdirSync(path.join(ws, ".git"), { recursive: true });
    fs.mkdirSync(path.join(ws, "sub/deep"), { recursive: true });
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, "config.toml"), `[projects."${ws}"]\ntrust_level = "trusted"\n`);
    // Empty entries with the placeholders' names, outside every writable root.
    fs.mkdirSync(path.join(outside, ".agents"), { recursive: true });
    fs.mkdirSync(path.join(outside, ".codex"));
    fs.writeFileSync(path.join(outside, ".keel"), "");
    fs.mkdirSync(path.join(outside, "deep"));

    const roots = `sandbox_workspace_write.writable_roots=["${ws}"]`;
    const script = `cd ${ws} && mv sub sub.x && ln -s ${outside} sub && echo swapped`;
    const r = await keelSandbox(
      ROOT,
      ["--sandbox", "workspace-write", "-c", roots, "--", "sh", "-c", script],
      { cwd: path.join(ws, "sub/deep"), home },
    );
    // `sub` lies above the placeholders of the cwd chain, so it is pinned (a mount point) and the
    // swap itself fails; the cleanup's own guard is tested directly below.
    expect(r.stderr).toMatch(/Device or resource busy/);
    expect(r.stdout).not.toContain("swapped");
    expect(fs.lstatSync(path.join(ws, "sub")).isDirectory()).toBe(true);
    expect(fs.statSync(path.join(outside, ".agents")).isDirectory()).toBe(true);
    expect(fs.statSync(path.join(outside, ".codex")).isDirectory()).toBe(true);
    expect(fs.statSync(path.join(outside, ".keel")).isFile()).toBe(true);
    expect(fs.statSync(path.join(outside, "deep")).isDirectory()).toBe(true);
  });

  it("a chain whose top folder now resolves elsewhere is left alone; an unchanged one is removed", () => {
    const base = tempDir("keel-residue-chain-");
    const ws = path.join(base, "ws");
    const elsewhere = path.join(base, "elsewhere");
    fs.mkdirSync(path.join(ws, "moved/a/.keel"), { recursive: true });
    fs.mkdirSync(path.join(elsewhere, "a/.keel"), { recursive: true });
    fs.mkdirSync(path.join(ws, "kept/b/.keel"), { recursive: true });
    const realWs = fs.realpathSync(ws);
    // `moved` is replaced by a link after the claim: its chain must not be cleaned through it.
    fs.renameSync(path.join(ws, "moved"), path.join(ws, "moved.x"));
    fs.symlinkSync(elsewhere, path.join(ws, "moved"));
    removePlaceholderChain(
      [path.join(ws, "moved/a"), path.join(ws, "moved/a/.keel")],
      path.join(realWs, "moved"),
    );
    expect(fs.existsSync(path.join(elsewhere, "a/.keel"))).toBe(true);
    // A folder in the middle of the chain swapped for a link is caught the same way.
    fs.renameSync(path.join(ws, "kept/b"), path.join(ws, "kept/b.x"));
    fs.symlinkSync(path.join(elsewhere, "a"), path.join(ws, "kept/b"));
    removePlaceholderChain(
      [path.join(ws, "kept/b"), path.join(ws, "kept/b/.keel")],
      path.join(realWs, "kept"),
    );
    expect(fs.existsSync(path.join(elsewhere, "a/.keel"))).toBe(true);
    expect(fs.lstatSync(path.join(ws, "kept/b")).isSymbolicLink()).toBe(true);
    // Untouched chain: removed bottom-up as before.
    fs.mkdirSync(path.join(ws, "plain/c/.keel"), { recursive: true });
    removePlaceholderChain(
      [path.join(ws, "plain/c"), path.join(ws, "plain/c/.keel")],
      path.join(realWs, "plain"),
    );
    expect(fs.existsSync(path.join(ws, "plain/c"))).toBe(false);
    expect(fs.existsSync(path.join(ws, "plain"))).toBe(true);
  });
});
