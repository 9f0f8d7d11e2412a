import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { functionCall, message, type RecordedRequest, turn } from "../support/model-server.js";
import { fixture, stdioServer, text, turnCompleted } from "./support.js";

/** The shell snapshot and `[shell_environment_policy]` through `keel app-server` (spec §7, §8). */

const POLICY = `
[shell_environment_policy]
exclude = ["keel_probe_drop*"]
set = { KEEL_PROBE_SET = "from-policy" }
`;
const lastOutput = (request: RecordedRequest): string =>
  (request.body as { input: { type: string; output?: string }[] }).input
    .filter((i) => i.type === "function_call_output")
    .at(-1)?.output ?? "";

describe("shell snapshot and environment policy over the app-server", () => {
  it("thread/start does not wait for the snapshot; commands source it once taken; shutdown deletes it", async () => {
    const fx = await fixture({ extraToml: POLICY });
    const flag = path.join(fx.home, "rc-may-finish");
    // The rc file blocks until the test lets it finish: thread/start must answer before that.
    fs.writeFileSync(
      path.join(fx.home, ".bashrc"),
      `while [ ! -e '${flag}' ]; do sleep 0.05; done\nexport SNAP_RC=from-rc\n`,
    );
    const { peer, exited } = stdioServer(fx);
    await peer.initialize();
    const started = await peer.request("thread/start", {
      cwd: fx.workspace,
      approvalPolicy: "never",
      sandbox: "workspace-write",
    });
    const threadId = started.thread.id as string;
    const dir = path.join(fx.home, "shell_snapshots");
    const snapshots = () => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".sh")) : []);
    expect(snapshots()).toEqual([]);
    fs.writeFileSync(flag, "");
    for (let i = 0; i < 250 && snapshots().length === 0; i++) await sleep(20);
    expect(snapshots()).toEqual([expect.stringMatching(new RegExp(`^${threadId}\\.\\d+\\.sh$`))]);

    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: "echo $SNAP_RC/$KEEL_PROBE_SET/$CODEX_THREAD_ID" }, "c1")]),
      turn([message("done")]),
    );
    const t = await peer.request("turn/start", { threadId, input: text("probe") });
    await turnCompleted(peer, t.turn.id);
    expect(lastOutput(fx.model.modelRequests().at(-1)!)).toContain(
      `Output:\nfrom-rc/from-policy/${threadId}\n`,
    );

    peer.close();
    await exited;
    expect(snapshots()).toEqual([]);
  });

  it("[features] shell_snapshot = false in config.toml: no snapshot, commands run without one", async () => {
    const fx = await fixture({ extraToml: "\n[features]\nshell_snapshot = false\n" });
    fs.writeFileSync(path.join(fx.home, ".bashrc"), "export SNAP_RC=from-rc\n");
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const started = await peer.request("thread/start", { cwd: fx.workspace, approvalPolicy: "never" });
    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: `echo \${SNAP_RC-unset}` }, "c1")]),
      turn([message("done")]),
    );
    const t = await peer.request("turn/start", { threadId: started.thread.id, input: text("probe") });
    await turnCompleted(peer, t.turn.id);
    expect(lastOutput(fx.model.modelRequests().at(-1)!)).toContain("Output:\nunset\n");
    // With the feature on, the capture takes about 50 ms (see the test above): 2 s is ample.
    await sleep(2000);
    expect(fs.existsSync(path.join(fx.home, "shell_snapshots"))).toBe(false);
  });

  it("command/exec gets the policy's environment, without the thread id or the unified exec overlay", async () => {
    const fx = await fixture({ extraToml: POLICY });
    fx.env.KEEL_PROBE_DROPPED = "leak";
    fx.env.KEEL_PROBE_KEPT = "kept";
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const probe = `echo $KEEL_PROBE_SET/\${KEEL_PROBE_DROPPED-unset}/$KEEL_PROBE_KEPT/\${CODEX_THREAD_ID-unset}/\${PAGER-unset}`;
    const result = await peer.request("command/exec", { command: ["bash", "-c", probe], cwd: fx.workspace });
    expect(result).toMatchObject({ exitCode: 0, stdout: "from-policy/unset/kept/unset/unset\n" });
  });
});
