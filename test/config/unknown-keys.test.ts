import fc from "fast-check";
import { parse, stringify } from "smol-toml";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { locateKey } from "../../src/config/key-location.js";
import { findUnknownKeys } from "../../src/config/unknown-keys.js";
import { world, write } from "./helpers.js";

describe("findUnknownKeys", () => {
  it("flags what Codex 0.169 flags and nothing it knows or leaves unchecked", () => {
    const toml = parse(`
model = "m"
bogus_top = 1
model_supports_reasoning_summaries = true
[tui]
anything = 1
[features]
undo = true
collab = true
not_a_feature = true
child_agents_md = true
[profiles.p]
model_context_window = 5
zzz = 1
[permissions.dev]
whatever = 1
[mcp_servers.m]
name = "legacy"
weird = 1
[projects."/tmp/x"]
trust_level = "trusted"
odd = 2
[model_providers.x]
junk = 1
[history]
bar = 1
`);
    expect(findUnknownKeys(toml).map((p) => p.join("."))).toEqual([
      "bogus_top",
      "features.child_agents_md",
      "features.not_a_feature",
      "history.bar",
      "mcp_servers.m.weird",
      "model_providers.x.junk",
      "model_supports_reasoning_summaries",
      "profiles.p.zzz",
      "projects./tmp/x.odd",
    ]);
  });
});

describe("unknown keys at config load", () => {
  it("become one warning in Codex's words: count, first three keys, then how many more", () => {
    const w = world();
    w.user("a1 = 1\na2 = 2\na3 = 3\na4 = 4\na5 = 5\n");
    expect(w.load().startupWarnings).toEqual([
      [
        "keel is ignoring 5 unrecognized configuration settings. Check for typos or deprecated settings.",
        `  user (${w.userConfig}): \`a1\` is ignored.`,
        `  user (${w.userConfig}): \`a2\` is ignored.`,
        `  user (${w.userConfig}): \`a3\` is ignored.`,
        "  ... and 2 more ignored settings.",
      ].join("\n"),
    ]);
    w.user('[windows]\nsandbox = "elevated"\nsandbox_private_desktop = true\n');
    expect(w.load().startupWarnings[0]).toBe(
      [
        "keel is ignoring 1 unrecognized configuration setting. Check for typos or deprecated settings.",
        `  user (${w.userConfig}): \`windows.sandbox_private_desktop\` is ignored. Remove windows.sandbox_private_desktop; legacy Windows sandboxes always use a private desktop.`,
      ].join("\n"),
    );
    w.user("a1 = 1\n");
    expect(w.load({ cliOverrides: ["zz=1"] }).startupWarnings[0]).toBe(
      [
        "keel is ignoring 2 unrecognized configuration settings. Check for typos or deprecated settings.",
        `  user (${w.userConfig}): \`a1\` is ignored.`,
        "  session-flags: `zz` is ignored.",
      ].join("\n"),
    );
  });

  it("with strictConfig, fail on the first one in file order, located", () => {
    const w = world();
    write(w.system, 'model = "m"\n\n  zeta = 1\n');
    w.user("alpha = 1\n");
    const load = () => w.load({ strictConfig: true });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      `${w.system}:3:3: unknown configuration field \`zeta\`\n  |\n3 |   zeta = 1\n  |   ^^^^`,
    );
    expect(() => w.load({ strictConfig: true, systemConfigFile: `${w.root}/none` })).toThrow(
      `${w.userConfig}:1:1: unknown configuration field \`alpha\``,
    );
    w.user("");
    const clean = { strictConfig: true, systemConfigFile: `${w.root}/none` };
    expect(() => w.load({ ...clean, cliOverrides: ["zz=1"] })).toThrow(
      "-c override: unknown configuration field `zz`",
    );
    expect(w.load({ ...clean, cliOverrides: ['model="x"'] }).model.value).toBe("x");
  });
});

describe("locateKey", () => {
  it("finds keys under headers, dotted keys, quoted keys, and falls back to the holder", () => {
    const text = [
      'model = "m"',
      "[model_providers.x]",
      'wire_api = "grpc"',
      '[projects."/tmp/a.b"]',
      'trust_level = "x"',
      "[a]",
      "b.c = { d = 1 }",
      'x = """',
      "fake = 1",
      '"""',
    ].join("\n");
    expect(locateKey(text, ["model_providers", "x", "wire_api"])).toMatchObject({ line: 3, column: 1 });
    expect(locateKey(text, ["model_providers", "x"])).toMatchObject({ line: 2, column: 2 });
    expect(locateKey(text, ["projects", "/tmp/a.b", "trust_level"])).toMatchObject({ line: 5 });
    expect(locateKey(text, ["a", "b", "c", "d"])).toMatchObject({ line: 7, column: 1 });
    // `fake = 1` sits inside a multi-line string: the closest real holder is `[a]`.
    expect(locateKey(text, ["a", "fake"])).toMatchObject({ line: 6 });
    expect(locateKey(text, ["nowhere"])).toBeNull();
  });

  it("reads a table header whose quoted key holds `]` and `#`", () => {
    // fast-check found it: smol-toml writes {"]# ": {a: {" ": false}}} as `["]# ".a]`.
    const text = '["]# ".a]\n" " = false\n';
    expect(locateKey(text, ["]# ", "a", " "])).toMatchObject({ line: 2, column: 1 });
    expect(locateKey(text, ["]# ", "a"])).toMatchObject({ line: 1, column: 2 });
  });

  it("finds every leaf of any table smol-toml writes, on the line that assigns it", () => {
    const key = fc.oneof(
      fc.stringMatching(/^[a-z_][a-z0-9_-]{0,6}$/),
      fc.string({ minLength: 1, maxLength: 6 }),
    );
    const leaf = fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 8 }));
    const table = fc.letrec((tie) => ({
      node: fc.dictionary(key, fc.oneof({ depthSize: "small" }, leaf, tie("node")), { maxKeys: 4 }),
    })).node;
    fc.assert(
      fc.property(table, (t) => {
        const text = stringify(t);
        const leaves: string[][] = [];
        const walk = (value: unknown, path: string[]) => {
          if (typeof value === "object" && value !== null) {
            for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
          } else leaves.push(path);
        };
        walk(t, []);
        for (const path of leaves) {
          const at = locateKey(text, path);
          expect(at).not.toBeNull();
          const last = path[path.length - 1]!;
          const written = /^[A-Za-z0-9_-]+$/.test(last) ? last : JSON.stringify(last);
          expect(at!.text.slice(at!.column - 1).startsWith(written)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
