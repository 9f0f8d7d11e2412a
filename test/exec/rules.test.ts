import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { inputItems, keel, setup } from "./support.js";

/** `keel exec` with exec policy rules: user rules, `--ignore-rules`, requirements rules (spec §10.11). */

// biome-ignore lint/suspicious/noExplicitAny: request bodies
const outputOf = (body: any): string => inputItems(body, "function_call_output").at(-1)?.output ?? "";

async function runCat(args: string[], requirements: string | null) {
  const s = await setup();
  fs.mkdirSync(path.join(s.home, "rules"));
  fs.writeFileSync(
    path.join(s.home, "rules", "user.rules"),
    'prefix_rule(pattern=["cat"], decision="forbidden", justification="user says no")\n',
  );
  fs.writeFileSync(path.join(s.repo, "x"), "file text\n");
  const requirementsFile = path.join(s.home, "requirements.toml");
  if (requirements !== null) fs.writeFileSync(requirementsFile, requirements);
  s.server.enqueue(turn([functionCall("exec_command", { cmd: "cat x && ls" }, "call_1")]), textTurn("Done."));
  const r = await keel(["exec", "--sandbox", "workspace-write", ...args, "read x"], {
    cwd: s.repo,
    env: { ...s.env, KEEL_REQUIREMENTS_FILE: requirementsFile },
  });
  expect(r.code).toBe(0);
  return outputOf(s.server.modelRequests()[1]!.body);
}

describe("keel exec and rules", () => {
  it("a user forbidden rule rejects the command; --ignore-rules skips the user rules", async () => {
    expect(await runCat([], null)).toBe(
      'exec_command failed: CreateProcess { message: "Rejected(\\"`/bin/bash -lc \'cat x && ls\'` rejected: user says no\\")" }',
    );
    expect(await runCat(["--ignore-rules"], null)).toContain("file text");
  });

  it("requirements rules still apply with --ignore-rules", async () => {
    const requirements =
      '[rules]\nprefix_rules = [{ pattern = [{ token = "cat" }], decision = "forbidden" }]\n';
    expect(await runCat(["--ignore-rules"], requirements)).toBe(
      'exec_command failed: CreateProcess { message: "Rejected(\\"`/bin/bash -lc \'cat x && ls\'` rejected: policy forbids commands starting with `cat`\\")" }',
    );
  });
});
