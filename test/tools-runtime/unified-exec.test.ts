import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { RETRY_WITHOUT_SANDBOX_REASON, type ToolRouterOptions } from "../../src/tools/runtime/index.js";
import {
  configFor,
  context,
  functionCall,
  loadedConfig,
  outputText,
  router,
  sleeping,
  sleepMarker,
  type TestContext,
  withTokenBudget,
  workspace,
} from "./support.js";

const marker = sleepMarker;
const alive = sleeping;
const sessionOf = (reply: string): number => {
  const match = /^Process running with session ID (\d+)$/m.exec(reply);
  if (!match) throw new Error(`no session id in:\n${reply}`);
  return Number(match[1]);
};
const bodyOf = (reply: string): string => reply.slice(reply.indexOf("\nOutput:\n") + "\nOutput:\n".length);
const wallSeconds = (reply: string): number => Number(/^Wall time: ([\d.]+) seconds$/m.exec(reply)?.[1]);

function setup(
  sandbox: "workspace-write" | "danger-full-access" = "workspace-write",
  options: Partial<ToolRouterOptions> = {},
) {
  const ws = workspace();
  const r = router(ws, options);
  const turn = (): TestContext => context(withTokenBudget(configFor(ws, "never", sandbox)));
  const call = async (t: TestContext, name: string, args: unknown) =>
    outputText(await r.dispatch(functionCall(name, args), t.ctx));
  return { ws, r, turn, call };
}

