import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { addMcpServer, removeMcpServer, setMcpToolApprovalMode } from "../../src/config/mcp-edit.js";
import { tempDir } from "../support/tmp.js";

/**
 * `keel mcp add|remove` and the "always" approval write config.toml line by line: every line
 * that does not belong to the server being written must survive byte for byte, in order.
 */

interface Line {
  text: string;
  /** Lines of the target server (`[mcp_servers.<target>…]` headers and the keys under them). */
  target: boolean;
}

const TARGET = "my.srv";
const TARGET_KEY = '"my.srv"';

const comment = fc
  .string({ unit: fc.constantFrom("a", "b", " ", "#", "=", "[", "]", '"', "é"), maxLength: 12 })
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
const spacing = fc.constantFrom(" = ", "=", "   =  ");
const trailer = fc.option(
  comment.map((c) => ` ${c}`),
  { nil: "" },
);

/** `count` key/value lines with distinct keys, comments and blank lines between them. */
function body(prefix: string, target: boolean, count: number): fc.Arbitrary<Line[]> {
  return fc
    .tuple(
      fc.array(fc.tuple(scalar, spacing, trailer), { minLength: count, maxLength: count }),
      fc.array(fc.oneof(comment, fc.constant("")), { minLength: count, maxLength: count }),
    )
    .map(([pairs, gaps]) =>
      pairs.flatMap(([value, eq, tail], i) => {
        const lines = `${prefix}${i}${eq}${value}${tail}`.split("\n").map((text) => ({ text, target }));
        // A comment or blank line before a key; in a target section it belongs to the section.
        const gap = gaps[i] ?? "";
        return [{ text: gap, target }, ...lines];
      }),
    );
}

function section(header: string, target: boolean, keys: number): fc.Arbitrary<Line[]> {
  return fc
    .tuple(body("k", target, keys), fc.array(fc.oneof(comment, fc.constant("")), { maxLength: 2 }))
    .map(([lines, after]) => [
      { text: header, target },
      ...lines,
      // Comments after a section's last key stay: they may introduce the next section.
      ...after.map((text) => ({ text, target: false })),
      { text: "", target: false },
    ]);
}

const targetHeaders = fc.constantFrom(
  `[mcp_servers.${TARGET_KEY}]`,
  `[ mcp_servers . ${TARGET_KEY} ]  # the server`,
  `[mcp_servers.'my.srv']`,
);

/** A config with unrelated root keys, tables and other servers, and maybe the target server. */
const documents = fc
  .tuple(
    body("root", false, 2),
    fc.array(fc.tuple(fc.constantFrom("table", "server", "target", "targetEnv", "targetTool"), fc.nat(3)), {
      maxLength: 7,
    }),
    targetHeaders,
  )
  .chain(([root, kinds, targetHeader]) => {
    const seen = new Set<string>();
    const sections = kinds.flatMap(([kind, n], i) => {
      const header =
        kind === "table"
          ? `[table${i}]`
          : kind === "server"
            ? `[mcp_servers.other${i}]`
            : kind === "target"
              ? targetHeader
              : kind === "targetEnv"
                ? `[mcp_servers.${TARGET_KEY}.env]`
                : `[mcp_servers.${TARGET_KEY}.tools.echo]`;
      if (seen.has(header) || (kind.startsWith("target") && kind !== "target" && seen.has("target")))
        return [];
      seen.add(kind === "target" ? "target" : header);
      const lines = section(header, kind.startsWith("target"), kind === "target" ? n + 1 : n);
      // The target server's own table launches something, as a real server's does.
      if (kind !== "target") return [lines];
      return [lines.map(([head, ...rest]) => [head!, { text: 'command = "srv"', target: true }, ...rest])];
    });
    return fc
      .tuple(fc.constant(root), ...sections)
      .map(([r, ...s]) => [...r, { text: "", target: false }, ...s.flat()]);
  })
  .filter((lines) => {
    try {
      parse(lines.map((l) => l.text).join("\n"));
      return true;
    } catch {
      return false;
    }
  });

const nonBlank = (lines: string[]) => lines.filter((line) => line.trim() !== "");

function withConfig(text: string) {
  const home = tempDir();
  const file = path.join(home, "config.toml");
  fs.writeFileSync(file, text);
  return { home, read: () => fs.readFileSync(file, "utf8") };
}

