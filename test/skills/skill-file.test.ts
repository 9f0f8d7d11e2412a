import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MISSING_DESCRIPTION,
  MISSING_FRONTMATTER,
  NAME_TOO_LONG,
  parseSkillFile,
} from "../../src/skills/skill-file.js";

const at = "/skills/folder-name/SKILL.md";

describe("SKILL.md parsing (spec skills.md §2)", () => {
  it("reports Codex's exact error texts", () => {
    expect(parseSkillFile("# just markdown\n", at)).toEqual({ ok: false, message: MISSING_FRONTMATTER });
    expect(parseSkillFile("---\nname: x\ndescription: y\n", at)).toEqual({
      ok: false,
      message: MISSING_FRONTMATTER,
    });
    expect(parseSkillFile("---\nname: x\n---\n", at)).toEqual({ ok: false, message: MISSING_DESCRIPTION });
    expect(parseSkillFile(`---\nname: ${"a".repeat(65)}\ndescription: d\n---\n`, at)).toEqual({
      ok: false,
      message: NAME_TOO_LONG,
    });
    expect(MISSING_FRONTMATTER).toBe("missing YAML frontmatter delimited by ---");
    expect(MISSING_DESCRIPTION).toBe("missing field `description`");
    expect(NAME_TOO_LONG).toBe("invalid name: exceeds maximum length of 64 characters");
  });

  it("defaults the name to the folder, flattens values, reads the short description", () => {
    const parsed = parseSkillFile(
      "---\ndescription: |\n  two\n  lines\nlicense: MIT\nmetadata:\n  short-description: short one\n---\nbody\n",
      at,
    );
    expect(parsed).toEqual({
      ok: true,
      value: { name: "folder-name", description: "two lines", shortDescription: "short one" },
    });
  });

  it("takes invalid YAML literally, as Codex does", () => {
    expect(parseSkillFile("---\nname: [unclosed\ndescription: x\n---\n", at)).toEqual({
      ok: true,
      value: { name: "[unclosed", description: "x", shortDescription: null },
    });
  });

  it("accepts names up to 64 characters and never throws (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 80 }), fc.string(), (name, body) => {
        const result = parseSkillFile(
          `---\nname: "${name.replace(/["\\]/g, "")}"\ndescription: d\n---\n${body}`,
          at,
        );
        const clean = name.replace(/["\\]/g, "").split(/\s+/).filter(Boolean).join(" ");
        if (clean === "") return true;
        expect(result.ok).toBe(clean.length <= 64);
        return true;
      }),
    );
  });
});
