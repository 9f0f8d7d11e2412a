import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_SCAN_DEPTH, scanRoot } from "../../src/skills/scan.js";
import { loadSkills } from "../../src/skills/loader.js";
import { DEFAULT_SKILLS_SETTINGS } from "../../src/skills/settings.js";
import { tempDir } from "../support/tmp.js";

function skillAt(dir: string, name = path.basename(dir)): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "SKILL.md");
  fs.writeFileSync(file, `---\nname: ${name}\ndescription: ${name} skill\n---\n`);
  return file;
}

describe("skill root scanning (spec skills.md §1)", () => {
  it("goes at most six levels deep and skips hidden entries", async () => {
    const root = tempDir("keel-skills-scan-");
    const levels = Array.from({ length: MAX_SCAN_DEPTH + 1 }, (_, i) => `l${i}`);
    const deepest = skillAt(path.join(root, ...levels.slice(0, MAX_SCAN_DEPTH)));
    skillAt(path.join(root, ...levels));
    skillAt(path.join(root, ".hidden", "x"));
    expect(await scanRoot({ path: root, scope: "user" })).toEqual([deepest]);
  });

  it("follows directory symlinks except in the system root, and survives loops", async () => {
    const root = tempDir("keel-skills-scan-");
    const outside = tempDir("keel-skills-outside-");
    const file = skillAt(path.join(outside, "linked"));
    fs.symlinkSync(outside, path.join(root, "link"));
    fs.symlinkSync(root, path.join(root, "loop"));
    expect(await scanRoot({ path: root, scope: "user" })).toEqual([
      path.join(root, "link", "linked", "SKILL.md"),
    ]);
    expect(await scanRoot({ path: root, scope: "system" })).toEqual([]);
    expect(fs.existsSync(file)).toBe(true);
  });

  it("loads a file reached from two roots once, for the first root; same names are all kept", async () => {
    const keelHome = tempDir("keel-skills-home-");
    const home = tempDir("keel-skills-user-");
    const shared = skillAt(path.join(keelHome, "skills", "shared"));
    fs.mkdirSync(path.join(home, ".agents"), { recursive: true });
    fs.symlinkSync(path.join(keelHome, "skills"), path.join(home, ".agents", "skills"));
    skillAt(path.join(keelHome, "skills", "again"), "shared");
    const cwd = tempDir("keel-skills-cwd-");
    const outcome = await loadSkills(
      { keelHome, home, cwd, adminRoot: null, extraRoots: [] },
      DEFAULT_SKILLS_SETTINGS,
    );
    expect(outcome.skills.map((s) => [s.name, s.path])).toEqual([
      ["shared", path.join(keelHome, "skills", "again", "SKILL.md")],
      ["shared", shared],
    ]);
  });
});
