import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeExistingAncestors } from "../../src/permissions/abs-path.js";
import { tempDir } from "../support/tmp.js";

/**
 * A permission check must judge the file a write would really create: for any arrangement of
 * symlinks (dangling, chained, through missing folders), the resolved spelling is where the
 * kernel puts the file when it writes through the path.
 */
describe("normalizeExistingAncestors and dangling symlinks", () => {
  const names = ["l0", "l1", "l2", "a/l3"] as const;
  // Link targets: other links, names in existing folders, a missing folder, an absolute path.
  const target = fc.constantFrom(
    "l0",
    "l1",
    "../l2",
    "a/new",
    "b/new",
    "missing/new",
    "a",
    "l1/inner",
    "ABS/b/abs-new",
  );
  it("resolves to where a write through the path lands", () => {
    fc.assert(
      fc.property(
        fc.tuple(target, target, target, target),
        fc.constantFrom(...names, "l0/x"),
        (targets, start) => {
          const dir = fs.realpathSync(tempDir("keel-dangling-"));
          fs.mkdirSync(path.join(dir, "a"));
          fs.mkdirSync(path.join(dir, "b"));
          names.forEach((name, i) => {
            const t = targets[i]!.replace("ABS", dir);
            fs.symlinkSync(name.startsWith("a/") ? `../${t}` : t, path.join(dir, name));
          });
          const p = path.join(dir, start);
          const resolved = normalizeExistingAncestors(p);
          try {
            fs.writeFileSync(p, "x", { flag: "w" });
          } catch {
            return; // the kernel refused too (loop, missing folder, a folder in the way)
          }
          expect(fs.realpathSync(p)).toBe(resolved);
        },
      ),
      { numRuns: 150 },
    );
  });
});
