import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.js";
import { fixture, stdioServer } from "./support.js";

/**
 * fuzzyFileSearch and its session form against the real server, every message checked against
 * keel's and Codex 0.169's schemas. The expected lists (order, scores, indices) are what Codex
 * 0.169's app-server answered for the same tree and queries.
 */

function project(): string {
  const root = path.join(tempDir("keel-fuzzy-"), "ft");
  for (const dir of ["src/app", "node_modules/pkg", "docs", ".hidden", "sub/build"]) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  }
  execFileSync("git", ["init", "-q"], { cwd: root });
  fs.writeFileSync(path.join(root, ".gitignore"), "node_modules\n*.log\n");
  for (const file of [
    "src/app/main.ts",
    "src/app/manifest.json",
    "src/main.rs",
    "docs/MAIN.md",
    "README.md",
    "node_modules/pkg/main.js",
    "debug.log",
    ".hidden/main.txt",
    "src/app/m_a_i_n.txt",
  ]) {
    fs.writeFileSync(path.join(root, file), "");
  }
  return root;
}

const hit = (p: string, score: number, indices: number[], type = "file") => ({
  path: p,
  match_type: type,
  file_name: path.basename(p),
  score,
  indices,
});

const MAIN = [
  hit(".hidden/main.txt", 65645, [8, 9, 10, 11]),
  hit("docs/MAIN.md", 65645, [5, 6, 7, 8]),
  hit("src/app/main.ts", 65645, [8, 9, 10, 11]),
  hit("src/main.rs", 65645, [4, 5, 6, 7]),
  hit("src/app/m_a_i_n.txt", 65633, [8, 10, 12, 14]),
  hit("src/app/manifest.json", 65614, [8, 9, 11, 20]),
];

async function server(capabilities: unknown = { experimentalApi: true }) {
  const fx = await fixture();
  const { peer } = stdioServer(fx);
  await peer.initialize("keel_fuzzy_test", capabilities);
  return peer;
}

const search = async (peer: Awaited<ReturnType<typeof server>>, query: string, roots: string[]) =>
  (await peer.request("fuzzyFileSearch", { query, roots })).files;

describe("fuzzyFileSearch", () => {
  it("ranks like Codex: scores, indices, name tiers, path order; .gitignore honoured, hidden files kept", async () => {
    const peer = await server({});
    const root = project();
    const rooted = (hits: object[]) => hits.map((h) => ({ root, ...h }));
    expect(await search(peer, "main", [root])).toEqual(rooted(MAIN));
    expect(await search(peer, "MAIN", [root])).toEqual(rooted(MAIN));
    expect(await search(peer, "srcmain", [root])).toEqual(
      rooted([
        hit("src/main.rs", 181, [0, 1, 2, 4, 5, 6, 7]),
        hit("src/app/main.ts", 177, [0, 1, 2, 8, 9, 10, 11]),
        hit("src/app/m_a_i_n.txt", 165, [0, 1, 2, 8, 10, 12, 14]),
        hit("src/app/manifest.json", 146, [0, 1, 2, 8, 9, 11, 20]),
      ]),
    );
    // Words of a query all match and add up; the name tier needs the whole query in the name.
    expect((await search(peer, "ma in", [root])).slice(0, 6)).toEqual(
      rooted([
        hit("src/app/m_a_i_n.txt", 108, [8, 10, 12, 14]),
        hit(".hidden/main.txt", 95, [8, 9, 10, 11]),
        hit("docs/MAIN.md", 95, [5, 6, 7, 8]),
        hit("src/app/main.ts", 95, [8, 9, 10, 11]),
        hit("src/main.rs", 95, [4, 5, 6, 7]),
        hit("src/app/manifest.json", 81, [8, 9, 11, 20]),
      ]),
    );
    // Directories match too; a name equal to the query ranks two tiers up.
    expect((await search(peer, "app", [root]))[0]).toEqual({
      root,
      ...hit("src/app", 131156, [4, 5, 6], "directory"),
    });
    expect(await search(peer, "", [root])).toEqual([]);
    expect(await search(peer, "main", [path.join(root, "nope")])).toEqual([]);
    expect(await search(peer, "main", ["relative"])).toEqual([]);
    expect(await search(peer, "main", [])).toEqual([]);
  });

  it("applies nested .gitignore files, negations and directory-only rules", async () => {
    const peer = await server({});
    const root = project();
    fs.writeFileSync(path.join(root, "sub/.gitignore"), "build/\n*.tmp\n!keep.tmp\ndist/\n");
    for (const f of ["sub/a.tmp", "sub/keep.tmp", "sub/build/out.txt", "sub/dist", "build"]) {
      fs.writeFileSync(path.join(root, f), "");
    }
    // (.git is walked as Codex does; its hooks match these short queries too.)
    const found = async (query: string) =>
      (await search(peer, query, [root]))
        .map((f: { path: string }) => f.path)
        .filter((p: string) => !p.startsWith(".git/"));
    expect(await found("tmp")).toEqual(["sub/keep.tmp"]);
    expect(await found("out.txt")).toEqual([]);
    // `dist/` only ignores directories: the plain file sub/dist stays; sub's rules stop at sub/.
    expect(await found("dist")).toEqual(["sub/dist"]);
    expect(await found("build")).toEqual(["build"]);
  });

  it("answers at most 50 files, best first, ties by path", async () => {
    const peer = await server({});
    const root = path.join(tempDir("keel-fuzzy-many-"), "many");
    fs.mkdirSync(root);
    for (let i = 0; i < 80; i++) fs.writeFileSync(path.join(root, `file${i}.txt`), "");
    const files = await search(peer, "file", [root]);
    expect(files).toHaveLength(50);
    const expected = Array.from({ length: 80 }, (_, i) => `file${i}.txt`)
      .sort()
      .slice(0, 50);
    expect(files.map((f: { path: string }) => f.path)).toEqual(expected);
  });
});

