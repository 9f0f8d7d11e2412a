import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { Policy, parseRulesInto, RulesFileError } from "../../src/execpolicy/index.js";

/**
 * Hostile rules files: whatever bytes a `.rules` file holds, loading it ends — with the rules or
 * with a load error (which drops every file rule, spec execpolicy.md §1) — and never hangs or
 * dies with a stack overflow.
 */

const repo = path.resolve(import.meta.dirname, "../..");
const keelBin = path.join(repo, "bin/keel");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-hostile-rules-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function loadOutcome(text: string): "ok" | RulesFileError {
  try {
    parseRulesInto(new Policy(), "t.rules", text, "/home/u");
    return "ok";
  } catch (error) {
    if (error instanceof RulesFileError) return error;
    throw error;
  }
}

/** `keel execpolicy check` on a rules file; the timeout only stops a hang from stalling the suite. */
function check(text: string) {
  const file = path.join(dir, `r${Math.random().toString(36).slice(2)}.rules`);
  fs.writeFileSync(file, text);
  return spawnSync(keelBin, ["execpolicy", "check", "--rules", file, "--", "ls"], {
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("hostile rules files", () => {
  it("a file ending in a backslash inside a string is a load error, not a hang", () => {
    const run = check('prefix_rule(pattern=["ls"], justification="x\\');
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("unterminated string literal");
  });

  it("deeply nested lists are a load error, not a stack overflow", () => {
    const deep = `prefix_rule(pattern=${"[".repeat(100_000)}`;
    const outcome = loadOutcome(deep);
    expect(outcome).toBeInstanceOf(RulesFileError);
    expect((outcome as RulesFileError).detail.message).toMatch(/nested too deeply/);
    const run = check(deep);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("nested too deeply");
    expect(run.stderr).not.toMatch(/RangeError|\n\s+at /);
  });

  it("two levels of lists (patterns with alternatives) still load", () => {
    expect(loadOutcome('prefix_rule(pattern=["git", ["status", "log"]])')).toBe("ok");
  });

  it("any text built from string-literal edges ends in the rules or a load error (property)", () => {
    const pieces = fc.constantFrom('"', "'", '"""', "'''", "\\", "\\\n", "r", "x", "[", "]", "(", ")", "\n");
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
        const outcome = loadOutcome(`prefix_rule(pattern=["a"], justification=${parts.join("")}`);
        expect(outcome === "ok" || outcome instanceof RulesFileError).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
