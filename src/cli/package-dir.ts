import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The `dist/` directory of the running keel package. This module may run from dist/cli (tsc),
 * dist/chunks (the bundle) or the start-up snapshot (import.meta.url names dist/keel.cjs), so the
 * package root is found by walking up to the first package.json.
 */
export function packageDistDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json"))) return path.join(dir, "dist");
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the keel package directory");
    dir = parent;
  }
}
