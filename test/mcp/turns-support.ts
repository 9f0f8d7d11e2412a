import { functionCall, textTurn, turn } from "../support/model-server.js";
import {
  type Fixture,
  fixture,
  inProcessServer,
  type Message,
  type Peer,
  text,
} from "../app-server-engine/support.js";
import { eventually, fixtureToml, logFile, readLog } from "./fixture.js";

/**
 * An app-server (in process) with the fixture MCP server configured as `fx`, the scripted model
 * server, and helpers to run a turn in which the model calls MCP tools.
 */

export interface McpTurnFixture {
  fx: Fixture;
  peer: Peer;
  threadId: string;
  log: string;
}

export async function mcpThread(
  options: {
    topLevel?: Record<string, string | number | boolean>;
    /** Extra keys of `[mcp_servers.fx]` (TOML lines). */
    serverToml?: string;
    /** More TOML after the server table (e.g. `[mcp_servers.fx.tools.plain]`). */
    extraToml?: string;
    args?: string[];
    /** Wait until the server was asked for its tools (default true). */
    waitForTools?: boolean;
    /** More `thread/start` params. */
    threadParams?: Record<string, unknown>;
  } = {},
): Promise<McpTurnFixture> {
  const log = logFile();
  const fx = await fixture({
    topLevel: { approval_policy: "on-request", sandbox_mode: "workspace-write", ...options.topLevel },
    extraToml: `\n${fixtureToml("fx", ["--log", log, "--instructions", "Fixture instructions.", ...(options.args ?? [])], options.serverToml ?? "")}${options.extraToml ?? ""}`,
  });
  const peer = inProcessServer(fx).connect();
  await peer.initialize();
  const result = await peer.request("thread/start", { cwd: fx.workspace, ...options.threadParams });
  await peer.notification("thread/started");
  const threadId = result.thread.id as string;
  // Once the server has been asked for its tools, the turn's ≤1 s wait for servers still
  // starting covers the rest of the handshake.
  if (options.waitForTools !== false && !options.serverToml?.includes("enabled = false"))
    await eventually(() => (readLog(log).some((e) => e.method === "tools/list") ? true : undefined), 20_000);
  return { fx, peer, threadId, log };
}

export interface ScriptedCall {
  name: string;
  args?: unknown;
  callId: string;
  namespace?: string;
}

/** Queues one model response with these calls (and "done" after), then starts a turn. */
export async function startMcpTurn(t: McpTurnFixture, calls: ScriptedCall[], then = "done"): Promise<string> {
  t.fx.model.enqueue(
    turn(calls.map((c) => functionCall(c.name, c.args ?? {}, c.callId, c.namespace ?? "mcp__fx"))),
    textTurn(then),
  );
  const { turn: started } = await t.peer.request("turn/start", { threadId: t.threadId, input: text("go") });
  return started.id as string;
}

// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
export const outputOf = (body: any, callId: string) =>
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
  body.input.find((i: any) => i.type === "function_call_output" && i.call_id === callId)?.output;

/** The `mcpToolCall` item of `callId` in an `item/completed` notification. */
export function completedItem(peer: Peer, callId: string): Promise<Message> {
  return peer
    .notification("item/completed", (p) => p.item.type === "mcpToolCall" && p.item.id === callId)
    .then((m) => m.params.item);
}

/** `Wall time: 0.0123 seconds\nOutput:` with any figure. */
export const WALL = /^Wall time: \d+\.\d{4} seconds\nOutput:$/;
