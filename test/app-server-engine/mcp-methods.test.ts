import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURE, fixtureToml, logFile, readLog } from "../mcp/fixture.js";
import { textTurn } from "../support/model-server.js";
import {
  type Fixture,
  fixture,
  type Message,
  type Peer,
  stdioServer,
  text,
  turnCompleted,
} from "./support.js";

/** Spec mcp.md §2 and §7 through the real app-server (`keel app-server` over stdio). */

const RESOURCE_SERVER = path.resolve(import.meta.dirname, "../support/mcp-oauth-server.mjs");

/** A stdio server with resources (the OAuth fixture in `--stdio` mode). */
function resourceServerToml(name: string): string {
  return `[mcp_servers.${name}]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(RESOURCE_SERVER)}, "--stdio"]\n`;
}

const statusOf = (peer: Peer, name: string, status: string) =>
  peer.notification("mcpServer/startupStatus/updated", (p) => p.name === name && p.status === status, 20_000);

/** Everything received, in order: responses as `#id`, start-up statuses as `status:NAME:STATE`. */
function trail(peer: Peer): string[] {
  return peer.received.map((m: Message) =>
    m.method === "mcpServer/startupStatus/updated"
      ? `status:${m.params.name}:${m.params.status}`
      : (m.method ?? `#${m.id}`),
  );
}

async function startThread(fx: Fixture, peer: Peer, params: Record<string, unknown> = {}) {
  const response = await peer.call("thread/start", { cwd: fx.workspace, ...params });
  expect(response.error).toBeUndefined();
  return { id: response.result.thread.id as string, responseId: response.id as number };
}

describe("mcpServer/startupStatus/updated on the wire", () => {
  it("thread/start: reply, thread/started, the starting burst, then ready; a disabled server says nothing", async () => {
    const fx = await fixture({
      extraToml: fixtureToml("alpha") + fixtureToml("beta") + fixtureToml("off", [], "enabled = false"),
    });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const thread = await startThread(fx, peer);
    const alphaReady = await statusOf(peer, "alpha", "ready");
    await statusOf(peer, "beta", "ready");

    const order = trail(peer).filter(
      (t) => t.startsWith("status:") || t === "thread/started" || t === `#${thread.responseId}`,
    );
    expect(order.slice(0, 4)).toEqual([
      `#${thread.responseId}`,
      "thread/started",
      "status:alpha:starting",
      "status:beta:starting",
    ]);
    expect(order.slice(4).sort()).toEqual(["status:alpha:ready", "status:beta:ready"]);
    expect(alphaReady.params).toEqual({
      threadId: thread.id,
      name: "alpha",
      status: "ready",
      error: null,
      failureReason: null,
    });
  });

  it("reports a server that cannot start as failed with Codex's text", async () => {
    const fx = await fixture({
      extraToml: `[mcp_servers.broken]\ncommand = "/nonexistent/keel-mcp-server"\n`,
    });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const thread = await startThread(fx, peer);
    const failed = await statusOf(peer, "broken", "failed");
    expect(failed.params).toEqual({
      threadId: thread.id,
      name: "broken",
      status: "failed",
      error:
        "MCP client for `broken` failed to start: MCP startup failed: No such file or directory (os error 2)",
      failureReason: null,
    });
  });

  it("thread/resume: the starting burst precedes the response", async () => {
    const fx = await fixture({ extraToml: fixtureToml("alpha") });
    const first = stdioServer(fx, "first");
    await first.peer.initialize();
    const { id: threadId } = await startThread(fx, first.peer);
    fx.model.enqueue(textTurn("done"));
    const { turn } = await first.peer.request("turn/start", { threadId, input: text("hi") });
    await turnCompleted(first.peer, turn.id);
    first.peer.close();
    await first.exited;

    const second = stdioServer(fx, "second");
    await second.peer.initialize();
    const response = await second.peer.call("thread/resume", { threadId });
    expect(response.error).toBeUndefined();
    await statusOf(second.peer, "alpha", "ready");
    const seen = trail(second.peer);
    const at = seen.indexOf(`#${response.id}`);
    expect(seen.indexOf("status:alpha:starting")).toBeGreaterThan(-1);
    expect(seen.indexOf("status:alpha:starting")).toBeLessThan(at);
    expect(seen.indexOf("status:alpha:ready")).toBeGreaterThan(seen.indexOf("status:alpha:starting"));
  });
});
