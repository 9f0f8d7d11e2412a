import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { globEntry, pathEntry } from "../../src/permissions/index.js";
import type { SandboxMode } from "../../src/protocol/permissions.js";
import { configFor, context, functionCall, outputText, router, workspace } from "./support.js";

/**
 * Sandbox setup problems on the agent path are failed command items whose message names the
 * path (never a silently weaker sandbox, never "command not found"), and sandbox notes reach the
 * client as one warning event per thread.
 */

const RUN = { command: ["bash", "-c", "echo ran > ran.txt"] };

describe("agent commands: sandbox setup errors", () => {
  it("a writable root that does not exist fails the command with a message naming it", async () => {
    const ws = workspace();
    const missing = path.join(path.dirname(ws.root), "no-such-root");
    const t = context(configFor(ws, "never", "workspace-write", [pathEntry(missing, "write")]));
    const out = outputText(await router(ws).dispatch(functionCall("shell", RUN), t.ctx));
    expect(out).toContain(`writable root ${missing} does not exist`);
    const [end] = t.of("exec_command_end");
    expect(end).toMatchObject({ status: "failed", exit_code: -1 });
    expect(end?.aggregated_output).toContain(`writable root ${missing} does not exist`);
    expect(fs.existsSync(path.join(ws.root, "ran.txt"))).toBe(false);
  });

  it.each(["workspace-write", "danger-full-access"] satisfies SandboxMode[])(
    "a deleted working directory fails the command with a message naming it (%s)",
    async (mode) => {
      const ws = workspace();
      const t = context(configFor(ws, "never", mode));
      fs.rmSync(ws.root, { recursive: true });
      const out = outputText(await router(ws).dispatch(functionCall("shell", RUN), t.ctx));
      expect(out).toContain(`working directory ${ws.root} no longer exists`);
      expect(out).not.toContain("command not found");
      expect(t.of("exec_command_end")[0]).toMatchObject({ status: "failed", exit_code: -1 });
    },
  );
});

describe("agent commands: sandbox notes", () => {
  it("unscanned directories for deny globs are one warning event per thread, not per command", async () => {
    const ws = workspace({ "d1/d2/d3/deep.env": "SECRET" });
    const config = configFor(ws, "never", "workspace-write", [globEntry("**/*.env")]);
    const limited = {
      ...config,
      fileSystemSandboxPolicy: { ...config.fileSystemSandboxPolicy, glob_scan_max_depth: 1 },
    };
    const r = router(ws);
    const first = context(limited);
    await r.dispatch(functionCall("shell", { command: ["true"] }), first.ctx);
    await r.dispatch(functionCall("shell", { command: ["true"] }), first.ctx);
    const warnings = first.of("warning");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(
      /^sandbox: \d+ directories were not scanned for deny-read patterns \(glob_scan_max_depth = 1\)/,
    );

    const otherThread = context(limited, [], { threadId: "thread-2" });
    await r.dispatch(functionCall("shell", { command: ["true"] }), otherThread.ctx);
    expect(otherThread.of("warning")).toHaveLength(1);
  });
});
