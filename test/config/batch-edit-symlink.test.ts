import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { applyConfigEdits } from "../../src/config/batch-edit.js";
import { tempDir } from "../support/tmp.js";

/** config/batchWrite on a config.toml that is a symlink (dotfiles): the link's target is edited. */
describe("applyConfigEdits through a symlinked config.toml", () => {
  it("keeps the link and writes the file it points to", () => {
    const home = tempDir("keel-batch-home-");
    const dotfiles = tempDir("keel-dotfiles-");
    const real = path.join(dotfiles, "config.toml");
    fs.writeFileSync(real, 'model = "kept"\n');
    fs.symlinkSync(path.relative(home, real), path.join(home, "config.toml"));

    applyConfigEdits(home, [
      { keyPath: "hooks.state.k.trusted_hash", value: "sha256:x", mergeStrategy: "upsert" },
    ]);

    expect(fs.lstatSync(path.join(home, "config.toml")).isSymbolicLink()).toBe(true);
    const text = fs.readFileSync(real, "utf8");
    expect(text).toContain('model = "kept"');
    expect(text).toContain('trusted_hash = "sha256:x"');
  });
});
