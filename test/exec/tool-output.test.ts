import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, mockProviderToml, textTurn, turn } from "../support/model-server.js";
import { type ExecSetup, inputItems, jsonLines, keel, setup } from "./support.js";

/**
 * What reaches the model of a command's output, end to end: `keel exec` → model server →
 * exec_command → the next request's function_call_output. The mock model is unknown to keel, so
 * it has Codex's unknown-model budget: 10 000 bytes.
 */

const SEQ_6000 = Array.from({ length: 6000 }, (_, i) => `${i + 1}\n`).join("");

async function runCommand(s: ExecSetup, cmd: string): Promise<string> {
  s.server.enqueue(turn([functionCall("exec_command", { cmd }, "call_1")]), textTurn("Done."));
  const r = await keel(["exec", "--sandbox", "workspace-write", "run it"], { cwd: s.repo, env: s.env });
  expect(r.code, r.stderr).toBe(0);
  const [output] = inputItems(s.server.modelRequests()[1]!.body, "function_call_output");
  return output.output as string;
}

const HEADER = /^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\nProcess exited with code 0\n/;

describe("keel exec: tool output truncation", () => {
  it("a 29 KB output reaches the model as Codex sends it: 10 000 bytes, head and tail", async () => {
    const s = await setup();
    const out = await runCommand(s, "seq 1 6000");
    expect(out).toMatch(HEADER);
    const body = out.replace(HEADER, "");
    expect(body).toBe(
      "Original token count: 7224\nOutput:\n" +
        "Warning: truncated output (original token count: 7224)\nTotal output lines: 6000\n\n" +
        `${SEQ_6000.slice(0, 5000)}…18893 chars truncated…${SEQ_6000.slice(-5000)}`,
    );
  });

  it("tool_output_token_limit = 100 cuts the whole reply to the history budget (480 bytes)", async () => {
    const s = await setup();
    fs.writeFileSync(
      path.join(s.home, "config.toml"),
      mockProviderToml(s.server.url, { topLevel: { tool_output_token_limit: 100 } }),
    );
    const out = await runCommand(s, "seq 1 6000");
    expect(Buffer.byteLength(out)).toBe(480);
    expect(out).toMatch(HEADER);
    const [before = "", after = ""] = out.split(/…\d+ chars truncated…/);
    const head = before.slice(before.indexOf("\n\n") + 2);
    expect(before).toContain(
      "Original token count: 7224\nOutput:\nWarning: truncated output (original token count: 7224)\nTotal output lines: 6000\n\n",
    );
    expect(SEQ_6000.startsWith(head)).toBe(true);
    expect(SEQ_6000.endsWith(after)).toBe(true);
    const removed = Number(/…(\d+) chars truncated…/.exec(out)?.[1]);
    expect(removed).toBe(SEQ_6000.length - head.length - after.length);
    expect(after.length - head.length).toBeLessThanOrEqual(1);
  });

  it("a 5 MB output is kept as 1 MiB head + tail, and only 10 000 bytes of it reach the model", async () => {
    const s = await setup();
    const printed = 5_000_000;
    const out = await runCommand(s, `head -c ${printed} /dev/zero | tr '\\0' a`);
    const omitted = printed - 1024 * 1024;
    expect(out.replace(HEADER, "")).toBe(
      `Original token count: ${printed / 4}\nOutput:\n` +
        `Warning: truncated output (original token count: ${printed / 4})\n... ${omitted} bytes omitted ...\n\n` +
        `${"a".repeat(5000)}…${1024 * 1024 + `\n... ${omitted} bytes omitted ...\n`.length - 10_000} chars truncated…${"a".repeat(5000)}`,
    );
  });
});

describe("keel exec --json: command items stay bounded", () => {
  it("aggregated_output of a 5 MB command is 1 MiB head + tail with the omission line", async () => {
    const s = await setup();
    s.server.enqueue(
      turn([functionCall("exec_command", { cmd: "head -c 5000000 /dev/zero | tr '\\0' b" }, "call_1")]),
      textTurn("Done."),
    );
    const r = await keel(["exec", "--json", "--sandbox", "workspace-write", "run it"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(r.code, r.stderr).toBe(0);
    const done = jsonLines(r.stdout).find(
      (e) => e.type === "item.completed" && e.item.type === "command_execution",
    );
    const text = done.item.aggregated_output as string;
    const omitted = 5_000_000 - 1024 * 1024;
    expect(text).toBe(
      `${"b".repeat(512 * 1024)}\n... ${omitted} bytes omitted ...\n${"b".repeat(512 * 1024)}`,
    );
  });
});
