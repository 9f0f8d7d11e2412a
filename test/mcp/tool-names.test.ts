import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { qualifyMcpTools, sanitizeMcpName } from "../../src/mcp/tool-names.js";

const pairs = (list: [string, string][]) => list.map(([server, name]) => ({ server, name }));

/** Raw names with the characters that trip sanitising: `.`, `-`, `_`, spaces, non-ASCII. */
const rawName = fc.string({
  unit: fc.constantFrom("a", "b", "_", ".", "-", " ", "é", "1"),
  minLength: 0,
  maxLength: 6,
});
const rawPairs = fc.array(fc.tuple(rawName, rawName), { maxLength: 12 });

describe("MCP tool names", () => {
  it("matches Codex 0.169's names for colliding servers and tools (captured)", () => {
    // Captured from codex 0.169.0 (/work/capture/m13core/hash): two servers that sanitise alike,
    // each with tools `a.b` and `a_b`, and a third server whose namespace does not collide.
    const tools = qualifyMcpTools(
      pairs([
        ["my-server.v2", "a.b"],
        ["my-server.v2", "a_b"],
        ["my_server_v2", "a.b"],
        ["my_server_v2", "a_b"],
        ["plain", "a.b"],
        ["plain", "a_b"],
        ["plain", "echo"],
      ]),
    );
    expect(tools.map((t) => [t.server, t.tool, t.namespace, t.name])).toEqual([
      ["my-server.v2", "a.b", "mcp__my_server_v2_4257fdaf16dc", "a_b_7014708d542b"],
      ["my-server.v2", "a_b", "mcp__my_server_v2_4257fdaf16dc", "a_b_7e821166f8b6"],
      ["my_server_v2", "a.b", "mcp__my_server_v2_f0158aee96e3", "a_b_4d2109f016e5"],
      ["my_server_v2", "a_b", "mcp__my_server_v2_f0158aee96e3", "a_b_ad8995bb0c4c"],
      ["plain", "a.b", "mcp__plain", "a_b_1ab019c5774d"],
      ["plain", "a_b", "mcp__plain", "a_b_c4edfe4c0c86"],
      ["plain", "echo", "mcp__plain", "echo"],
    ]);
  });

  it("keeps long names whole in the namespace form", () => {
    const server = "s".repeat(72);
    const [tool] = qualifyMcpTools(pairs([[server, "t".repeat(70)]]));
    expect(tool).toMatchObject({ namespace: `mcp__${server}`, name: "t".repeat(70) });
  });

  it("sanitises to [A-Za-z0-9_]", () => {
    expect(sanitizeMcpName("my server.v2-é")).toBe("my_server_v2__");
    expect(sanitizeMcpName("")).toBe("_");
  });

  it("always yields valid names, distinct for distinct raw pairs (property)", () => {
    fc.assert(
      fc.property(rawPairs, (list) => {
        const tools = qualifyMcpTools(pairs(list));
        const distinctRaw = new Set(list.map(([s, t]) => `${s}\0${t}`));
        expect(tools.length).toBe(distinctRaw.size);
        for (const t of tools) {
          expect(t.namespace).toMatch(/^[A-Za-z0-9_]+$/);
          expect(t.name).toMatch(/^[A-Za-z0-9_]+$/);
        }
        expect(new Set(tools.map((t) => `${t.namespace}\0${t.name}`)).size).toBe(tools.length);
        // A server keeps one namespace, and no two servers share one.
        const nsByServer = new Map(tools.map((t) => [t.server, t.namespace]));
        for (const t of tools) expect(t.namespace).toBe(nsByServer.get(t.server));
        expect(new Set(nsByServer.values()).size).toBe(nsByServer.size);
      }),
    );
  });
});