describe("unified exec: exec_command sessions and write_stdin", () => {
  it("a command still running after its yield gets a session id; a poll returns early at its exit", async () => {
    const { r, turn, call } = setup();
    const t = turn();
    const first = await call(t, "exec_command", { cmd: "echo start; sleep 2; echo end", yield_time_ms: 300 });
    const id = sessionOf(first);
    expect(id).toBeGreaterThanOrEqual(1000);
    expect(id).toBeLessThan(100_000);
    expect(first).toMatch(
      /^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\nProcess running with session ID \d+\nOriginal token count: 2\nOutput:\nstart\n$/,
    );
    expect(t.of("exec_command_begin")[0]).toMatchObject({
      source: "unified_exec_startup",
      process_id: String(id),
    });
    expect(t.of("exec_command_end")).toEqual([]);
    expect(r.runningProcesses("thread-1").map((p) => p.id)).toEqual([id]);

    const poll = await call(t, "write_stdin", { session_id: id, yield_time_ms: 20_000 });
    expect(poll).toMatch(/\nProcess exited with code 0\nOriginal token count: 1\nOutput:\nend\n$/);
    // Early end: far below the 20 s asked for.
    expect(wallSeconds(poll)).toBeLessThan(10);
    const [end] = t.of("exec_command_end");
    expect(end).toMatchObject({ exit_code: 0, status: "completed", aggregated_output: "start\nend\n" });
    expect(end?.process_id).toBe(String(id));
    // Exited and reported: the id is gone.
    expect(await call(t, "write_stdin", { session_id: id })).toBe(
      `write_stdin failed: Unknown process id ${id}`,
    );
  });

  it("a tty session takes raw input across writes, inside bwrap, in a new session", async () => {
    const { r, turn, call } = setup();
    const t = turn();
    const script =
      "stty size; echo tty_nr=$(cut -d' ' -f7 /proc/self/stat); read a; echo got:$a; read b; echo got:$b; read c; echo got:$c";
    const first = await call(t, "exec_command", { cmd: script, tty: true, yield_time_ms: 1000 });
    const id = sessionOf(first);
    expect(first).toContain("24 80\r\n");
    // No controlling terminal (bwrap --new-session): nothing can be pushed into a terminal's input.
    expect(first).toContain("tty_nr=0\r\n");
    const answers: string[] = [];
    for (const word of ["one", "two", "three"])
      answers.push(
        bodyOf(await call(t, "write_stdin", { session_id: id, chars: `${word}\n`, yield_time_ms: 1000 })),
      );
    expect(answers[0]).toBe("one\r\ngot:one\r\n");
    expect(answers[1]).toBe("two\r\ngot:two\r\n");
    expect(answers[2]).toBe("three\r\ngot:three\r\n");
    expect(t.of("terminal_interaction").map((e) => e.stdin)).toEqual(["one\n", "two\n", "three\n"]);
    expect(t.of("terminal_interaction")[0]).toMatchObject({ process_id: String(id) });
    const [end] = t.of("exec_command_end");
    expect(end).toMatchObject({ exit_code: 0, status: "completed" });
    expect(end?.aggregated_output).toContain("got:three");
    expect(r.runningProcesses("thread-1")).toEqual([]);
  });

  it("pipe sessions read /dev/null, refuse input and take Ctrl-C as SIGINT", async () => {
    const { turn, call } = setup();
    const t = turn();
    expect(await call(t, "exec_command", { cmd: "cat; echo after" })).toMatch(
      /\nProcess exited with code 0\n[\s\S]*Output:\nafter\n$/,
    );
    const m = marker();
    const id = sessionOf(await call(t, "exec_command", { cmd: `sleep ${m}`, yield_time_ms: 250 }));
    expect(await call(t, "write_stdin", { session_id: id, chars: "x\n" })).toBe(
      "write_stdin failed: stdin is closed for this session; rerun exec_command with tty=true to keep stdin open",
    );
    expect(alive(m)).toBe(true);
    const stopped = await call(t, "write_stdin", { session_id: id, chars: "\u0003", yield_time_ms: 5000 });
    expect(stopped).toMatch(/\nProcess exited with code 130\n/);
    for (let i = 0; i < 50 && alive(m); i++) await sleep(20);
    expect(alive(m)).toBe(false);
  });

  it("clamps yields: 100 ms waits at least 250 ms, an empty poll at least 5 s; unknown ids are named", async () => {
    // background_terminal_max_timeout bounds the poll below, which asks for a minute.
    const { r, turn, call } = setup("danger-full-access", { backgroundTerminalMaxTimeoutMs: 5000 });
    const t = turn();
    const m = marker();
    const first = await call(t, "exec_command", { cmd: `sleep ${m}`, yield_time_ms: 100 });
    expect(wallSeconds(first)).toBeGreaterThanOrEqual(0.25);
    const id = sessionOf(first);
    const at = performance.now();
    const poll = await call(t, "write_stdin", { session_id: id, yield_time_ms: 60_000 });
    expect(performance.now() - at).toBeGreaterThanOrEqual(4500);
    expect(performance.now() - at).toBeLessThan(40_000);
    expect(sessionOf(poll)).toBe(id);
    expect(t.of("terminal_interaction")).toEqual([
      {
        type: "terminal_interaction",
        call_id: t.of("exec_command_begin")[0]?.call_id,
        process_id: String(id),
        stdin: "",
      },
    ]);
    expect(await call(t, "write_stdin", { session_id: 999_999 })).toBe(
      "write_stdin failed: Unknown process id 999999",
    );
    await r.terminateProcesses("thread-1");
    expect(alive(m)).toBe(false);
  });

  it("counts every byte and truncates to max_output_tokens, capped by the model's budget", async () => {
    const { turn, call } = setup("danger-full-access");
    const t = turn();
    const small = await call(t, "exec_command", { cmd: "seq 1 30000", max_output_tokens: 200 });
    expect(small).toContain("\nOriginal token count: 42224\nOutput:\n");
    expect(small).toMatch(/tokens truncated/);
    expect(bodyOf(small).length).toBeLessThan(2000);
    // Asking for more than the model allows gets the model's 10k tokens (about 40 000 bytes).
    const big = await call(t, "exec_command", { cmd: "seq 1 30000", max_output_tokens: 50_000 });
    expect(bodyOf(big).length).toBeLessThan(41_000);
    expect(bodyOf(big).length).toBeGreaterThan(39_000);
    // Output deltas come in pieces of at most 8 KiB.
    const sizes = t.of("exec_command_output_delta").map((d) => Buffer.byteLength(d.chunk));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8192);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(2 * 168_894);
    // Beyond the process's 1 MiB buffer the count still covers everything printed.
    const huge = await call(t, "exec_command", { cmd: "head -c 3000000 /dev/zero | tr '\\0' a" });
    expect(huge).toContain("\nOriginal token count: 750000\n");
  });

  it("processes outlive an interrupt and the turn; the next turn polls them; shutdown kills them", async () => {
    const { r, turn, call } = setup();
    const first = turn();
    const m = marker();
    const pending = call(first, "exec_command", { cmd: `echo before; sleep ${m}`, yield_time_ms: 20_000 });
    for (let i = 0; i < 100 && !alive(m); i++) await sleep(20);
    first.abort.abort();
    expect(await pending).toBe("aborted by user");
    expect(alive(m)).toBe(true);
    const [stored] = r.runningProcesses("thread-1");
    expect(stored).toBeDefined();

    const next = turn();
    const poll = await call(next, "write_stdin", { session_id: stored!.id, yield_time_ms: 5000 });
    expect(sessionOf(poll)).toBe(stored!.id);
    expect(bodyOf(poll)).toBe("before\n");

    await r.terminateProcesses("thread-1");
    const [end] = first.of("exec_command_end");
    expect(end).toMatchObject({ status: "failed", exit_code: -1, turn_id: "turn-1" });
    expect(r.runningProcesses("thread-1")).toEqual([]);
    for (let i = 0; i < 50 && alive(m); i++) await sleep(20);
    expect(alive(m)).toBe(false);
  });

  it("goes through the orchestrator: a sandbox denial during the yield is escalated after approval", async () => {
    const ws = workspace();
    const t = context(withTokenBudget(configFor(ws, "on-request", "workspace-write")), ["approved"]);
    const reply = outputText(
      await router(ws).dispatch(functionCall("exec_command", { cmd: "echo hi > .git/escalated.txt" }), t.ctx),
    );
    expect(t.asked.map((a) => (a.kind === "exec" ? a.reason : null))).toEqual([RETRY_WITHOUT_SANDBOX_REASON]);
    expect(reply).toMatch(/\nProcess exited with code 0\n/);
    expect(fs.readFileSync(path.join(ws.root, ".git/escalated.txt"), "utf8")).toBe("hi\n");
    expect(t.of("exec_command_end")).toHaveLength(1);
  });

  it("allow_login_shell = false drops login: plain `-c`, and an explicit login is refused", async () => {
    const { turn, call } = setup("workspace-write", { allowLoginShell: false, userShell: "/bin/bash" });
    const t = turn();
    expect(await call(t, "exec_command", { cmd: "echo hi", login: true })).toBe(
      "login shell is disabled by config; omit `login` or set it to false.",
    );
    expect(await call(t, "exec_command", { cmd: "echo $TERM" })).toMatch(/Output:\ndumb\n$/);
    expect(t.of("exec_command_begin")[0]?.command).toEqual(["/bin/bash", "-c", "echo $TERM"]);
  });

  it("reads background_terminal_max_timeout and allow_login_shell from config.toml", () => {
    const ws = workspace();
    fs.writeFileSync(
      path.join(ws.home, "config.toml"),
      "background_terminal_max_timeout = 6000\nallow_login_shell = false\n",
    );
    const loaded = loadedConfig(ws);
    expect(loaded.backgroundTerminalMaxTimeoutMs).toBe(6000);
    expect(loaded.allowLoginShell).toBe(false);
  });

  it("a command that cannot be started is answered with Codex's spawn-error text", async () => {
    const { ws, turn, call } = setup();
    const missing = path.join(ws.root, "no-such-dir");
    const reply = await call(turn(), "exec_command", { cmd: "pwd", workdir: missing });
    expect(reply).toMatch(/^exec_command failed for `pwd`: .*no-such-dir/);
    expect(reply).not.toContain("Process running");
  });

  it("input to a terminal launched outside the sandbox is reviewed write by write", async () => {
    const ws = workspace();
    const r = router(ws);
    const t = context(withTokenBudget(configFor(ws, "on-request", "workspace-write")), [
      "approved",
      "denied",
      "approved_for_session",
      "approved",
    ]);
    const call = async (name: string, args: unknown) =>
      outputText(await r.dispatch(functionCall(name, args), t.ctx));
    const started = await call("exec_command", {
      cmd: "cat",
      tty: true,
      yield_time_ms: 250,
      sandbox_permissions: "require_escalated",
      justification: "Run cat outside the sandbox?",
    });
    const id = sessionOf(started);
    expect(await call("write_stdin", { session_id: id, chars: "no\n" })).toBe(
      "write_stdin rejected: rejected by user",
    );
    expect(bodyOf(await call("write_stdin", { session_id: id, chars: "yes\n", yield_time_ms: 500 }))).toBe(
      "yes\r\nyes\r\n",
    );
    // Approved "for the session" is not remembered: the next write asks again.
    await call("write_stdin", { session_id: id, chars: "\u0004", yield_time_ms: 1000 });
    expect(t.asked).toHaveLength(4);
    expect(t.asked[1]).toMatchObject({
      kind: "exec",
      approvalId: expect.stringMatching(/^call_/),
      command: ["write_stdin", "--session-id", String(id), "no\n"],
      availableDecisions: ["approved", "abort"],
      approvalKind: "write_stdin",
    });
    expect((t.asked[1] as { reason: string }).reason).toMatch(/^Send input to an existing terminal\./);
    expect(t.of("terminal_interaction").map((e) => e.stdin)).toEqual(["yes\n", "\u0004"]);
    await r.terminateProcesses("thread-1");
  });

  it("terminates one process by id: its group dies and its item ends as failed, -1", async () => {
    const { r, turn, call } = setup();
    const t = turn();
    const m = marker();
    const id = sessionOf(await call(t, "exec_command", { cmd: `sleep ${m}`, yield_time_ms: 250 }));
    expect(await r.terminateProcess("other-thread", id)).toBe(false);
    expect(await r.terminateProcess("thread-1", id)).toBe(true);
    expect(await r.terminateProcess("thread-1", id)).toBe(false);
    expect(t.of("exec_command_end")[0]).toMatchObject({ status: "failed", exit_code: -1 });
    for (let i = 0; i < 50 && alive(m); i++) await sleep(20);
    expect(alive(m)).toBe(false);
    expect(await call(t, "write_stdin", { session_id: id })).toBe(
      `write_stdin failed: Unknown process id ${id}`,
    );
  });

  it("a sandboxed command never inherits the terminal of another session", async () => {
    const { r, turn, call } = setup();
    const t = turn();
    const id = sessionOf(await call(t, "exec_command", { cmd: "cat", tty: true, yield_time_ms: 250 }));
    const fds = await call(t, "exec_command", { cmd: "ls -l /proc/self/fd/ /proc/$$/fd/" });
    expect(fds).toMatch(/Process exited with code 0/);
    expect(fds).not.toContain("ptmx");
    expect(fds).not.toContain("/dev/pts");
    await call(t, "write_stdin", { session_id: id, chars: "\u0004" });
    await r.terminateProcesses("thread-1");
  });
});
