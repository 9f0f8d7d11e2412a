import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { appendSkillConfigEntry } from "../../src/config/skills-edit.js";
import { skillEnabled, skillsSettingsFromToml } from "../../src/skills/settings.js";
import { tempDir } from "../support/tmp.js";

describe("[skills] settings (spec skills.md §3)", () => {
  it("reads include_instructions, bundled.enabled, config entries and project_root_markers", () => {
    const settings = skillsSettingsFromToml(
      parse(`project_root_markers = [".hg"]
[skills]
include_instructions = false
[skills.bundled]
enabled = false
[[skills.config]]
name = "a"
enabled = false
[[skills.config]]
path = "/x/b/SKILL.md"
enabled = false
[[skills.config]]
name = "a"
enabled = true
`),
    );
    expect(settings).toMatchObject({
      includeInstructions: false,
      bundledEnabled: false,
      projectRootMarkers: [".hg"],
    });
    expect(skillEnabled({ name: "a", path: "/y/a/SKILL.md" }, settings.rules)).toBe(true);
    expect(skillEnabled({ name: "b", path: "/x/b/SKILL.md" }, settings.rules)).toBe(false);
    expect(skillEnabled({ name: "c", path: "/x/c/SKILL.md" }, settings.rules)).toBe(true);
  });

  it("appends entries as text, keeping comments; an inline `skills` table is rewritten instead", () => {
    const home = tempDir("keel-skills-config-");
    const file = path.join(home, "config.toml");
    fs.writeFileSync(file, '# mine\nmodel = "m"\n');
    appendSkillConfigEntry(home, { path: "/x/SKILL.md" }, false);
    expect(fs.readFileSync(file, "utf8")).toBe(
      '# mine\nmodel = "m"\n\n[[skills.config]]\npath = "/x/SKILL.md"\nenabled = false\n',
    );
    fs.writeFileSync(file, "skills = { include_instructions = false }\n");
    appendSkillConfigEntry(home, { name: "n" }, true);
    expect(parse(fs.readFileSync(file, "utf8"))).toEqual({
      skills: { include_instructions: false, config: [{ name: "n", enabled: true }] },
    });
  });
});
