import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { inputItems, keel, setup } from "./support.js";

/** The agent path end to end: `keel exec` → model server → exec_command → bwrap. */

describe("keel exec: how commands are launched", () => {
  it("the command does not see the parent's secrets (same policy as `keel sandbox`)", async () => {
    const s = await setup();
    s.server.enqueue(turn([functionCall("exec_command", { cmd: "env" }, "call_1")]), textTurn("Done."));
    const env = {
      ...s.env,
      OPENAI_API_KEY: "sk-parent-secret",
      GITHUB_TOKEN: "ghp-parent-secret",
      PLAIN_SETTING: "visible",
    };
    const r = await keel(["exec", "--sandbox", "workspace-write", "show env"], { cwd: s.repo, env });
    expect(r.code).toBe(0);
    const [output] = inputItems(s.server.modelRequests()[1]!.body, "function_call_output");
    expect(output.output).toContain("PLAIN_SETTING=visible");
    expect(output.output).not.toMatch(/OPENAI_API_KEY|GITHUB_TOKEN|parent-secret/);
  });

  it("the deny-glob scan note reaches the transcript as a warning, once", async () => {
    const s = await setup({ topLevel: { default_permissions: "dev" } });
    fs.appendFileSync(
      path.join(s.home, "config.toml"),
      [
        "[permissions.dev]",
        'extends = ":workspace"',
        "[permissions.dev.filesystem]",
        "glob_scan_max_depth = 1",
        '[permissions.dev.filesystem.":workspace_roots"]',
        '"**/*.env" = "deny"',
        "",
      ].join("\n"),
    );
    fs.mkdirSync(path.join(s.repo, "d1/d2"), { recursive: true });
    s.server.enqueue(
      turn([
        functionCall("exec_command", { cmd: "true" }, "call_1"),
        functionCall("exec_command", { cmd: "true" }, "call_2"),
      ]),
      textTurn("Done."),
    );
    const r = await keel(["exec", "run twice"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith("warning: sandbox: "));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /directories were not scanned for deny-read patterns \(glob_scan_max_depth = 1\)/,
    );
  });
});
