import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  amendmentLine,
  appendAllowRule,
  defaultRulesFile,
  parseAmendmentLine,
} from "../../src/execpolicy/amend.js";
import { tempDir } from "../support/tmp.js";

const bin = path.resolve(import.meta.dirname, "../../bin/keel");

describe("saved amendments (keel debug approvals)", () => {
  it("every line an amendment writes reads back as the same prefix", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), (prefix) => {
        expect(parseAmendmentLine(amendmentLine(prefix))).toEqual(prefix);
      }),
    );
  });

  it("hand-written rules are not taken for amendments", () => {
    expect(parseAmendmentLine('prefix_rule(pattern=["git"], decision="forbidden")')).toBeNull();
    expect(parseAmendmentLine('prefix_rule(pattern=["git", ["a", "b"]], decision="allow")')).toBeNull();
    expect(parseAmendmentLine('prefix_rule(pattern=["git"],decision="allow")')).toBeNull();
    expect(parseAmendmentLine("# prefix_rule")).toBeNull();
  });

  it("`keel debug approvals` lists the amendments of default.rules as JSON, with the app-server's ids", () => {
    const home = tempDir("keel-debug-approvals-");
    const env = { ...process.env, KEEL_HOME: home };
    const empty = spawnSync(bin, ["debug", "approvals"], { env, encoding: "utf8" });
    expect(empty.status).toBe(0);
    expect(JSON.parse(empty.stdout)).toEqual({ data: [] });

    fs.mkdirSync(path.dirname(defaultRulesFile(home)), { recursive: true });
    fs.writeFileSync(defaultRulesFile(home), '# mine\nprefix_rule(pattern=["rm"], decision="forbidden")\n');
    appendAllowRule(home, ["git", "status"]);
    appendAllowRule(home, ["touch"]);
    const run = spawnSync(bin, ["debug", "approvals"], { env, encoding: "utf8" });
    expect(run.stderr).toBe("");
    const { data } = JSON.parse(run.stdout);
    expect(data).toEqual([
      {
        kind: "execpolicyAmendment",
        id: expect.any(String),
        prefix: ["git", "status"],
        source: "defaultRules",
      },
      { kind: "execpolicyAmendment", id: expect.any(String), prefix: ["touch"], source: "defaultRules" },
    ]);
  });

  it("an unreadable default.rules is a one-line error naming the file", () => {
    const home = tempDir("keel-debug-approvals-");
    fs.mkdirSync(defaultRulesFile(home), { recursive: true });
    const run = spawnSync(bin, ["debug", "approvals"], {
      env: { ...process.env, KEEL_HOME: home },
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `keel: cannot read ${defaultRulesFile(home)}: EISDIR: illegal operation on a directory, read\n`,
    );
  });
});
