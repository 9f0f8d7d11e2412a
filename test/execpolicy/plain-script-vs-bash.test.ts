import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parsePlainScript } from "../../src/tools/shell-words.js";

/**
 * Rules judge a `bash -lc` script by the commands `parsePlainScript` finds in it; a command matched
 * by allow rules runs outside the sandbox. So whenever it accepts a script, real bash must run
 * only those commands with exactly those words — nothing extra, nothing changed. Checked
 * against bash itself: every command name is unknown, and `command_not_found_handle` logs argv.
 * (A leading `~` is left out: bash expands it to a home folder, which a rule cannot name anyway —
 * no rule token starts with `~` in practice, and the result is still one word.)
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-plain-vs-bash-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const log = path.join(dir, "log");
const HANDLER = `command_not_found_handle() { printf '%s\\0' "$#" "$@" >> ${JSON.stringify(log)}; return 0; }\n`;

/** The commands bash ran, in log order (pipelines may interleave, so callers sort). */
function bashRuns(script: string): string[][] {
  fs.writeFileSync(log, "");
  const run = spawnSync("/bin/bash", ["-c", `${HANDLER}${script}`], {
    env: { PATH: path.join(dir, "none"), HOME: dir },
    cwd: dir,
    encoding: "utf8",
    timeout: 20_000,
  });
  if (run.error) throw run.error;
  const fields = fs.readFileSync(log, "utf8").split("\0");
  const out: string[][] = [];
  for (let i = 0; i + 1 < fields.length; ) {
    const n = Number(fields[i]);
    out.push(fields.slice(i + 1, i + 1 + n));
    i += n + 1;
  }
  return out;
}

const sorted = (commands: string[][]) => commands.map((c) => JSON.stringify(c)).sort();

describe("parsePlainScript agrees with bash", () => {
  it("a script it accepts runs in bash exactly the commands it lists (property)", () => {
    const piece = fc.constantFrom(
      "zqa",
      "zqb",
      " ",
      "\t",
      "\n",
      "\r",
      ";",
      "&&",
      "|",
      "&",
      "'",
      '"',
      "\\",
      "\\\n",
      "#",
      "=",
      "x=1",
      "$",
      "`",
      "!",
      "^",
      ",",
      "-",
      "{",
      "}",
      "(",
      ")",
      "<",
      ">",
      "*",
      "?",
      "[",
      "]",
      "é",
      "\u00a0",
    );
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 10 }), (parts) => {
        const script = `zqa ${parts.join("")}`;
        const plain = parsePlainScript(script);
        if (plain === null) return;
        accepted++;
        // Bash may run fewer (`||` skips, a builtin is not logged, a syntax error runs nothing),
        // never another command or other words.
        const listed = sorted(plain.commands);
        for (const c of sorted(bashRuns(script))) {
          const at = listed.indexOf(c);
          expect(at, `${JSON.stringify(script)} ran ${c}`).toBeGreaterThanOrEqual(0);
          listed.splice(at, 1);
        }
      }),
      { numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(20);
  });
});