describe("format-preserving mcp_servers edits", () => {
  it("add keeps every unrelated line and writes Codex's sections", () => {
    fc.assert(
      fc.property(documents, (lines) => {
        const { home, read } = withConfig(lines.map((l) => `${l.text}\n`).join(""));
        addMcpServer(home, TARGET, { command: "npx", args: ["-y", "pkg"], env: { B: "2", A: "1" } });
        const written = read();
        const added = `[mcp_servers."my.srv"]\ncommand = "npx"\nargs = ["-y", "pkg"]\n\n[mcp_servers."my.srv".env]\nB = "2"\nA = "1"\n`;
        expect(written).toContain(added);
        expect(nonBlank(written.replace(added, "").split("\n"))).toEqual(
          nonBlank(lines.filter((l) => !l.target).map((l) => l.text)),
        );
        const server = (parse(written).mcp_servers as Record<string, unknown>)[TARGET];
        expect(server).toEqual({ command: "npx", args: ["-y", "pkg"], env: { B: "2", A: "1" } });
      }),
      { numRuns: 150 },
    );
  });

  it("remove keeps every unrelated line and drops only the server", () => {
    fc.assert(
      fc.property(documents, (lines) => {
        const original = lines.map((l) => `${l.text}\n`).join("");
        const { home, read } = withConfig(original);
        const had = lines.some((l) => l.target);
        expect(removeMcpServer(home, TARGET)).toBe(had);
        const written = read();
        if (!had) {
          expect(written).toBe(original);
          return;
        }
        expect(nonBlank(written.split("\n"))).toEqual(
          nonBlank(lines.filter((l) => !l.target).map((l) => l.text)),
        );
        const before = parse(original) as Record<string, Record<string, unknown>>;
        delete before.mcp_servers?.[TARGET];
        if (Object.keys(before.mcp_servers ?? {}).length === 0) delete before.mcp_servers;
        expect(parse(written)).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });

  it("setting a tool's approval mode changes only that key", () => {
    fc.assert(
      fc.property(documents, (lines) => {
        const original = lines.map((l) => `${l.text}\n`).join("");
        const { home, read } = withConfig(original);
        if (!lines.some((l) => l.text === 'command = "srv"')) {
          // Only `tools`/`env` of the server here: writing would leave a server without a launch.
          expect(() => setMcpToolApprovalMode(home, TARGET, "echo", "approve")).toThrow(
            `MCP server \`${TARGET}\` is not defined in`,
          );
          expect(read()).toBe(original);
          return;
        }
        setMcpToolApprovalMode(home, TARGET, "echo", "approve");
        const written = read();
        const mine = (text: string) =>
          text === 'approval_mode = "approve"' || text === `[mcp_servers.${TARGET_KEY}.tools.echo]`;
        expect(nonBlank(written.split("\n")).filter((t) => !mine(t))).toEqual(
          nonBlank(lines.map((l) => l.text)).filter((t) => !mine(t)),
        );
        const doc = parse(written) as { mcp_servers: Record<string, { tools: Record<string, unknown> }> };
        expect(doc.mcp_servers[TARGET]?.tools.echo).toMatchObject({ approval_mode: "approve" });
      }),
      { numRuns: 150 },
    );
  });
});

describe("mcp_servers edits in other layouts", () => {
  it("replaces an existing approval_mode value in place, keeping its comment", () => {
    const { home, read } = withConfig(
      '# mine\n[mcp_servers.s]\nurl = "http://x"\n[mcp_servers.s.tools.echo]\napproval_mode   =  "prompt" # chosen\nx = 1\n',
    );
    setMcpToolApprovalMode(home, "s", "echo", "approve");
    expect(read()).toBe(
      '# mine\n[mcp_servers.s]\nurl = "http://x"\n[mcp_servers.s.tools.echo]\napproval_mode   =  "approve" # chosen\nx = 1\n',
    );
  });

  it("adds the key to an existing tool section, or a new tool section", () => {
    const { home, read } = withConfig(
      '[mcp_servers.s]\ncommand = "c"\n[mcp_servers.s.tools.echo]\nx = 1 # keep\n\n[z]\n',
    );
    setMcpToolApprovalMode(home, "s", "echo", "approve");
    expect(read()).toBe(
      '[mcp_servers.s]\ncommand = "c"\n[mcp_servers.s.tools.echo]\nx = 1 # keep\napproval_mode = "approve"\n\n[z]\n',
    );
    setMcpToolApprovalMode(home, "s", "a b", "approve");
    expect(parse(read())).toMatchObject({
      mcp_servers: { s: { tools: { "a b": { approval_mode: "approve" } } } },
    });
  });

  it("refuses a server config.toml does not launch (from another layer), leaving the file alone", () => {
    // Written, `[mcp_servers.s.tools.echo]` alone would make every later load fail: `invalid transport`.
    const { home, read } = withConfig("# keep\n[z]\n");
    expect(() => setMcpToolApprovalMode(home, "s", "echo", "approve")).toThrow(
      `MCP server \`s\` is not defined in ${path.join(home, "config.toml")}`,
    );
    expect(read()).toBe("# keep\n[z]\n");
    const empty = tempDir();
    expect(() => setMcpToolApprovalMode(empty, "s", "echo", "approve")).toThrow("is not defined");
    expect(fs.existsSync(path.join(empty, "config.toml"))).toBe(false);
  });

  it("removes and replaces servers written inline or as dotted keys", () => {
    const { home, read } = withConfig(
      '[mcp_servers] # all servers\nsrv = { command = "a" } # inline\nother.command = "b"\nsrv2.command = "c"\n',
    );
    expect(removeMcpServer(home, "srv")).toBe(true);
    expect(read()).toBe('[mcp_servers] # all servers\nother.command = "b"\nsrv2.command = "c"\n');
    addMcpServer(home, "srv2", { url: "http://x", bearerTokenEnvVar: "T" });
    expect(read()).toBe(
      '[mcp_servers] # all servers\nother.command = "b"\n\n[mcp_servers.srv2]\nurl = "http://x"\nbearer_token_env_var = "T"\n',
    );
  });

  it("falls back to a comment-keeping patch when mcp_servers is one inline table", () => {
    const { home, read } = withConfig('# c\nmcp_servers = { a = { command = "x" } }\n');
    addMcpServer(home, "b", { command: "y", args: [], env: null });
    const written = read();
    expect(written.startsWith("# c\n")).toBe(true);
    expect(parse(written).mcp_servers).toEqual({ a: { command: "x" }, b: { command: "y" } });
  });
});
