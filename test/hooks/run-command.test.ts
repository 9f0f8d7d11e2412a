import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runHookCommand } from "../../src/hooks/run-command.js";
import { tempDir } from "../support/tmp.js";

const escaped: number[] = [];
afterEach(() => {
  for (const pid of escaped.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

describe("runHookCommand timeout", () => {
  it("ends a hook whose child left the process group but still holds stdout", async () => {
    const dir = tempDir("keel-hook-run-");
    const pidFile = path.join(dir, "pid");
    const run = await runHookCommand({
      shell: "/bin/sh",
      command: `setsid sleep 300 & echo $! > ${pidFile}; echo started`,
      cwd: dir,
      env: { PATH: process.env.PATH },
      stdin: "{}",
      timeoutMs: 1000,
    });
    escaped.push(Number(fs.readFileSync(pidFile, "utf8")));
    expect(run.timedOut).toBe(true);
    expect(run.stdout).toContain("started");
  }, 20_000);
});
