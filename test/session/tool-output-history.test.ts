import { describe, expect, it } from "vitest";
import { type ToolCall, type ToolRouter, toolOutputItem } from "../../src/session/index.js";
import { SandboxedToolRouter } from "../../src/tools/runtime/index.js";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { harness, rolloutLines, text } from "./harness.js";

/**
 * Codex's context manager holds every tool output to the model's policy × 1.2 when it records it
 * into the history (here: the unknown mock model, 10 000 bytes = 2 500 tokens → 3 000 tokens),
 * whatever the tool.
 */

const BIG = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join("\n"); // 38,889 bytes

/** A tool whose answer is a 39 KB text (not a command: no truncation of its own). */
const bigTool: ToolRouter = {
  specs: () => [
    { type: "function", name: "dump", description: "test", parameters: { type: "object", properties: {} } },
  ],
  handles: (name) => name === "dump",
  supportsParallel: () => true,
  dispatch: async (call: ToolCall) => toolOutputItem(call, BIG),
};

/** Codex's history cut: in tokens (4 bytes each), whatever the model's policy unit. */
const cut = (budget: number) => {
  const head = BIG.slice(0, budget / 2);
  const tail = BIG.slice(BIG.length - budget / 2);
  return `${head}…${Math.ceil((BIG.length - budget) / 4)} tokens truncated…${tail}`;
};

function outputsIn(body: unknown): string[] {
  return ((body as { input: { type: string; output?: string }[] }).input ?? [])
    .filter((i) => i.type === "function_call_output")
    .map((i) => i.output ?? "");
}

describe("tool outputs in the history", () => {
  it("any tool's output is cut to the policy × 1.2; the rollout keeps it as made; resume cuts again", async () => {
    const h = await harness();
    h.server.enqueue(turn([functionCall("dump", {}, "c1")]), textTurn("ok"));
    const session = await h.manager.start(h.options({ router: bigTool }));
    await session.submit(text("go"));
    await h.waitFor(session.threadId, (m) => m.type === "task_complete");
    expect(outputsIn(h.server.modelRequests()[1]!.body)).toEqual([cut(12_000)]);

    const stored = rolloutLines(session.rolloutPath!).filter(
      (l) => l.type === "response_item" && l.payload.type === "function_call_output",
    );
    expect(stored.map((l) => l.payload.output)).toEqual([BIG]);

    const { threadId } = session;
    await h.manager.unload(threadId);
    const resumed = await h.manager.resume({ threadId }, h.options({ router: bigTool }));
    h.server.enqueue(textTurn("again"));
    await resumed.submit(text("more"));
    await h.waitFor(threadId, (m) => m.type === "task_complete" && h.server.modelRequests().length === 3);
    expect(outputsIn(h.server.modelRequests()[2]!.body)).toEqual([cut(12_000)]);
  });

  it("tool_output_token_limit sets the budget (100 tokens × 1.2)", async () => {
    const h = await harness({ configToml: "tool_output_token_limit = 100\n" });
    h.server.enqueue(turn([functionCall("dump", {}, "c1")]), textTurn("ok"));
    const session = await h.manager.start(h.options({ router: bigTool }));
    await session.submit(text("go"));
    await h.waitFor(session.threadId, (m) => m.type === "task_complete");
    expect(outputsIn(h.server.modelRequests()[1]!.body)).toEqual([cut(480)]);
  });
});

describe("command output in the rollout", () => {
  it("an extended rollout keeps 64 KiB of a 5 MB command's output, as Codex 0.169 does", async () => {
    const h = await harness({ configToml: 'sandbox_mode = "workspace-write"\napproval_policy = "never"\n' });
    const router = new SandboxedToolRouter({ env: { PATH: process.env.PATH, HOME: h.home } });
    h.server.enqueue(
      turn([functionCall("exec_command", { cmd: "head -c 5000000 /dev/zero | tr '\\0' c" }, "c1")]),
      textTurn("ok"),
    );
    const session = await h.manager.start(h.options({ router, persistExtendedHistory: true }));
    await session.submit(text("go"));
    await h.waitFor(session.threadId, (m) => m.type === "task_complete", 30_000);
    const [end] = rolloutLines(session.rolloutPath!).filter(
      (l) => l.type === "event_msg" && l.payload.type === "exec_command_end",
    );
    const side = "c".repeat((65_536 - 50) / 2);
    const kept = `${side}\n... command output truncated for persistence ...\n${side}`;
    expect(end?.payload.aggregated_output).toBe(kept);
    expect(end?.payload.stdout).toBe(kept);
    // The event itself (and the wire item) keeps the 1 MiB head and tail.
    const live = h.msgs(session.threadId).find((m) => m.type === "exec_command_end") as {
      aggregated_output: string;
    };
    expect(live.aggregated_output.length).toBe(
      1024 * 1024 + `\n... ${5_000_000 - 1024 * 1024} bytes omitted ...\n`.length,
    );
  });
});
