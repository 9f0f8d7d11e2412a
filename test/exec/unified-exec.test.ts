import { describe, expect, it } from "vitest";
import { ThreadEventSchema } from "../../src/protocol/exec-events.js";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { sleeping, sleepMarker } from "../tools-runtime/support.js";
import { jsonLines, keel, setup } from "./support.js";

describe("keel exec with unified exec sessions", () => {
  it("--json shows a session's command item; a process still running at the end is killed and reported", async () => {
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
        status: "in_progress",
      },
    });
    // The turn ends with the process still running; keel's exit kills it and says so.
    expect(events.at(-2)?.type).toBe("turn.completed");
    expect(events.at(-1)).toEqual({
      type: "item.completed",
      item: {
        id: commands[0].item.id,
        type: "command_execution",
        command: `/bin/bash -lc 'echo up; sleep ${m}'`,
        aggregated_output: "up\n",
        exit_code: -1,
        status: "failed",
      },
    });
    expect(sleeping(m)).toBe(false);
  });
});
