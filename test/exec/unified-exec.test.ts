import { describe, expect, it } from "vitest";
import { ThreadEventSchema } from "../../src/protocol/exec-events.js";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { sleeping, sleepMarker } from "../tools-runtime/support.js";
import { jsonLines, keel, setup } from "./support.js";

describe("keel exec with unified exec sessions", () => {
  it("--json shows a session's command item; a process still running at the end is killed, silently as in Codex 0.169", async () => {
    const s = await setup();
    const m = sleepMarker();
    s.server.enqueue(
      turn([functionCall("exec_command", { cmd: `echo up; sleep ${m}`, yield_time_ms: 250 }, "call_1")]),
      textTurn("Started."),
    );
    const r = await keel(["exec", "--json", "--skip-git-repo-check", "start it"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(r.code).toBe(0);
    const events = jsonLines(r.stdout);
    for (const event of events) expect(ThreadEventSchema.safeParse(event).success).toBe(true);
    const commands = events.filter((e) => e.item?.type === "command_execution");
    expect(commands[0]).toEqual({
      type: "item.started",
      item: {
        id: expect.stringMatching(/^item_\d+$/),
        type: "command_execution",
        command: `/bin/bash -lc 'echo up; sleep ${m}'`,
        aggregated_output: "",
        exit_code: null,
        status: "in_progress",
      },
    });
    // The turn ends with the process still running; keel's exit kills it. Codex prints no
    // item.completed for it (captured in /work/capture/m14app/cap/c169-session).
    expect(events.at(-1)?.type).toBe("turn.completed");
    expect(commands).toHaveLength(1);
    expect(sleeping(m)).toBe(false);
  });
});
