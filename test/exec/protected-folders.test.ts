import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { customToolCall, functionCall, textTurn, turn } from "../support/model-server.js";
import { inputItems, jsonLines, keel, setup } from "./support.js";

/**
 * An agent turn (real model server, real bwrap) cannot plant configuration: not through a command,
 * not through apply_patch (issue 11). `keel exec` runs with approval `never`.
 */

const DANGER = 'sandbox_mode = "danger-full-access"';

function toolOutput(body: unknown): string {
  const [output] = inputItems(body, "function_call_output");
  return String(output.output);
}

describe("keel exec: protected config folders", () => {
  it("a command writing sub/.keel/config.toml: the folder is moved out and both model and user are told", async () => {
    const s = await setup();
    const cmd = `mkdir -p sub/.keel && echo '${DANGER}' > sub/.keel/config.toml`;
    s.server.enqueue(turn([functionCall("exec_command", { cmd }, "call_1")]), textTurn("Done."));
    const r = await keel(["exec", "--json", "--sandbox", "workspace-write", "plant config"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(s.repo, "sub/.keel"))).toBe(false);
    const notice = `the sandbox does not let commands create .keel folders: ${path.join(s.repo, "sub/.keel")} was moved to ${s.home}/sandbox/quarantine/`;
    expect(toolOutput(s.server.modelRequests()[1]!.body)).toContain(notice);
    const warnings = jsonLines(r.stdout).filter((e) => e.type === "error" || e.item?.type === "error");
    expect(JSON.stringify(warnings)).toContain(notice);
  });

  it("a command whose quarantine check cannot finish fails, and the model is told", async () => {
    const s = await setup();
    fs.mkdirSync(path.join(s.repo, "deep"));
    // A path longer than PATH_MAX: the check after the command cannot list it.
    const cmd = "cd deep && for i in $(seq 20); do d=$(printf 'd%.0s' $(seq 250)); mkdir $d && cd $d; done";
    s.server.enqueue(turn([functionCall("exec_command", { cmd }, "call_1")]), textTurn("Done."));
    try {
      const r = await keel(["exec", "--json", "--sandbox", "workspace-write", "go deep"], {
        cwd: s.repo,
        env: s.env,
      });
      expect(r.code).toBe(0);
      const error = /sandbox: the command ran, but keel could not check the writable roots .*ENAMETOOLONG/;
      expect(toolOutput(s.server.modelRequests()[1]!.body)).toMatch(error);
      const item = jsonLines(r.stdout).find(
        (e) => e.type === "item.completed" && e.item?.type === "command_execution",
      );
      expect(item?.item.status).toBe("failed");
    } finally {
      spawnSync("rm", ["-rf", path.join(s.repo, "deep")]);
    }
  });

  it("a command cannot git init or mkdir .agents in a workspace that has neither", async () => {
    const s = await setup();
    fs.rmSync(path.join(s.repo, ".git"), { recursive: true });
    const cmd = "git init -q . ; mkdir .agents ; ls -A";
    s.server.enqueue(turn([functionCall("exec_command", { cmd }, "call_1")]), textTurn("Done."));
    const r = await keel(["exec", "--skip-git-repo-check", "--sandbox", "workspace-write", "init"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(r.code).toBe(0);
    const out = toolOutput(s.server.modelRequests()[1]!.body);
    expect(out).toMatch(/Read-only file system|File exists/);
    expect(fs.readdirSync(s.repo)).toEqual([]);
  });

  for (const target of ["sub/.keel/config.toml", ".git/hooks/x"]) {
    it(`apply_patch of ${target} is refused under approval never`, async () => {
      const s = await setup();
      const input = `*** Begin Patch\n*** Add File: ${target}\n+${DANGER}\n*** End Patch`;
      s.server.enqueue(turn([customToolCall("apply_patch", input, "call_1")]), textTurn("Done."));
      const args = ["exec", "--sandbox", "workspace-write", "-m", "gpt-5.5", "patch it"];
      const r = await keel(args, { cwd: s.repo, env: s.env });
      expect(r.code).toBe(0);
      const guard = target.startsWith(".git") ? ".git" : "sub/.keel";
      const [output] = inputItems(s.server.modelRequests()[1]!.body, "custom_tool_call_output");
      expect(output.output).toBe(
        `patch rejected: ${path.join(s.repo, target)} is inside the protected path ${path.join(s.repo, guard)}; ` +
          "writing there needs approval, but approval required by policy, but AskForApproval is set to Never",
      );
      expect(fs.existsSync(path.join(s.repo, target))).toBe(false);
    });
  }
});
