import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { inputItems, keel, setup } from "./support.js";

/**
 * A forbidden rule is not evaded by wrapping its command in shell syntax that makes the script
 * non-plain (a redirection, `$(…)`, backticks, a subshell), by nesting it in `bash -c` or `eval`,
 * or by running it through a wrapper (`env`, `timeout`): Codex checks such scripts only as one
 * whole argv (or by their first word), keel also checks the literal commands inside them.
 * Each script below would create `made` in the workspace if it ran.
 */

const SCRIPTS = [
  "touch made 2>&1",
  "echo $(touch made)",
  "echo `touch made`",
  "(touch made)",
  "ls && bash -c 'touch made'",
  "bash -c \"sh -c 'echo hi > /dev/null; touch made'\"",
  "env X=1 touch made",
  "timeout 5 touch made",
  "eval 'touch made'",
];

describe("keel exec: forbidden rules and the commands hidden in a script", () => {
  it("refuses every script that runs a forbidden command, and nothing runs", async () => {
    const s = await setup();
    fs.mkdirSync(path.join(s.home, "rules"));
    fs.writeFileSync(
      path.join(s.home, "rules", "user.rules"),
      'prefix_rule(pattern=["touch"], decision="forbidden", justification="no touching")\n',
    );
    s.server.enqueue(
      turn(SCRIPTS.map((cmd, i) => functionCall("exec_command", { cmd }, `call_${i}`))),
      textTurn("Done."),
    );
    const r = await keel(["exec", "--sandbox", "workspace-write", "touch things"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(r.code).toBe(0);
    const outputs = inputItems(s.server.modelRequests()[1]!.body, "function_call_output");
    expect(outputs).toHaveLength(SCRIPTS.length);
    for (const [i, output] of outputs.entries()) {
      expect(output.call_id).toBe(`call_${i}`);
      expect(output.output, SCRIPTS[i]).toMatch(/^exec_command failed: CreateProcess \{ message: "Rejected/);
      expect(output.output, SCRIPTS[i]).toContain("rejected: no touching");
    }
    expect(fs.existsSync(path.join(s.repo, "made"))).toBe(false);
  });
});
