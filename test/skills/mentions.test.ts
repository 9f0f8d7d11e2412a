import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { invokedSkills } from "../../src/skills/mentions.js";
import type { Skill } from "../../src/skills/types.js";

function skill(name: string, file: string, enabled = true): Skill {
  return {
    name,
    description: "d",
    shortDescription: null,
    path: file,
    scope: "user",
    root: "/r",
    enabled,
    interface: null,
    dependencies: null,
    allowImplicitInvocation: true,
  };
}

const mine = skill("my-skill", "/r/my-skill/SKILL.md");
const dupeA = skill("dupe", "/r/a/dupe/SKILL.md");
const dupeB = skill("dupe", "/r/b/dupe/SKILL.md");
const other = skill("other", "/r/other/SKILL.md");
const off = skill("off", "/r/off/SKILL.md", false);
const all = [mine, dupeA, dupeB, other, off];
const names = (input: Parameters<typeof invokedSkills>[0]) => invokedSkills(input, all).map((s) => s.path);
const said = (text: string) => names([{ type: "text", text }]);

describe("explicit skill mentions (spec skills.md §5, §7.5)", () => {
  it("matches `$name` ended by any non-name character, case-sensitively, without a left boundary", () => {
    expect(said("use $my-skill.")).toEqual([mine.path]);
    expect(said("($my-skill)")).toEqual([mine.path]);
    expect(said("a$my-skill")).toEqual([mine.path]);
    expect(said("$MY-SKILL")).toEqual([]);
    expect(said("$my-skill_x")).toEqual([]);
    expect(said("$nothing")).toEqual([]);
  });

  it("ignores ambiguous names and disabled skills; a skill item picks by path", () => {
    expect(said("$dupe")).toEqual([]);
    expect(said("$off")).toEqual([]);
    expect(names([{ type: "skill", name: "dupe", path: dupeB.path }])).toEqual([dupeB.path]);
    expect(names([{ type: "skill", name: "off", path: off.path }])).toEqual([]);
    expect(names([{ type: "skill", name: "x", path: "/r/unknown/SKILL.md" }])).toEqual([]);
  });

  it("resolves `[$name](path)` links by path; a path that matches nothing invokes nothing", () => {
    expect(said(`see [$dupe](${dupeA.path})`)).toEqual([dupeA.path]);
    expect(said("see [$my-skill](/elsewhere/SKILL.md)")).toEqual([]);
  });

  it("orders skill items first, then mentions in text order, each skill once", () => {
    expect(
      names([
        { type: "text", text: "$other then $my-skill and $other" },
        { type: "skill", name: "my-skill", path: mine.path },
      ]),
    ).toEqual([mine.path, other.path]);
  });

  it("finds a unique skill wherever its mention sits in arbitrary text (property)", () => {
    const filler = fc.string().map((s) => s.replace(/[A-Za-z0-9_:$-]/g, " "));
    fc.assert(
      fc.property(fc.string(), filler, (before, after) => {
        const picked = said(`${before.replaceAll("$", "")}$my-skill${after}`);
        expect(picked).toEqual([mine.path]);
      }),
    );
  });
});
