import { describe, expect, it } from "vitest";
import { harness } from "../session/harness.js";
import { fixtureToml, logFile, readLog } from "./fixture.js";

describe("MCP in the session", () => {
  it("starts the servers after session_configured and reports starting → ready → complete", async () => {
    const log = logFile();
    const h = await harness({ configToml: fixtureToml("s", ["--log", log]) });
    const session = await h.manager.start(h.options());
    expect(session.mcp).not.toBeNull();
    await h.waitFor(session.threadId, (m) => m.type === "mcp_startup_complete", 20_000);
    const msgs = h.msgs(session.threadId);
    expect(msgs[0]!.type).toBe("session_configured");
    expect(msgs.filter((m) => m.type.startsWith("mcp_"))).toEqual([
      { type: "mcp_startup_update", server: "s", status: { state: "starting" } },
      { type: "mcp_startup_update", server: "s", status: { state: "ready" } },
      { type: "mcp_startup_complete", ready: ["s"], failed: [], cancelled: [] },
    ]);
    expect(session.mcp!.tools().some((t) => t.name === "echo")).toBe(true);
    // The child runs in the thread's cwd and dies with the thread.
    const [start] = readLog(log);
    expect(start).toMatchObject({ kind: "start", cwd: h.project });
    await session.shutdown();
    expect(() => process.kill(start!.pid, 0)).toThrow();
  });

  it("has no manager and no MCP events when every server is disabled", async () => {
    const log = logFile();
    const h = await harness({ configToml: fixtureToml("s", ["--log", log], "enabled = false") });
    const session = await h.manager.start(h.options());
    expect(session.mcp).toBeNull();
    await session.shutdown();
    expect(h.msgs(session.threadId).filter((m) => m.type.startsWith("mcp_"))).toEqual([]);
    expect(readLog(log)).toEqual([]);
  });

  it("gives every thread its own server process", async () => {
    const log = logFile();
    const h = await harness({ configToml: fixtureToml("s", ["--log", log]) });
    const one = await h.manager.start(h.options());
    const two = await h.manager.start(h.options());
    await one.mcp!.waitForStarting(20_000);
    await two.mcp!.waitForStarting(20_000);
    const pids = new Set(
      readLog(log)
        .filter((e) => e.kind === "start")
        .map((e) => e.pid),
    );
    expect(pids.size).toBe(2);
  });
});
