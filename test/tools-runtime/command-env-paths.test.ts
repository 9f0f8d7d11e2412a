import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCommandEnv } from "../../src/sandbox/command-env.js";
import { configFor, context, functionCall, outputText, router, workspace } from "./support.js";

/**
 * `[shell_environment_policy]` reaches the child of every agent launch path, with the thread id:
 * the variable a policy sets is there, the one it excludes is not.
 */

const policy = { exclude: ["keel_probe_drop*"], set: { KEEL_PROBE_SET: "from-policy" } };
const PROBE = `echo "[\${KEEL_PROBE_SET-unset}|\${KEEL_PROBE_DROPPED-unset}|\${CODEX_THREAD_ID-unset}]"`;
const EXPECTED = "[from-policy|unset|thread-1]";

function setup() {
  const ws = workspace();
  const r = router(ws, {
    env: { PATH: process.env.PATH, HOME: ws.home, KEEL_PROBE_DROPPED: "leak", CODEX_THREAD_ID: "ambient" },
    shellEnvironmentPolicy: policy,
    // These tests are about the policy; the snapshot has its own (shell-snapshot.test.ts).
    shellSnapshot: false,
  });
  const t = context(configFor(ws, "never", "workspace-write"));
  const call = async (name: string, args: unknown) =>
    outputText(await r.dispatch(functionCall(name, args), t.ctx));
  return { r, t, call };
}

describe("shell_environment_policy in every launch path", () => {
  it("exec_command (pipes and a PTY session written to by write_stdin)", async () => {
    const { r, call } = setup();
    expect(await call("exec_command", { cmd: PROBE })).toContain(`Output:\n${EXPECTED}\n`);
    const started = await call("exec_command", { cmd: "bash --norc -i", tty: true, yield_time_ms: 500 });
    const id = Number(/session ID (\d+)/.exec(started)?.[1]);
    const reply = await call("write_stdin", {
      session_id: id,
      chars: `${PROBE}\nexit\n`,
      yield_time_ms: 3000,
    });
    expect(reply).toContain(`${EXPECTED}\r\n`);
    await r.terminateProcesses("thread-1");
  });

  it("shell and shell_command", async () => {
    const { call } = setup();
    expect(await call("shell", { command: ["bash", "-c", PROBE] })).toContain(EXPECTED);
    expect(await call("shell_command", { command: PROBE })).toContain(EXPECTED);
  });

  it("the user's own command (thread/shellCommand)", async () => {
    const { r, t } = setup();
    const result = await r.runUserShell(PROBE, "call_user", t.ctx);
    expect(result.output).toBe(`${EXPECTED}\n`);
  });
});

describe("buildCommandEnv: Codex's rules, keel's secret excludes, runtime-owned names", () => {
  it("inherit = core keeps Codex's core set, locale included", () => {
    const base = {
      PATH: "/b",
      HOME: "/h",
      LANG: "C.UTF-8",
      LC_ALL: "C",
      LC_CTYPE: "C",
      EDITOR: "vi",
      TERM: "x",
    };
    expect(buildCommandEnv(base, { inherit: "core" })).toEqual({
      PATH: "/b",
      HOME: "/h",
      LANG: "C.UTF-8",
      LC_ALL: "C",
      LC_CTYPE: "C",
    });
  });

  it("follows the spec's worked example (default excludes on, exclude RUST_*, set a token)", () => {
    const base = { PATH: "/b", MOCK_API_KEY: "k", RUST_LOG: "debug", rust_backtrace: "1" };
    const env = buildCommandEnv(
      base,
      { ignore_default_excludes: false, exclude: ["RUST_*"], set: { EXTRA_TOKEN: "t" } },
      { threadId: "th" },
    );
    expect(env).toEqual({ PATH: "/b", EXTRA_TOKEN: "t", CODEX_THREAD_ID: "th" });
  });

  it("never passes CODEX_PERMISSION_PROFILE, and CODEX_THREAD_ID is only ever the thread's own", () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
    const owned = fc.constantFrom("CODEX_PERMISSION_PROFILE", "CODEX_THREAD_ID");
    const vars = fc.dictionary(fc.oneof(name, owned), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(
        vars,
        vars,
        fc.constantFrom("all", "core", "none") as fc.Arbitrary<"all" | "core" | "none">,
        fc.option(fc.constant("th-1"), { nil: undefined }),
        (base, set, inherit, threadId) => {
          const env = buildCommandEnv(base, { inherit, set }, threadId === undefined ? {} : { threadId });
          expect(env.CODEX_PERMISSION_PROFILE).toBeUndefined();
          expect(env.CODEX_THREAD_ID).toBe(threadId);
        },
      ),
    );
  });
});
