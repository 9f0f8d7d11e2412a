import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ON_FAILURE_DEPRECATION_WARNING, Session } from "../../src/session/index.js";
import { startupEvents } from "../../src/session/startup.js";
import { harness, text } from "./harness.js";

describe("session start-up", () => {
  it("emits session_configured first, then notices and warnings in Codex's order", async () => {
    const h = await harness({
      configToml:
        'approval_policy = "on-failure"\nsandbox_mode = "workspace-write"\n[features]\nweb_search_request = true\nshiny = true\n',
      requirementsToml:
        'allowed_sandbox_modes = ["read-only"]\nallowed_approval_policies = ["on-failure", "on-request"]\n',
    });
    const session = await h.manager.start(h.options({ underDevelopmentFeatures: ["shiny"] }));
    const msgs = h.msgs(session.threadId);
    expect(msgs.map((m) => m.type)).toEqual([
      "session_configured",
      "deprecation_notice",
      "warning",
      "warning",
      "warning",
      "warning",
    ]);
    const [configured, notice, unknownKeys, downgrade, unstable, onFailure] = msgs;
    expect(configured).toMatchObject({
      session_id: session.threadId,
      forked_from_id: null,
      model: "mock-model",
      model_provider_id: "mock",
      approval_policy: "on-failure",
      sandbox_policy: { type: "read-only" },
      cwd: h.project,
      initial_messages: null,
    });
    expect(notice).toMatchObject({ summary: expect.stringContaining("web_search_request") });
    // `shiny` is not a flag Codex knows, so it is also reported as an unrecognized setting.
    expect(unknownKeys).toMatchObject({ message: expect.stringContaining("`features.shiny` is ignored.") });
    expect(downgrade).toMatchObject({ message: expect.stringContaining("sandbox_mode") });
    expect(unstable).toMatchObject({
      message: expect.stringMatching(/^Under-development features enabled: shiny\./),
    });
    expect(onFailure).toEqual({ type: "warning", message: ON_FAILURE_DEPRECATION_WARNING });
    // Start-up events use the empty submission id.
    expect(h.events.every((e) => e.event.id === "")).toBe(true);
  });

  it("puts hook warnings after the on-failure warning, as Codex appends them last", () => {
    const events = startupEvents(
      { startupWarnings: ["config"], hookWarnings: ["hook"], unstableFeatures: ["x"], configFile: "/c.toml" },
      "on-failure",
      "/home",
    );
    expect(events.map((e) => (e.type === "warning" ? e.message : e.type))).toEqual([
      "config",
      expect.stringMatching(/^Under-development features enabled: x\. /),
      ON_FAILURE_DEPRECATION_WARNING,
      "hook",
    ]);
  });

  it("reports history.jsonl's inode and line count in session_configured", async () => {
    const h = await harness({ homeFiles: { "history.jsonl": '{"a":1}\n{"b":2}\n{"c":3}\n' } });
    const session = await h.manager.start(h.options());
    const [configured] = h.msgs(session.threadId);
    expect(configured).toMatchObject({
      history_log_id: fs.statSync(path.join(h.home, "history.jsonl")).ino,
      history_entry_count: 3,
    });
  });

  it("reserves the rollout path but writes nothing before the first turn", async () => {
    const h = await harness();
    const session = await h.manager.start(h.options());
    expect(session.rolloutPath).toMatch(/rollout-.*\.jsonl$/);
    expect(fs.existsSync(session.rolloutPath!)).toBe(false);
    expect(session.threadId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it("loads AGENTS.md from KEEL_HOME and from the repository root down to the cwd", async () => {
    const h = await harness({
      homeFiles: { "AGENTS.md": "global rule" },
      projectFiles: { "AGENTS.md": "root rule", "pkg/AGENTS.md": "pkg rule", "pkg/x.txt": "" },
    });
    h.server.enqueue({ kind: "turn", outputs: [{ type: "message", text: "ok" }] });
    const session = await h.manager.start(h.options({ cwd: path.join(h.project, "pkg") }));
    await session.submit(text("hi"));
    await h.waitFor(session.threadId, (m) => m.type === "task_complete");
    const [request] = h.server.modelRequests();
    const user = JSON.stringify(request!.body.input);
    const order = ["global rule", "root rule", "pkg rule"].map((t) => user.indexOf(t));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("buffers start-up events for the first reader of the event stream, which ends at shutdown", async () => {
    const h = await harness({ noStore: true });
    const session = await Session.create({ ...h.options(), ephemeral: true });
    const seen: string[] = [];
    const reader = (async () => {
      for await (const event of session.events()) seen.push(event.msg.type);
    })();
    await session.shutdown();
    await reader;
    expect(seen).toEqual(["session_configured", "shutdown_complete"]);
  });
});
