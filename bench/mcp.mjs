#!/usr/bin/env node
// MCP, keel next to Codex (issue 13): both app-servers get the same MCP servers (the test fixture,
// test/support/mcp-fixture-server.mjs, over stdio) and the same bench model server. Measured:
//
//   start   thread/start with 5 servers configured: the reply, and the last server's `ready`
//   call    one turn whose model response calls the fixture's `echo` tool: the turn, and the MCP
//           call as the client sees it (mcpToolCall item/started → item/completed)
//
// Prints one JSON object on stdout (bench/run.mjs section "mcp").
//
//   node bench/mcp.mjs [--sides keel,codex] [--runs 5] [--warmup 1]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { MCP_MARKER, startBenchModelServer } from "./model-server.mjs";
import { AppServerClient } from "./rpc.mjs";
import { runTurn, threadStartParams } from "./scenario.mjs";
import { ROOT, serverSpec } from "./servers.mjs";
import { median } from "./stats.mjs";

const { values } = parseArgs({
  options: {
    sides: { type: "string", default: "keel,codex" },
    runs: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
  },
});
const SIDES = values.sides.split(",");
const RUNS = Number(values.runs);
const WARMUP = Number(values.warmup);
const FIXTURE = path.join(ROOT, "test/support/mcp-fixture-server.mjs");
const STARTUP_SERVERS = 5;
const TIMEOUT_MS = 60_000;

const log = (msg) => process.stderr.write(`[bench:mcp] ${msg}\n`);

/** `[mcp_servers.benchN]` tables for `count` fixture servers (written last in config.toml). */
function serverTables(count) {
  const lines = [];
  for (let i = 0; i < count; i++) {
    lines.push(
      "",
      `[mcp_servers.bench${i}]`,
      `command = ${JSON.stringify(process.execPath)}`,
      `args = [${JSON.stringify(FIXTURE)}]`,
    );
  }
  return lines;
}

/** Every `ready` (or `failed`) startup notification, by server name, with its arrival time. */
function watchStartup(client) {
  const settled = new Map();
  client.listeners.add((msg, at) => {
    if (msg.method !== "mcpServer/startupStatus/updated") return;
    const { name, status, error } = msg.params;
    if (status === "ready" || status === "failed") settled.set(name, { status, error, at });
  });
  return settled;
}

async function waitUntil(predicate, what) {
  const deadline = performance.now() + TIMEOUT_MS;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function withServer(side, ctx, servers, body) {
  const spec = serverSpec(side, { ...ctx, topLevel: serverTables(servers) });
  const client = new AppServerClient(spec);
  try {
    const settled = watchStartup(client);
    await client.initialize();
    return await body(client, settled);
  } catch (error) {
    return { error: error instanceof Error ? error.message.slice(0, 400) : String(error) };
  } finally {
    await client.close(30_000);
    fs.rmSync(spec.home, { recursive: true, force: true });
  }
}

async function threadStart(side, ctx) {
  return withServer(side, ctx, STARTUP_SERVERS, async (client, settled) => {
    const t0 = performance.now();
    const { at } = await client.request("thread/start", threadStartParams(ctx.workspace));
    await waitUntil(() => settled.size === STARTUP_SERVERS, `${STARTUP_SERVERS} servers ready`);
    const failed = [...settled.entries()].filter(([, s]) => s.status !== "ready");
    if (failed.length > 0) throw new Error(`${failed[0][0]} failed: ${failed[0][1].error}`);
    const allReadyAt = Math.max(...[...settled.values()].map((s) => s.at));
    return { replyMs: at - t0, allReadyMs: allReadyAt - t0 };
  });
}

async function toolCall(side, ctx) {
  return withServer(side, ctx, 1, async (client, settled) => {
    const { result } = await client.request("thread/start", threadStartParams(ctx.workspace));
    await waitUntil(() => settled.size === 1, "the server ready");
    const threadId = result.thread.id;
    const times = new Map();
    client.listeners.add((msg, at) => {
      const item = msg.params?.item;
      if (item?.type !== "mcpToolCall") return;
      if (msg.method === "item/started") times.set("started", at);
      if (msg.method === "item/completed") times.set("completed", { at, status: item.status });
    });
    const turn = await runTurn(client, threadId, `${MCP_MARKER} call echo`);
    const done = times.get("completed");
    if (done?.status !== "completed") throw new Error(`mcp call ended ${done?.status ?? "without an item"}`);
    return { turnMs: turn.turnMs, callMs: done.at - times.get("started") };
  });
}

function summary(runs, key) {
  const keel = median(runs.map((r) => r.keel?.[key]));
  const codex = median(runs.map((r) => r.codex?.[key]));
  const ratios = runs
    .map((r) =>
      typeof r.keel?.[key] === "number" && r.codex?.[key] > 0 ? r.keel[key] / r.codex[key] : undefined,
    )
    .filter((x) => x !== undefined);
  return { keel, codex, ratio: median(ratios) };
}

async function main() {
  const modelServer = await startBenchModelServer();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-mcp-ws-"));
  const userHome = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-mcp-user-"));
  const ctx = { modelUrl: modelServer.url, workspace, userHome };
  const out = { servers: STARTUP_SERVERS, runs: RUNS, start: [], call: [], errors: [] };
  try {
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const order = i % 2 === 0 ? SIDES : [...SIDES].reverse();
      const start = {};
      const call = {};
      for (const side of order) {
        start[side] = await threadStart(side, ctx);
        call[side] = await toolCall(side, ctx);
        for (const r of [start[side], call[side]]) if (r.error) out.errors.push(`${side}: ${r.error}`);
      }
      log(
        `${i < WARMUP ? "warm-up" : `run ${i - WARMUP + 1}/${RUNS}`}: ${SIDES.map((s) => `${s} ready ${start[s].allReadyMs?.toFixed(0)} ms, call ${call[s].callMs?.toFixed(1)} ms`).join("; ")}`,
      );
      if (i >= WARMUP) {
        out.start.push(start);
        out.call.push(call);
      }
    }
  } finally {
    await modelServer.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(userHome, { recursive: true, force: true });
  }
  out.summary = {
    threadStartReplyMs: summary(out.start, "replyMs"),
    allServersReadyMs: summary(out.start, "allReadyMs"),
    mcpTurnMs: summary(out.call, "turnMs"),
    mcpCallMs: summary(out.call, "callMs"),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

await main();
