import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appendAllowRule, defaultRulesFile } from "../../src/execpolicy/amend.js";
import { SessionExecPolicy } from "../../src/execpolicy/session-policy.js";
import { tempDir } from "../support/tmp.js";

/** Saving accepted amendments to `$KEEL_HOME/rules/default.rules` (spec execpolicy.md §6). */

describe("amendments", () => {
  it("creates the folder and file, adds a missing final newline first, and skips an identical line", () => {
    const home = tempDir("keel-amend-");
    const file = appendAllowRule(home, ["touch"]);
    expect(file).toBe(defaultRulesFile(home));
    fs.appendFileSync(file, "# no newline at the end");
    appendAllowRule(home, ["git", "a b", 'q"uote']);
    appendAllowRule(home, ["touch"]);
    expect(fs.readFileSync(file, "utf8")).toBe(
      'prefix_rule(pattern=["touch"], decision="allow")\n# no newline at the end\n' +
        'prefix_rule(pattern=["git", "a b", "q\\"uote"], decision="allow")\n',
    );
  });

  it("a saved amendment applies to the session at once, and a new session reads it back", () => {
    const home = tempDir("keel-amend-");
    const folders = [path.join(home, "rules")];
    const session = SessionExecPolicy.load({ keelHome: home, folders, requirements: [], homeDir: home });
    expect(session.current().matches(["touch", "a"], { resolveHostExecutables: true })).toEqual([]);
    session.amend(["touch"]);
    expect(session.current().matches(["touch", "a"], { resolveHostExecutables: true })).toHaveLength(1);
    const next = SessionExecPolicy.load({ keelHome: home, folders, requirements: [], homeDir: home });
    expect(next.loadError).toBeNull();
    expect(next.current().matches(["touch", "a"], { resolveHostExecutables: true })).toHaveLength(1);
  });

  it("concurrent writers from separate processes never interleave or lose a line", async () => {
    const home = tempDir("keel-amend-");
    const amendModule = path.resolve(import.meta.dirname, "../../dist/execpolicy/amend.js");
    const writers = Array.from(
      { length: 4 },
      (_, w) =>
        new Promise<void>((resolve, reject) => {
          const script = `import(${JSON.stringify(amendModule)}).then(m => { for (let i = 0; i < 50; i++) m.appendAllowRule(${JSON.stringify(home)}, ["w${w}", String(i)]); })`;
          const child = spawn(process.execPath, ["-e", script], { stdio: "inherit" });
          child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
        }),
    );
    await Promise.all(writers);
    const lines = fs.readFileSync(defaultRulesFile(home), "utf8").split("\n").filter(Boolean);
    expect(lines).toHaveLength(200);
    expect(lines.every((l) => /^prefix_rule\(pattern=\["w\d", "\d+"\], decision="allow"\)$/.test(l))).toBe(
      true,
    );
  });
});
