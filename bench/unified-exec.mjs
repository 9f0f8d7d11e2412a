#!/usr/bin/env node
// Unified exec, keel next to Codex (same bench model server, same app-server conversation). One
// turn per round: the model calls `exec_command` (`cat` on a PTY, yield 250 ms: it yields a
// session), then answers with a message and a `write_stdin` of "ping\n" (yield 250 ms), then text.
// From the client's notifications:
//   exec_command latency  = commandExecution item/started → the "writing" message's item/started
//   write_stdin round trip = that message's item/started → the final message's item/started
// Each span holds one model round trip to the same local server on both sides, plus the waits
// both runtimes make by design (250 ms; 100 ms + 250 ms after a write), so ratios are also given
// above those waits. Prints one JSON object on stdout.
//
//   node bench/unified-exec.mjs [--pairs 3] [--rounds 3]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { startBenchModelServer, UEXEC_MARKER, UEXEC_WRITING } from "./model-server.mjs";
import { AppServerClient } from "./rpc.mjs";
import { runTurn, threadStartParams } from "./scenario.mjs";
import { serverSpec } from "./servers.mjs";
import { median } from "./stats.mjs";

const { values } = parseArgs({
  options: { pairs: { type: "string", default: "3" }, rounds: { type: "string", default: "3" } },
});
const PAIRS = Number(values.pairs);
const ROUNDS = Number(values.rounds);
/** What each call waits by design on both sides (Codex's code): the yield; after a write, 100 ms + the yield. */
const FIXED_WAIT_MS = { execMs: 250, writeMs: 350 };

const log = (msg) => process.stderr.write(`[bench:uexec] ${msg}\n`);

/** One round: the times of the three item/started notifications that bound the two spans. */
async function round(client, threadId) {
  const at = {};
  const watch = (msg) => {
    if (msg.method !== "item/started" || msg.params?.threadId !== threadId) return;
    const item = msg.params.item;
    const now = performance.now();
    if (item.type === "commandExecution") at.exec ??= now;
    else if (item.type === "agentMessage" && at.writing === undefined) at.writing = now;
    else if (item.type === "agentMessage") at.answer ??= now;
  };
  client.listeners.add(watch);
  try {
    const turn = await runTurn(client, threadId, UEXEC_MARKER);
    const said = turn.items.filter((i) => i.type === "agentMessage").map((i) => i.text);
    if (said[0] !== UEXEC_WRITING || at.answer === undefined)
      throw new Error(`unexpected turn: ${JSON.stringify(said)}`);
    return { execMs: at.writing - at.exec, writeMs: at.answer - at.writing };
  } finally {
    client.listeners.delete(watch);
  }
}

/** One server: a warm-up round, then measured rounds; medians of each span. */
async function serverRun(side, ctx) {
  const spec = serverSpec(side, ctx);
  const client = new AppServerClient(spec);
  try {
    await client.initialize();
    const started = await client.request("thread/start", threadStartParams(ctx.workspace));
    const threadId = started.result.thread.id;
    await round(client, threadId);
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round(client, threadId));
    return {
      execMs: median(rounds.map((r) => r.execMs)),
      writeMs: median(rounds.map((r) => r.writeMs)),
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message.slice(0, 400) : String(error) };
  } finally {
    await client.close(30_000);
    fs.rmSync(spec.home, { recursive: true, force: true });
  }
}

async function main() {
  const modelServer = await startBenchModelServer();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-ws-"));
  const userHome = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-user-"));
  const ctx = { modelUrl: modelServer.url, workspace, userHome };
  const pairs = [];
  try {
    for (let i = 0; i < PAIRS; i++) {
      const order = i % 2 === 0 ? ["keel", "codex"] : ["codex", "keel"];
      const pair = {};
      for (const side of order) pair[side] = await serverRun(side, ctx);
      log(`pair ${i + 1}/${PAIRS}: ${JSON.stringify(pair)}`);
      pairs.push(pair);
    }
  } finally {
    await modelServer.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(userHome, { recursive: true, force: true });
  }
  const ok = pairs.filter((p) => !p.keel.error && !p.codex.error);
  const row = (key) => {
    const fixed = FIXED_WAIT_MS[key];
    return {
      keel: median(ok.map((p) => p.keel[key])),
      codex: median(ok.map((p) => p.codex[key])),
      ratio: median(ok.map((p) => p.keel[key] / p.codex[key])),
      ratioAboveFixedWait: median(ok.map((p) => (p.keel[key] - fixed) / (p.codex[key] - fixed))),
      fixedWaitMs: fixed,
    };
  };
  const result = {
    pairs,
    rounds: ROUNDS,
    errors: pairs.flatMap((p) => [p.keel.error, p.codex.error].filter(Boolean)),
    execCommand: row("execMs"),
    writeStdin: row("writeMs"),
    target: 0.5,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