describe("fuzzyFileSearch sessions", () => {
  it("need the experimental API, as in Codex", async () => {
    const peer = await server({});
    for (const method of [
      "fuzzyFileSearch/sessionStart",
      "fuzzyFileSearch/sessionUpdate",
      "fuzzyFileSearch/sessionStop",
    ]) {
      expect((await peer.call(method, { sessionId: "s", roots: ["/"], query: "x" })).error).toEqual({
        code: -32600,
        message: `${method} requires experimentalApi capability`,
      });
    }
  });

  it("index once, answer each query with sessionUpdated then sessionCompleted, stop", async () => {
    const peer = await server();
    const root = project();
    expect(await peer.request("fuzzyFileSearch/sessionStart", { sessionId: "s1", roots: [root] })).toEqual(
      {},
    );
    expect(await peer.request("fuzzyFileSearch/sessionUpdate", { sessionId: "s1", query: "main" })).toEqual(
      {},
    );
    const updated = await peer.notification("fuzzyFileSearch/sessionUpdated");
    expect(updated.params).toEqual({
      sessionId: "s1",
      query: "main",
      files: MAIN.map((h) => ({ root, ...h })),
    });
    await peer.notification("fuzzyFileSearch/sessionCompleted", (p) => p.sessionId === "s1");
    const trail = peer.trail();
    expect(trail.indexOf("fuzzyFileSearch/sessionUpdated")).toBeLessThan(
      trail.indexOf("fuzzyFileSearch/sessionCompleted"),
    );

    // The session searches the index it built: a file created since is not listed (as in Codex).
    fs.writeFileSync(path.join(root, "src/mainnew.ts"), "");
    await peer.request("fuzzyFileSearch/sessionUpdate", { sessionId: "s1", query: "mainn" });
    expect(
      (await peer.notification("fuzzyFileSearch/sessionUpdated", (p) => p.query === "mainn")).params.files,
    ).toEqual([]);
    await peer.request("fuzzyFileSearch/sessionUpdate", { sessionId: "s1", query: "" });
    expect(
      (await peer.notification("fuzzyFileSearch/sessionUpdated", (p) => p.query === "")).params.files,
    ).toEqual([]);

    expect(
      (await peer.call("fuzzyFileSearch/sessionUpdate", { sessionId: "nope", query: "x" })).error,
    ).toEqual({
      code: -32600,
      message: "fuzzy file search session not found: nope",
    });
    expect(await peer.request("fuzzyFileSearch/sessionStop", { sessionId: "s1" })).toEqual({});
    expect(await peer.request("fuzzyFileSearch/sessionStop", { sessionId: "s1" })).toEqual({});
    expect((await peer.call("fuzzyFileSearch/sessionUpdate", { sessionId: "s1", query: "x" })).error).toEqual(
      {
        code: -32600,
        message: "fuzzy file search session not found: s1",
      },
    );
    expect((await peer.call("fuzzyFileSearch/sessionStart", { sessionId: "s2", roots: [] })).error).toEqual({
      code: -32603,
      message: "failed to start fuzzy file search session: at least one search directory is required",
    });
  });
});

describe("fuzzyFileSearch and ignore files above the root", () => {
  it("honours a .gitignore in a parent directory, as Codex's walker does", async () => {
    const peer = await server({});
    const parent = tempDir("keel-fuzzy-parent-");
    fs.writeFileSync(path.join(parent, ".gitignore"), "proj/secret.txt\nlogs/\n");
    const root = path.join(parent, "proj");
    fs.mkdirSync(path.join(root, "logs"), { recursive: true });
    for (const f of ["secret.txt", "public.txt", "logs/a.txt"]) fs.writeFileSync(path.join(root, f), "");
    expect((await search(peer, "txt", [root])).map((f: { path: string }) => f.path)).toEqual(["public.txt"]);
  });
});
