import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readRolloutFile, FileThreadStore } from "../../src/rollout/index.js";
import { tempDir } from "../support/tmp.js";
import { ev } from "./builders.js";

/**
 * Rollouts written by the real Codex CLI against the scripted model server
 * (test/support/model-server-cli.mjs), with Codex's long prompt texts replaced by placeholders:
 * - 0.124.0: `codex exec "run echo fixture-ok"` (one exec_command call), then
 *   `codex exec resume <id> "and a second turn"` appending a second turn to the same file;
 * - 0.169.0: `codex exec "hello from 0.169"` (newer format: world_state and token_usage_record
 *   lines, messages as item_completed events).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const V0124 = "01a20bc1-8167-7672-82bd-a52f86a3ef64";
const V0169 = "01a20bc1-a4e4-70a2-bb7b-97e3ee046d5e";

function installFixture(home: string, id: string): string {
  const name = fs.readdirSync(path.join(here, "fixtures")).find((n) => n.endsWith(`${id}.jsonl`))!;
  const target = path.join(home, "sessions", "2026", "11", "24", name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(here, "fixtures", name), target);
  return target;
}

describe("rollouts written by the Codex CLI", () => {
  it("0.124.0: lists, resumes, rebuilds history and turns, and appends compatibly", async () => {
    const home = tempDir();
    const file = installFixture(home, V0124);
    const original = fs.readFileSync(file, "utf8");
    const store = new FileThreadStore({ home });

    expect((await store.listThreads()).data).toMatchObject([
      {
        id: V0124,
        preview: "run echo fixture-ok",
        modelProvider: "mock",
        model: "gpt-5.4",
        source: "exec",
        cliVersion: "0.124.0",
        tokensUsed: 30395,
      },
    ]);

    const opened = await store.resumeThread({ threadId: V0124 });
    expect(opened.warnings).toEqual([]);
    expect(opened.items).toHaveLength(25);
    const s = opened.session;
    expect(s.history.map((h) => `${h.type}${"role" in h ? `:${h.role}` : ""}`)).toEqual([
      "message:developer",
      "message:user",
      "message:user",
      "function_call",
      "function_call_output",
      "message:assistant",
      "message:user",
      "message:assistant",
    ]);
    expect(s.previousTurnSettings?.model).toBe("gpt-5.4");
    expect(s.referenceContextItem?.turn_id).toBe("01a20bc1-9e5b-7f21-b9be-ef12039e5818");
    expect(s.tokenInfo?.total_token_usage.total_tokens).toBe(30395);
    expect(s.windowGeneration).toBe(0);
    expect(s.lastTurnId).toBe("01a20bc1-9e5b-7f21-b9be-ef12039e5818");

    const read = await store.readThread({ threadId: V0124 }, { includeTurns: true });
    expect(read.turns?.map((t) => [t.status, t.items.map((i) => i.type)])).toEqual([
      ["completed", ["userMessage", "agentMessage"]],
      ["completed", ["userMessage", "agentMessage"]],
    ]);

    await opened.recorder.record([
      ev("user_message", { message: "third", images: [], local_images: [], text_elements: [] }),
    ]);
    await store.close();
    const after = fs.readFileSync(file, "utf8");
    expect(after.startsWith(original)).toBe(true); // append only, never rewritten
    const reread = await readRolloutFile(file);
    expect(reread.lines).toHaveLength(26);
    expect(reread.lines.filter((l) => l.type === "session_meta")).toHaveLength(1);
  });

  it("0.169.0: skips the newer line types without warnings and still rebuilds the turn", async () => {
    const home = tempDir();
    installFixture(home, V0169);
    const store = new FileThreadStore({ home });
    const read = await store.readThread({ threadId: V0169 }, { includeTurns: true });
    expect(read.rollout.warnings).toEqual([]);
    expect(read.rollout.unknownTypeLines).toBe(2); // world_state, token_usage_record
    expect(read.metadata).toMatchObject({ preview: "hello from 0.169", cliVersion: "0.169.0" });
    expect(read.turns?.[0]?.items).toMatchObject([
      { type: "userMessage", content: [{ type: "text", text: "hello from 0.169" }] },
      { type: "agentMessage", text: "fallback answer" },
    ]);
    const fork = await store.forkThread({ from: { threadId: V0169 } });
    expect(fork.session.history.at(-1)).toMatchObject({ role: "assistant" });
    await store.close();
  });
});
