import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, mockProviderToml, textTurn, turn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { inputItems, keel, setup } from "../exec/support.js";
import { hookScript, hooksJson, payloads, schemaErrors } from "./support.js";

/**
 * Hooks through `keel exec` end to end: real hook scripts, the real sandboxed command, and the
 * model server's record of what the model was sent.
 */

const BLOCK_RM = `case "$(cat ${"$"}{0%.sh}.payload.$n.json)" in *'rm -rf'*) echo "no rm -rf here" >&2; exit 2;; esac`;

describe("keel exec: PreToolUse hooks", () => {
  it("a trusted-by-flag PreToolUse hook blocks `rm -rf`: not run, the model reads Codex's blocked text", async () => {
    const s = await setup();
    const dir = tempDir("keel-hook-scripts-");
    const script = hookScript(dir, "pre", BLOCK_RM);
    fs.writeFileSync(
      path.join(s.home, "hooks.json"),
      hooksJson({ PreToolUse: [{ matcher: "Bash", command: script }] }),
    );
    fs.mkdirSync(path.join(s.repo, "build"));
    s.server.enqueue(
      turn([functionCall("exec_command", { cmd: "rm -rf build" }, "call_rm")]),
      textTurn("ok"),
    );
    const r = await keel(
      ["exec", "--sandbox", "workspace-write", "--dangerously-bypass-hook-trust", "clean"],
      { cwd: s.repo, env: s.env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(s.repo, "build"))).toBe(true);
    const [output] = inputItems(s.server.modelRequests()[1]!.body, "function_call_output");
    expect(output.output).toBe("Command blocked by PreToolUse hook: no rm -rf here. Command: rm -rf build");
    const [payload] = payloads(dir, "pre");
    expect(schemaErrors("pre-tool-use.command.input", payload)).toEqual([]);
    expect(payload).toMatchObject({
      hook_event_name: "PreToolUse",
      tool_name: "Bash",
      tool_input: { command: "rm -rf build" },
      tool_use_id: "call_rm",
      cwd: s.repo,
      permission_mode: "bypassPermissions",
    });
  });

  it("an untrusted hook does not run; with its trusted_hash in config.toml it does", async () => {
    const s = await setup();
    const dir = tempDir("keel-hook-scripts-");
    const script = hookScript(dir, "pre", 'echo "blocked by policy" >&2; exit 2');
    fs.writeFileSync(
      path.join(s.home, "hooks.json"),
      hooksJson({ PreToolUse: [{ matcher: "Bash", command: script }] }),
    );
    s.server.enqueue(turn([functionCall("exec_command", { cmd: "touch first" }, "call_1")]), textTurn("ok"));
    const first = await keel(["exec", "--sandbox", "workspace-write", "go"], { cwd: s.repo, env: s.env });
    expect(first.code, first.stderr).toBe(0);
    expect(payloads(dir, "pre")).toEqual([]);
    expect(fs.existsSync(path.join(s.repo, "first"))).toBe(true);

    // Trust it the way a client does: the key and currentHash hooks/list reports.
    const { discoverHooks } = await import("../../src/hooks/discovery.js");
    const { loadLayerStack } = await import("../../src/config/layers.js");
    const [hook] = discoverHooks(loadLayerStack({ keelHome: s.home, cwd: s.repo }).layers, s.home).hooks;
    expect(hook?.trustStatus).toBe("untrusted");
    fs.appendFileSync(
      path.join(s.home, "config.toml"),
      `\n[hooks.state.${JSON.stringify(hook!.key)}]\ntrusted_hash = ${JSON.stringify(hook!.currentHash)}\n`,
    );
    s.server.enqueue(turn([functionCall("exec_command", { cmd: "touch second" }, "call_2")]), textTurn("ok"));
    const second = await keel(["exec", "--sandbox", "workspace-write", "go"], { cwd: s.repo, env: s.env });
    expect(second.code, second.stderr).toBe(0);
    expect(fs.existsSync(path.join(s.repo, "second"))).toBe(false);
    expect(payloads(dir, "pre")).toHaveLength(1);
    const [output] = inputItems(s.server.modelRequests()[3]!.body, "function_call_output");
    expect(output.output).toBe(
      "Command blocked by PreToolUse hook: blocked by policy. Command: touch second",
    );
  });

  it("a PreToolUse hook's additionalContext reaches the model between the call and its output", async () => {
    const s = await setup();
    const dir = tempDir("keel-hook-scripts-");
    const out = JSON.stringify({
      hookSpecificOutput: { hookEventName: "PreToolUse", additionalContext: "remember: tests live in test/" },
    });
    const script = hookScript(dir, "ctx", `echo '${out}'`);
    fs.writeFileSync(
      path.join(s.home, "hooks.json"),
      hooksJson({ PreToolUse: [{ matcher: "^Ba", command: script }] }),
    );
    s.server.enqueue(turn([functionCall("exec_command", { cmd: "echo hi" }, "call_ctx")]), textTurn("ok"));
    const r = await keel(["exec", "--sandbox", "workspace-write", "--dangerously-bypass-hook-trust", "go"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(r.code, r.stderr).toBe(0);
    const input = s.server.modelRequests()[1]!.body.input as {
      type: string;
      role?: string;
      content?: { text: string }[];
    }[];
    const call = input.findIndex((i) => i.type === "function_call");
    expect(input[call + 1]).toEqual({
      type: "message",
      role: "developer",
      content: [{ type: "input_text", text: "remember: tests live in test/" }],
    });
    expect(input[call + 2]?.type).toBe("function_call_output");
    expect((input[call + 2] as unknown as { output: string }).output).toContain("hi");
  });
});

describe("keel exec: notify", () => {
  it("runs the notify program after the turn with Codex's JSON payload as its last argument", async () => {
    const s = await setup();
    const out = path.join(tempDir("keel-notify-"), "payload.json");
    fs.writeFileSync(
      path.join(s.home, "config.toml"),
      `notify = ["sh", "-c", "printf '%s' \\"$1\\" > ${out}.tmp && mv ${out}.tmp ${out}", "notify"]\n` +
        mockProviderToml(s.server.url),
    );
    s.server.enqueue(textTurn("All done."));
    const r = await keel(["exec", "say hi"], { cwd: s.repo, env: s.env });
    expect(r.code, r.stderr).toBe(0);
    const threadId = /session id: (\S+)/.exec(r.stderr)?.[1];
    for (let i = 0; i < 200 && !fs.existsSync(out); i++) await new Promise((res) => setTimeout(res, 50));
    const payload = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(payload).toEqual({
      type: "agent-turn-complete",
      "thread-id": threadId ?? payload["thread-id"],
      "turn-id": expect.any(String),
      cwd: s.repo,
      client: null,
      "input-messages": ["say hi"],
      "last-assistant-message": "All done.",
    });
  });
});
