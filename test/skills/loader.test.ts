import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { skillMetadata } from "../../src/app-server/engine/skills.js";
import { loadSkills } from "../../src/skills/loader.js";
import { DEFAULT_SKILLS_SETTINGS } from "../../src/skills/settings.js";
import { buildSkillTree, listFixture } from "./tree.js";

describe("skill discovery", () => {
  it("finds the fixture tree's skills and errors exactly as Codex lists them (spec §7.1, §7.2)", async () => {
    const tree = buildSkillTree();
    const outcome = await loadSkills(
      { keelHome: tree.keelHome, home: tree.userHome, cwd: tree.cwd, adminRoot: null, extraRoots: [] },
      DEFAULT_SKILLS_SETTINGS,
    );
    const expected = JSON.parse(tree.expand(JSON.stringify(listFixture().result.data[0])));
    const actual = { cwd: tree.cwd, skills: outcome.skills.map(skillMetadata), errors: outcome.errors };
    expect(actual).toEqual(expected);
    expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
  });
});

describe("the parsed-file cache", () => {
  it("serves unchanged files, rereads edited ones and applies each load's enable rules", async () => {
    const tree = buildSkillTree();
    const inputs = {
      keelHome: tree.keelHome,
      home: tree.userHome,
      cwd: tree.cwd,
      adminRoot: null,
      extraRoots: [],
    };
    const cache = new Map();
    const find = (outcome: Awaited<ReturnType<typeof loadSkills>>) =>
      outcome.skills.find((s) => s.name === "homeskill");
    expect(find(await loadSkills(inputs, DEFAULT_SKILLS_SETTINGS, cache))?.description).toBe(
      "skill in ~/.agents/skills",
    );
    const file = path.join(tree.userHome, ".agents/skills/homeskill/SKILL.md");
    fs.writeFileSync(file, "---\nname: homeskill\ndescription: changed\n---\n");
    expect(find(await loadSkills(inputs, DEFAULT_SKILLS_SETTINGS, cache))?.description).toBe("changed");
    const off = { ...DEFAULT_SKILLS_SETTINGS, rules: [{ name: "homeskill", enabled: false }] };
    expect(find(await loadSkills(inputs, off, cache))?.enabled).toBe(false);
    expect(find(await loadSkills(inputs, DEFAULT_SKILLS_SETTINGS, cache))?.enabled).toBe(true);
  });
});
