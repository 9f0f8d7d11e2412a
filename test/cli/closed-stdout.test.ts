// A reader that closes the pipe early (`keel exec … | head -1`): real shell pipelines, real keel
// processes. Printing stops quietly; exec's turn still completes and is saved.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { KEEL_BIN, setup } from "../exec/support.js";

/**
 * Runs `KEEL_BIN args… | reader` in sh; keel's stderr and exit code are captured apart. Async: the
 * model server answers from this process's event loop.
 */
async function pipeline(
  args: string[],
  reader: string,
  options: { cwd: string; env: Record<string, string> },
): Promise<{ shown: string; keelStderr: string; keelCode: number }> {
  const dir = tempDir("keel-pipe-");
  const err = path.join(dir, "stderr");
  const code = path.join(dir, "code");
  const script = `{ "$0" "$@" 2>"${err}"; echo $? >"${code}"; } | ${reader}`;
  const shell = spawn("sh", ["-c", script, KEEL_BIN, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let shown = "";
  shell.stdout.setEncoding("utf8").on("data", (d: string) => {
    shown += d;
  });
  await new Promise((resolve, reject) => shell.on("error", reject).on("close", resolve));
  return {
    shown,
    keelStderr: fs.readFileSync(err, "utf8"),
    keelCode: Number(fs.readFileSync(code, "utf8").trim()),
  };
}

/** The lines of a thread's rollout file under KEEL_HOME. */
// biome-ignore lint/suspicious/noExplicitAny: rollout lines are arbitrary JSON
function rolloutLines(home: string, threadId: string): any[] {
  const files = fs
    .readdirSync(path.join(home, "sessions"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(`${threadId}.jsonl`));
  expect(files).toHaveLength(1);
  return fs
    .readFileSync(path.join(home, "sessions", files[0]!), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

describe("a closed stdout", () => {
  it("keel exec --json | head -1: one line shown, no stack trace, the turn completes and is saved", async () => {
    const s = await setup();
    // The command keeps the turn going after head has read its line and gone away.
    s.server.enqueue(
      turn([functionCall("exec_command", { cmd: "sleep 1; echo still-running" }, "call_1")]),
      textTurn("Finished after the reader left."),
    );
    const r = await pipeline(["exec", "--json", "run it"], "head -1", { cwd: s.repo, env: s.env });
    const first = JSON.parse(r.shown);
    expect(first.type).toBe("thread.started");
    expect(r.keelStderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(r.keelCode).toBe(0);
    expect(s.server.modelRequests()).toHaveLength(2);
    const lines = rolloutLines(s.home, first.thread_id);
    expect(lines.at(-1).payload).toMatchObject({
      type: "task_complete",
      last_agent_message: "Finished after the reader left.",
    });
  });

  it("keel exec | a reader that is already gone: exit 0 and the answer is in the saved thread", async () => {
    const s = await setup();
    s.server.enqueue(textTurn("Nobody reads this."));
    const r = await pipeline(["exec", "hello"], "true", { cwd: s.repo, env: s.env });
    expect(r.keelStderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(r.keelCode).toBe(0);
    const id = /session id: ([0-9a-f-]{36})/.exec(r.keelStderr)?.[1];
    expect(id).toBeDefined();
    expect(rolloutLines(s.home, id!).at(-1).payload).toMatchObject({
      type: "task_complete",
      last_agent_message: "Nobody reads this.",
    });
  });

  it("keel debug config and keel permissions explain | a reader that is already gone: quiet, exit 0", async () => {
    const home = tempDir("keel-debug-home-");
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, KEEL_HOME: home };
    for (const args of [
      ["debug", "config"],
      ["permissions", "explain", "."],
    ]) {
      const r = await pipeline(args, "true", { cwd: home, env });
      expect({ args, stderr: r.keelStderr, code: r.keelCode }).toEqual({ args, stderr: "", code: 0 });
    }
  });

  it("keel sandbox -- yes | head -1: the command is stopped and keel exits quietly with 141", async () => {
    const home = tempDir("keel-sandbox-home-");
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, KEEL_HOME: home };
    const r = await pipeline(["sandbox", "--", "yes"], "head -1", { cwd: home, env });
    expect(r.shown).toBe("y\n");
    expect(r.keelStderr).toBe("");
    expect(r.keelCode).toBe(141);
  });
});
