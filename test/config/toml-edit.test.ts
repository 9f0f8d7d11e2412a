import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { applyConfigEdits } from "../../src/config/batch-edit.js";
import { setProjectTrust } from "../../src/config/project-trust.js";
import { appendSkillConfigEntry } from "../../src/config/skills-edit.js";
import { editTomlText } from "../../src/config/toml-edit.js";
import { configVersion } from "../../src/config/toml-file.js";
import { tempDir } from "../support/tmp.js";

/**
 * The one config.toml editor (toml-edit) that config/value/write, config/batchWrite, MCP, skills
 * and trust writes share: an edit rewrites the edited key's lines and nothing else.
 */

interface Line {
  text: string;
  /** The line belongs to the key the edit targets. */
  target: boolean;
}

const comment = fc
  .string({ unit: fc.constantFrom("a", " ", "#", "=", "[", "]", '"', "é"), maxLength: 10 })
  .map((text) => `#${text}`);
const scalar = fc.oneof(
  fc.integer().map(String),
  fc
    .string({ unit: fc.constantFrom("x", " ", "#", "=", "'", "["), maxLength: 8 })
    .map((s) => JSON.stringify(s)),
  fc.constantFrom(
    "true",
    "[1, 2]",
    "[\n  'a',\n  'b', # c\n]",
    "{ a = 1 }",
    "'''\nmulti # not a comment\n'''",
  ),
);
const trailer = fc.option(
  comment.map((c) => ` ${c}`),
  { nil: "" },
);

/** `count` keys `<prefix>0…`: each preceded by a comment or a blank line that is not the key's. */
function body(prefix: string, count: number, target: string | null): fc.Arbitrary<Line[]> {
  return fc
    .tuple(
      fc.array(fc.tuple(scalar, fc.constantFrom(" = ", "=", "  =  "), trailer), {
        minLength: count,
        maxLength: count,
      }),
      fc.array(fc.oneof(comment, fc.constant("")), { minLength: count, maxLength: count }),
    )
    .map(([pairs, gaps]) =>
      pairs.flatMap(([value, eq, tail], i) => [
        { text: gaps[i] ?? "", target: false },
        ...`${prefix}${i}${eq}${value}${tail}`
          .split("\n")
          .map((text) => ({ text, target: `${prefix}${i}` === target })),
      ]),
    );
}

/** A document (root keys, two sections) and an edit of one key in it, new or existing. */
const cases = fc
  .record({
    roots: fc.nat(3),
    keys: fc.tuple(fc.nat(3), fc.nat(3)),
    where: fc.constantFrom<[string | null, string]>([null, "r"], ["s0", "a"], ["s1", "b"]),
    index: fc.nat(4),
    value: fc.oneof(
      fc.integer(),
      fc.string({ maxLength: 6 }),
      fc.boolean(),
      fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }),
      fc.constant(null),
    ),
  })
  .chain(({ roots, keys, where, index, value }) => {
    const [table, prefix] = where;
    const target = `${prefix}${index}`;
    const lines = fc
      .tuple(
        body("r", roots, table === null ? target : null),
        body("a", keys[0], table === "s0" ? target : null),
        body("b", keys[1], table === "s1" ? target : null),
        fc.constantFrom("[s0]", "[ s0 ]  # first"),
      )
      .map(([r, s0, s1, header]) => [
        ...r,
        { text: "", target: false },
        { text: header, target: false },
        ...s0,
        { text: "", target: false },
        { text: "[s1]", target: false },
        ...s1,
      ]);
    return lines.map((l) => ({ lines: l, path: table === null ? [target] : [table, target], value }));
  });

