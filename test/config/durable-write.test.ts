import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.js";

/**
 * Config writes (config/value/write, config/batchWrite, `keel config`…) go through
 * writeTextAtomic. A rename alone is atomic but not durable: after a power loss the folder may
 * still name the new, never-flushed (empty) file. The system calls of a real write are traced
 * with strace: the temp file is synced before the rename and the folder after it.
 */

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const hasStrace = spawnSync("strace", ["-V"]).status === 0;

describe.skipIf(!hasStrace)("writeTextAtomic", () => {
  it("syncs the new file before renaming it and its folder after", () => {
    const dir = tempDir();
    const file = path.join(dir, "config.toml");
    fs.writeFileSync(file, 'model = "old"\n');
    const module = pathToFileURL(path.join(repo, "dist/config/toml-file.js")).href;
    const script = `const m = await import(${JSON.stringify(module)}); m.writeTextAtomic(${JSON.stringify(file)}, 'model = "new"\\n');`;
    const trace = path.join(dir, "trace.txt");
    const run = spawnSync(
      "strace",
      ["-f", "-y", "-o", trace, "-e", "trace=fsync,fdatasync,rename,renameat,renameat2", process.execPath],
      { input: script, encoding: "utf8" },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(fs.readFileSync(file, "utf8")).toBe('model = "new"\n');
    const calls = fs
      .readFileSync(trace, "utf8")
      .split("\n")
      .filter((l) => l.includes(dir));
    const renameAt = calls.findIndex((l) => /rename/.test(l) && l.includes(`${file}"`));
    expect(renameAt, calls.join("\n")).toBeGreaterThan(-1);
    const tmpSync = calls.findIndex((l) => /\bf(data)?sync\(\d+<.*config\.toml\.\d+\.\w+\.tmp>\)/.test(l));
    expect(tmpSync, calls.join("\n")).toBeGreaterThan(-1);
    expect(tmpSync).toBeLessThan(renameAt);
    const dirSync = calls.findIndex((l, i) => i > renameAt && new RegExp(`fsync\\(\\d+<${dir}>\\)`).test(l));
    expect(dirSync, calls.join("\n")).toBeGreaterThan(renameAt);
  });
});
