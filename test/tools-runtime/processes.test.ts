import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  configFor,
  context,
  functionCall,
  outputText,
  router,
  sleeping,
  sleepMarker,
  workspace,
} from "./support.js";

const marker = sleepMarker;
const alive = sleeping;

describe("processes", () => {
  it("exec_command streams output deltas and answers in Codex's unified-exec shape", async () => {
    const ws = workspace();
    const t = context(configFor(ws, "never", "workspace-write"));
    const cmd = "echo out; echo err 1>&2; exit 3";
    const out = outputText(await router(ws).dispatch(functionCall("exec_command", { cmd }), t.ctx));
    expect(out).toMatch(
      // Codex 0.169 always states the output's token count (8 bytes: 2 tokens).
      /^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\nProcess exited with code 3\nOriginal token count: 2\nOutput:\n/,
    );
    expect(out).toContain("out\n");
    expect(out).toContain("err\n");
    const deltas = t.of("exec_command_output_delta");
    expect(deltas.map((d) => d.stream).sort()).toEqual(["stderr", "stdout"]);
    const [begin] = t.of("exec_command_begin");
    expect(begin).toMatchObject({
      command: ["/bin/bash", "-lc", cmd],
      cwd: ws.root,
      source: "unified_exec_startup",
    });
    const [end] = t.of("exec_command_end");
    expect(end).toMatchObject({ exit_code: 3, status: "failed", stdout: "out\n", stderr: "err\n" });
    expect(end?.aggregated_output).toContain("out\n");
    expect(end?.duration?.secs).toBeGreaterThanOrEqual(0);
  });

  it("large output is cut in the middle, keeping head and tail", async () => {
    const ws = workspace();
    const t = context(configFor(ws, "never", "workspace-write"));
    const out = outputText(
      await router(ws).dispatch(
        functionCall("exec_command", { cmd: "seq 1 100000", max_output_tokens: 200 }),
        t.ctx,
      ),
    );
    // seq 1 100000 prints 588895 bytes; the call's 200 tokens cap the model's byte budget at 800.
    expect(out).toMatch(
      /Original token count: 147224\nOutput:\nWarning: truncated output \(original token count: 147224\)\nTotal output lines: 100000\n\n1\n2\n3\n/,
    );
    expect(out).toContain("…588095 chars truncated…");
    expect(out.endsWith("99999\n100000\n")).toBe(true);
    expect(out.length).toBeLessThan(1100);
  });

  // exec_command processes outlive an interrupt (unified-exec.test.ts); one-shot shell calls do not.
  it("an interrupt kills the whole process tree of a shell call", async () => {
    const ws = workspace();
    const t = context(configFor(ws, "never", "workspace-write"));
    const m = marker();
    const running = router(ws).dispatch(
      functionCall("shell", {
        command: ["bash", "-c", `sleep ${m} & bash -c 'sleep ${m}' & sleep ${m}; echo done`],
      }),
      t.ctx,
    );
    for (let i = 0; i < 100 && !alive(m); i++) await sleep(20);
    expect(alive(m)).toBe(true);
    const at = performance.now();
    t.abort.abort();
    await running;
    expect(performance.now() - at).toBeLessThan(3000);
    for (let i = 0; i < 50 && alive(m); i++) await sleep(20);
    expect(alive(m)).toBe(false);
    expect(t.of("exec_command_end")[0]?.status).toBe("failed");
  });

  it("a timeout kills the command and its background children", async () => {
    const ws = workspace();
    const t = context(configFor(ws, "never", "workspace-write"));
    const m = marker();
    const out = JSON.parse(
      outputText(
        await router(ws).dispatch(
          functionCall("shell", {
            command: ["bash", "-lc", `(sleep ${m} &); echo started; sleep ${m}`],
            timeout_ms: 500,
          }),
          t.ctx,
        ),
      ),
    );
    expect(out.metadata.exit_code).toBe(124);
    expect(out.output).toBe("command timed out after 500 milliseconds\nstarted\n");
    for (let i = 0; i < 50 && alive(m); i++) await sleep(20);
    expect(alive(m)).toBe(false);
  });

  it("a sandbox that cannot be set up refuses the command: no unsandboxed fallback", async () => {
    const ws = workspace();
    const t = context(configFor(ws, "on-request", "workspace-write"));
    const r = router(ws, { bwrapPath: path.join(ws.home, "missing-bwrap") });
    const out = outputText(
      await r.dispatch(functionCall("shell", { command: ["bash", "-lc", "echo x > ran.txt"] }), t.ctx),
    );
    expect(out).toMatch(/^the command was not run: /);
    expect(out).toContain("missing-bwrap");
    expect(fs.existsSync(path.join(ws.root, "ran.txt"))).toBe(false);
    expect(t.asked).toEqual([]);
    expect(t.of("exec_command_end")[0]).toMatchObject({ exit_code: -1, status: "failed" });
  });

  it("commands get a filtered environment", async () => {
    const ws = workspace();
    const t = context(configFor(ws, "never", "workspace-write"));
    const r = router(ws, {
      env: { PATH: process.env.PATH, HOME: ws.home, OPENAI_API_KEY: "sk-x", KEEP_ME: "yes" },
      shellEnvironmentPolicy: { set: { ADDED: "1" } },
    });
    const out = outputText(await r.dispatch(functionCall("exec_command", { cmd: "env | sort" }), t.ctx));
    expect(out).toContain("KEEP_ME=yes");
    expect(out).toContain("ADDED=1");
    expect(out).not.toContain("OPENAI_API_KEY");
  });

  it("shell_command runs its script in the user's shell and reports the exit code", async () => {
    const ws = workspace();
    const t = context(configFor(ws, "never", "workspace-write"));
    const out = outputText(
      await router(ws).dispatch(
        functionCall("shell_command", { command: "echo one; exit 3", login: false }),
        t.ctx,
      ),
    );
    expect(out).toContain("one");
    expect(out).toMatch(/Exit code: 3/);
  });
});
