import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Session } from "../../src/session/index.js";
import { textTurn } from "../support/model-server.js";
import { type Harness, harness, inputTexts, isType, rolloutLines, text } from "./harness.js";

async function runTurn(h: Harness, session: Session, input: string, answer: string): Promise<void> {
  h.server.enqueue(textTurn(answer));
  await session.submit(text(input));
  await session.waitForIdle();
}

describe("resume", () => {
  it("restores exactly the history the model saw and continues without re-sending context", async () => {
    const h = await harness();
    const first = await h.manager.start(h.options());
    await runTurn(h, first, "one", "first answer");
    const threadId = first.threadId;
    const file = first.rolloutPath!;
    const sawFirst = first.history();
    await h.manager.unload(threadId);
    expect(h.manager.loadedThreadIds()).toEqual([]);

    const resumed = await h.manager.resume({ threadId }, h.options());
    expect(resumed.threadId).toBe(threadId);
    expect(resumed.rolloutPath).toBe(file);
    expect(resumed.history()).toEqual(sawFirst);
    const [request1] = h.server.modelRequests();
    // The request starts with the base instructions, which are not history.
    expect(sawFirst.slice(0, request1!.body.input.length - 1)).toEqual(request1!.body.input.slice(1));

    const configured = h.msgs(threadId).filter(isType("session_configured")).at(-1)!;
    expect(configured.initial_messages?.map((m) => m.type)).toEqual([
      "task_started",
      "user_message",
      "agent_message",
      "token_count",
      "task_complete",
    ]);
    expect(resumed.tokenInfo()).not.toBeNull();

    await runTurn(h, resumed, "two", "second answer");
    const request2 = h.server.modelRequests()[1]!;
    expect(request2.body.input.slice(1, sawFirst.length + 1)).toEqual(sawFirst);
    expect(inputTexts({ input: request2.body.input.slice(sawFirst.length + 1) })).toEqual(["two"]);
    // Appended to the same file, no second session_meta.
    expect(rolloutLines(file).filter((l) => l.type === "session_meta")).toHaveLength(1);
  });

  it("warns when resuming with a different model", async () => {
    const h = await harness();
    const first = await h.manager.start(h.options());
    await runTurn(h, first, "one", "answer");
    await h.manager.unload(first.threadId);
    const options = h.options();
    options.config = {
      ...options.config,
      collaborationMode: {
        ...options.config.collaborationMode,
        settings: { ...options.config.collaborationMode.settings, model: "other-model" },
      },
    };
    await h.manager.resume({ threadId: first.threadId }, options);
    const msgs = h.msgs(first.threadId);
    const lastConfigured = msgs.map((m) => m.type).lastIndexOf("session_configured");
    expect(msgs[lastConfigured + 1]).toEqual({
      type: "warning",
      message: expect.stringMatching(
        /^This session was recorded with model `mock-model` but is resuming with `other-model`\./,
      ),
    });
  });

  it("returns the loaded session when asked to resume a loaded thread", async () => {
    const h = await harness();
    const session = await h.manager.start(h.options());
    await runTurn(h, session, "one", "answer");
    expect(await h.manager.resume({ threadId: session.threadId }, h.options())).toBe(session);
  });
});

describe("thread names", () => {
  it("names a thread and reports the name when it is resumed", async () => {
    const h = await harness();
    const session = await h.manager.start(h.options());
    await runTurn(h, session, "one", "answer");
    await session.setThreadName("  Fix the build ");
    expect(h.msgs(session.threadId).at(-1)).toEqual({
      type: "thread_name_updated",
      thread_id: session.threadId,
      thread_name: "Fix the build",
    });
    await h.manager.unload(session.threadId);
    const resumed = await h.manager.resume({ threadId: session.threadId }, h.options());
    expect(resumed.name()).toBe("Fix the build");
    const configured = h.msgs(session.threadId).filter(isType("session_configured")).at(-1);
    expect(configured?.thread_name).toBe("Fix the build");
  });
});

describe("fork", () => {
  it("copies a thread into a new one that remembers its source", async () => {
    const h = await harness();
    const source = await h.manager.start(h.options());
    await runTurn(h, source, "one", "source answer");
    const sourceText = fs.readFileSync(source.rolloutPath!, "utf8");

    const fork = await h.manager.fork({ threadId: source.threadId }, h.options());
    expect(fork.threadId).not.toBe(source.threadId);
    expect(fork.forkedFromId).toBe(source.threadId);
    expect(fork.history()).toEqual(source.history());
    const configured = h.msgs(fork.threadId).find(isType("session_configured"))!;
    expect(configured.forked_from_id).toBe(source.threadId);

    const lines = rolloutLines(fork.rolloutPath!);
    expect(lines[0]).toMatchObject({
      type: "session_meta",
      payload: { id: fork.threadId, forked_from_id: source.threadId },
    });
    expect(lines[1]).toMatchObject({ type: "session_meta", payload: { id: source.threadId } });

    await runTurn(h, fork, "two", "fork answer");
    expect(fs.readFileSync(source.rolloutPath!, "utf8")).toBe(sourceText);
    const request = h.server.modelRequests()[1]!;
    expect(inputTexts(request.body, "user").slice(-2)).toEqual(["one", "two"]);
  });
});

describe("ephemeral", () => {
  it("touches no disk, yet keeps history in memory and can be forked in memory", async () => {
    const h = await harness();
    const session = await h.manager.start(h.options({ ephemeral: true }));
    expect(session.rolloutPath).toBeNull();
    await runTurn(h, session, "one", "answer");
    expect(h.msgs(session.threadId).find(isType("session_configured"))?.rollout_path).toBeNull();
    expect(session.history().length).toBeGreaterThan(2);

    const fork = await h.manager.fork({ threadId: session.threadId }, h.options({ ephemeral: true }));
    expect(fork.history()).toEqual(session.history());
    expect(fork.forkedFromId).toBe(session.threadId);
    expect(fs.readdirSync(h.home).sort()).toEqual(["config.toml"]);
    expect(fs.existsSync(path.join(h.home, "sessions"))).toBe(false);
  });
});
