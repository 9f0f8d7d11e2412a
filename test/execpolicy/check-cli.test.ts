import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * `keel execpolicy check` against the real `codex execpolicy check` 0.169.0: the same rules and
 * argv give byte-identical stdout (spec execpolicy.md §9, acceptance test 1).
 */

const repo = path.resolve(import.meta.dirname, "../..");
const keelBin = path.join(repo, "bin/keel");
const codexBin = path.join(repo, "node_modules/@openai/codex/bin/codex.js");
// The codex binary gets a home outside $TMPDIR (its sandbox helper fails there otherwise).
const cache = path.join(os.homedir(), ".cache");
fs.mkdirSync(cache, { recursive: true });
const codexHome = fs.mkdtempSync(path.join(cache, "keel-test-codex-home-"));
afterAll(() => fs.rmSync(codexHome, { recursive: true, force: true }));

// One folder for every case (tempDir's are removed after each test).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-execpolicy-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const rules = path.join(dir, "a.rules");
fs.writeFileSync(
  rules,
  `# allow read-only git, review the rest
prefix_rule(pattern=["git", ["status", "log"]], decision="allow", match=["git status --short"])
prefix_rule(pattern=["git"], decision="prompt", justification="git needs review")
prefix_rule(pattern=["rm", "-rf"], decision="forbidden", not_match=["rm -f x"])
`,
);

function run(bin: string, args: string[], env: Record<string, string>) {
  return spawnSync(bin, ["execpolicy", "check", ...args], {
    cwd: dir,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
}

describe("keel execpolicy check", () => {
  it.each([
    [["--rules", rules, "--", "git", "status"]],
    [["--rules", rules, "--", "git", "push", "origin"]],
    [["--rules", rules, "--", "/usr/bin/git", "status"]],
    [["--rules", rules, "--resolve-host-executables", "--", "/usr/bin/git", "log"]],
    [["--rules", rules, "--", "ls", "-la"]],
    [["--rules", rules, "--rules", rules, "--pretty", "--", "rm", "-rf", "/"]],
    [["--rules", rules, "--", "git status"]],
  ])("prints what codex prints for %j", (args) => {
    const keel = run(keelBin, args, {});
    const real = spawnSync(process.execPath, [codexBin, "execpolicy", "check", ...args], {
      cwd: dir,
      env: { ...process.env, CODEX_HOME: codexHome },
      encoding: "utf8",
    });
    expect(real.status).toBe(0);
    expect(keel.status).toBe(0);
    expect(keel.stdout).toBe(real.stdout);
  });

  it("fails with exit 1 and the file and message on a bad rules file", () => {
    const bad = path.join(dir, "bad.rules");
    fs.writeFileSync(bad, 'prefix_rule(pattern=["git"], decision="deny")\n');
    const keel = run(keelBin, ["--rules", "bad.rules", "--", "git"], {});
    expect(keel.status).toBe(1);
    expect(keel.stdout).toBe("");
    expect(keel.stderr).toContain("Error: failed to parse policy at bad.rules");
    expect(keel.stderr).toContain("invalid decision: deny");
    expect(keel.stderr).toContain("bad.rules:1:1");
  });
});
