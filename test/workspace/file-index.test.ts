import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { indexRoots } from "../../src/workspace/file-index.js";
import { tempDir } from "../support/tmp.js";

/** The walk behind fuzzyFileSearch, on real directories and symlinks. */
describe("indexRoots and symlinked directories", () => {
  it("stops at a loop through two sibling directories (each links to the other, twice)", async () => {
    const root = tempDir("keel-index-loop-");
    fs.mkdirSync(path.join(root, "a"));
    fs.mkdirSync(path.join(root, "b"));
    fs.writeFileSync(path.join(root, "a", "fa.txt"), "");
    fs.writeFileSync(path.join(root, "b", "fb.txt"), "");
    for (const link of ["l1", "l2"]) {
      fs.symlinkSync("../b", path.join(root, "a", link));
      fs.symlinkSync("../a", path.join(root, "b", link));
    }
    // Without loop detection the walk doubles at each level: stop it early instead of hanging.
    const walked: Awaited<ReturnType<typeof indexRoots>> = [];
    await indexRoots([root], () => walked.length > 5_000, walked);
    expect(walked.length).toBeLessThan(5_000);
    const paths = walked.map((e) => e.path).sort();
    // As Codex's walker: a link is followed unless its target is one of the directories above it.
    expect(paths).toEqual([
      "a",
      "a/fa.txt",
      "a/l1",
      "a/l1/fb.txt",
      "a/l2",
      "a/l2/fb.txt",
      "b",
      "b/fb.txt",
      "b/l1",
      "b/l1/fa.txt",
      "b/l2",
      "b/l2/fa.txt",
    ]);
  });

  it("stops at a link back to the root or to a directory above it", async () => {
    const root = tempDir("keel-index-up-");
    fs.mkdirSync(path.join(root, "d", "e"), { recursive: true });
    fs.symlinkSync(root, path.join(root, "d", "e", "top"));
    fs.symlinkSync("/", path.join(root, "d", "slash"));
    // The link to `/` would walk the whole host: stop early instead.
    const walked: Awaited<ReturnType<typeof indexRoots>> = [];
    await indexRoots([root], () => walked.length > 5_000, walked);
    expect(walked.map((e) => e.path).sort()).toEqual(["d", "d/e"]);
  });

  it("does not multiply a tree of links to the next level (2^depth paths) but keeps every file", async () => {
    const root = tempDir("keel-index-fan-");
    const depth = 24;
    for (let d = 0; d <= depth; d++) {
      fs.mkdirSync(path.join(root, `d${d}`));
      fs.writeFileSync(path.join(root, `d${d}`, `f${d}.txt`), "");
      if (d < depth)
        for (const link of ["x", "y"]) fs.symlinkSync(`../d${d + 1}`, path.join(root, `d${d}`, link));
    }
    // Unbounded, the walk would name 2^24 directories: stop it well before.
    const walked: Awaited<ReturnType<typeof indexRoots>> = [];
    await indexRoots([root], () => walked.length > 200_000, walked);
    expect(walked.length).toBeLessThan(10_000);
    const files = new Set(walked.filter((e) => !e.isDirectory).map((e) => path.basename(e.path)));
    expect(files).toEqual(new Set(Array.from({ length: depth + 1 }, (_, d) => `f${d}.txt`)));
    // Short routes through the links are still there, as Codex lists them.
    expect(walked.map((e) => e.path)).toEqual(expect.arrayContaining(["d0/x/f1.txt", "d0/y/x/f2.txt"]));
  });
});