describe("toml-edit: comment-keeping config.toml edits", () => {
  it("an edit changes only the edited key's lines and parses to the intended value", () => {
    fc.assert(
      fc.property(cases, ({ lines, path: keyPath, value }) => {
        const original = lines.map((l) => `${l.text}\n`).join("");
        const { text } = editTomlText(
          original,
          [{ path: keyPath, value, mergeStrategy: "replace" }],
          "t.toml",
        );
        const expected = parse(original) as Record<string, Record<string, unknown>>;
        const parent = keyPath.length === 1 ? expected : expected[keyPath[0]!]!;
        if (value === null) delete parent[keyPath.at(-1)!];
        else parent[keyPath.at(-1)!] = value;
        expect(parse(text)).toEqual(expected);
        // Every other line, comments and blank lines included, survives in order.
        const key = keyPath.at(-1)!;
        const mine = new RegExp(`^${key}\\s*=`);
        expect(text.split("\n").filter((l) => !mine.test(l))).toEqual(
          `${lines
            .filter((l) => !l.target)
            .map((l) => l.text)
            .join("\n")}\n`.split("\n"),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a trailing comment when a value is replaced, and versions like Codex", () => {
    const before =
      '# my config\nmodel = "gpt-5"   # trailing comment\n\n# approvals\napproval_policy = "on-request"\n\n' +
      "[features]\n# shell snapshot\nshell_snapshot = true\n\n[tui]\nnotifications = true\n";
    const { text, table } = editTomlText(before, [{ path: ["model"], value: "o3" }], "t.toml");
    expect(text).toBe(before.replace('"gpt-5"', '"o3"'));
    // What Codex 0.169's config/value/write returned for this very edit (captured).
    expect(configVersion(table)).toBe(
      "sha256:dd2b03b2bb29c364d3016172495682c3fc460dd6d9f2aecc259097e92b809d73",
    );
    expect(configVersion(null)).toBe(
      "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    );
  });

  it("upsert merges into a table key by key; replace swaps the table's contents", () => {
    const before = "[tui]\n# keep me\nnotifications = true\n\n[other]\nx = 1\n";
    const upsert = editTomlText(
      before,
      [{ path: ["tui"], value: { animations: false }, mergeStrategy: "upsert" }],
      "t.toml",
    );
    expect(upsert.text).toBe(
      "[tui]\n# keep me\nnotifications = true\nanimations = false\n\n[other]\nx = 1\n",
    );
    const replace = editTomlText(
      before,
      [{ path: ["tui"], value: { animations: true }, mergeStrategy: "replace" }],
      "t.toml",
    );
    expect(parse(replace.text)).toEqual({ tui: { animations: true }, other: { x: 1 } });
    expect(replace.text).toContain("[other]\nx = 1\n");
  });

  it("removing a section's only key drops the emptied section; absent keys are a no-op", () => {
    const before = 'a = 1 # one\n\n[mcp_servers.x]\ncommand = "c"\n';
    const removed = editTomlText(before, [{ path: ["mcp_servers", "x"], value: null }], "t.toml");
    expect(removed.text).toBe("a = 1 # one\n");
    expect(removed.table).toEqual({ a: 1 });
    expect(editTomlText(before, [{ path: ["nope", "deeper"], value: null }], "t.toml").text).toBe(before);
  });

  it("every writer goes through it: trust, skills and batchWrite keep the user's comments", () => {
    const home = tempDir();
    const file = path.join(home, "config.toml");
    const original = '# header comment\nmodel = "m" # why this model\n\n# projects below\n';
    fs.writeFileSync(file, original);
    setProjectTrust(home, "/work/p", "trusted");
    appendSkillConfigEntry(home, { name: "s" }, false);
    applyConfigEdits(home, [{ keyPath: "approval_policy", value: "never", mergeStrategy: "replace" }]);
    const text = fs.readFileSync(file, "utf8");
    expect(
      text.startsWith('# header comment\nmodel = "m" # why this model\napproval_policy = "never"\n'),
    ).toBe(true);
    expect(text).toContain("# projects below\n");
    expect(parse(text)).toEqual({
      model: "m",
      approval_policy: "never",
      projects: { "/work/p": { trust_level: "trusted" } },
      skills: { config: [{ name: "s", enabled: false }] },
    });
  });
});
