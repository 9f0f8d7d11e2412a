#!/usr/bin/env node
// Tool output, keel next to Codex: how many bytes of a command's output reach the model (the
// function_call_output of the next model request), and the server's memory while a command in a
// turn prints 500 MB. Both servers run the same app-server conversation against the bench model
// server; prints one JSON object on stdout (bench/run.mjs section "output").
//
//   node bench/tool-output.mjs [--sides keel,codex] [--parts bytes,memory]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { RUN_MARKER, startBenchModelServer } from "./model-server.mjs";
import { processMemory, singleProcess, startPeakSampler } from "./proc-mem.mjs";
import { AppServerClient } from "./rpc.mjs";
import { IDLE_WAIT_MS, runTurn, threadStartParams } from "./scenario.mjs";
import { serverSpec } from "./servers.mjs";

const { values } = parseArgs({
  options: {
    sides: { type: "string", default: "keel,codex" },
    parts: { type: "string", default: "bytes,memory" },
  },
});
const SIDES = values.sides.split(",");
const PARTS = new Set(values.parts.split(","));
/** `seq 1 6000` prints 28,893 bytes (the issue's "29 KB"). */
const SEQ = "seq 1 6000";
const BIG_BYTES = 500_000_000;
const BIG = `head -c ${BIG_BYTES} /dev/zero | tr '\\0' a`;
const MODELS = ["gpt-5.5", "my-custom-model"];
const LIMITS = [null, 100];
const MiB = 1024 * 1024;

const log = (msg) => process.stderr.write(`[bench:output] ${msg}\n`);

async function lastToolOutput(origin) {
  const requests = await (await fetch(`${origin}/__control/requests`)).json();
  for (let i = requests.length - 1; i >= 0; i--) {
    const input = requests[i].body?.input ?? [];
    const out = input.findLast?.((item) => item.type === "function_call_output");
    if (out) return typeof out.output === "string" ? out.output : JSON.stringify(out.output);
  }
  return null;
}

async function session(side, ctx, options, body) {
  const spec = serverSpec(side, { ...ctx, ...options });
  const client = new AppServerClient(spec);
  try {
    await client.initialize();
    const started = await client.request("thread/start", threadStartParams(ctx.workspace));
    return await body(client, started.result.thread.id);
  } catch (error) {
    return { error: error instanceof Error ? error.message.slice(0, 400) : String(error) };
  } finally {
    await client.close(30_000);
    fs.rmSync(spec.home, { recursive: true, force: true });
  }
}

/** Bytes of the function_call_output the model gets for `seq 1 6000`. */
function modelFacingBytes(side, ctx, model, limit) {
  const topLevel = limit === null ? [] : [`tool_output_token_limit = ${limit}`];
  return session(side, ctx, { model, topLevel }, async (client, threadId) => {
    await runTurn(client, threadId, `${RUN_MARKER}${SEQ}`);
    const output = await lastToolOutput(ctx.modelOrigin);
    if (output === null) return { error: "no function_call_output reached the model" };
    return {
      bytes: Buffer.byteLength(output),
      marker: /…\d+ (tokens|chars) truncated…/.exec(output)?.[0] ?? null,
    };
  });
}

/** The server's memory while a command in a turn prints 500 MB. */
function bigOutputMemory(side, ctx) {
  return session(side, ctx, {}, async (client, threadId) => {
    await sleep(IDLE_WAIT_MS);
    const idle = processMemory(client.pid);
    let deltaBytes = 0;
    const countDeltas = (msg) => {
      if (msg.method === "item/commandExecution/outputDelta")
        deltaBytes += Buffer.byteLength(msg.params.delta);
    };
    client.listeners.add(countDeltas);
    const server = startPeakSampler(client.pid, 10, singleProcess);
    const tree = startPeakSampler(client.pid, 10);
    const t0 = performance.now();
    let turn;
    try {
      turn = await runTurn(client, threadId, `${RUN_MARKER}${BIG}`);
    } finally {
      client.listeners.delete(countDeltas);
    }
    const turnMs = performance.now() - t0;
    const peakKb = Math.max(server.stop().peakKb, processMemory(client.pid).hwmKb);
    const treePeakKb = tree.stop().peakKb;
    const command = turn.items.find((i) => i.type === "commandExecution");
    return {
      idleRssKb: idle.rssKb,
      peakRssKb: peakKb,
      aboveIdleMiB: +((peakKb - idle.rssKb) / 1024).toFixed(1),
      treePeakRssKb: treePeakKb,
      turnMs: +turnMs.toFixed(0),
      aggregatedOutputBytes: Buffer.byteLength(String(command?.aggregatedOutput ?? "")),
      deltaBytes,
      modelBytes: Buffer.byteLength((await lastToolOutput(ctx.modelOrigin)) ?? ""),
    };
  });
}

async function main() {
  const modelServer = await startBenchModelServer();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-ws-"));
  const userHome = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-user-"));
  const ctx = { modelUrl: modelServer.url, modelOrigin: modelServer.origin, workspace, userHome };
  const result = { command: SEQ, modelFacing: [], bigOutput: {} };
  try {
    for (const model of PARTS.has("bytes") ? MODELS : []) {
      for (const limit of LIMITS) {
        const row = { model, toolOutputTokenLimit: limit };
        for (const side of SIDES) row[side] = await modelFacingBytes(side, ctx, model, limit);
        log(
          `${model} limit ${limit ?? "-"}: ${SIDES.map((s) => `${s} ${row[s].bytes ?? row[s].error}`).join(", ")}`,
        );
        result.modelFacing.push(row);
      }
    }
    if (PARTS.has("memory")) {
      result.bigOutput.command = BIG;
      for (const side of SIDES) {
        result.bigOutput[side] = await bigOutputMemory(side, ctx);
        log(`500 MB (${side}): ${JSON.stringify(result.bigOutput[side])}`);
      }
    }
  } finally {
    await modelServer.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(userHome, { recursive: true, force: true });
  }
  result.targetAboveIdleMiB = 100;
  result.bigOutputBytes = BIG_BYTES;
  result.MiB = MiB;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
