#!/usr/bin/env node
// Session start-up with skills and hooks, keel next to Codex (issue 15): both app-servers get the
// same 20 user skills ($HOME/.agents/skills) and the same 5 command hooks (hooks.json in the home,
// trusted through hooks/list + config/batchWrite before the clock starts), and the same bench model server. Measured:
//
//   threadStartMs   thread/start request → its reply
//   firstTurnMs     the first turn of that thread: turn/start → turn/completed (SessionStart,
//                   UserPromptSubmit and Stop hooks run in it; the skills list goes to the model)
//
// Prints one JSON object on stdout (bench/run.mjs section "startup").
//
//   node bench/startup.mjs [--sides keel,codex] [--runs 5] [--warmup 1] [--skills 20] [--hooks 5]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { startBenchModelServer } from "./model-server.mjs";
import { AppServerClient } from "./rpc.mjs";
import { runTurn, threadStartParams } from "./scenario.mjs";
import { serverSpec } from "./servers.mjs";
import { median } from "./stats.mjs";

const { values } = parseArgs({
  options: {
    sides: { type: "string", default: "keel,codex" },
    runs: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    // 0 and 0 give the same measurement without skills and hooks (the baseline).
    skills: { type: "string", default: "20" },
    hooks: { type: "string", default: "5" },
  },
});
const SIDES = values.sides.split(",");
const RUNS = Number(values.runs);
const WARMUP = Number(values.warmup);
const SKILLS = Number(values.skills);
const HOOK_EVENTS = ["SessionStart", "UserPromptSubmit", "Stop", "PreToolUse", "PostToolUse"].slice(
  0,
  Number(values.hooks),
);

const log = (msg) => process.stderr.write(`[bench:startup] ${msg}\n`);

/** 20 skills under the user's $HOME/.agents/skills, a root both programs read. */
function writeSkills(userHome) {
  for (let i = 0; i < SKILLS; i++) {
    const dir = path.join(userHome, ".agents", "skills", `bench-skill-${i}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, "SKILL.md"),
      `---\nname: bench-skill-${i}\ndescription: Bench skill number ${i}, used when the user asks for task ${i}.\n---\n\n# Skill ${i}\n\nDo step one, then step two.\n`,
    );
  }
}

/** One command hook per event, each a tiny shell command that reads its input and notes its run. */
function writeHooks(home) {
  if (HOOK_EVENTS.length === 0) return;
  const command = `cat >/dev/null; echo ran >> ${JSON.stringify(path.join(home, "hooks-ran"))}`;
  const hooks = Object.fromEntries(
    HOOK_EVENTS.map((event) => [event, [{ hooks: [{ type: "command", command }] }]]),
  );
  fs.writeFileSync(path.join(home, "hooks.json"), JSON.stringify({ hooks }, null, 2));
}

/** Trusts every configured hook the way a client does (hooks/list → config/batchWrite), untimed. */
async function trustHooks(client, cwd) {
  if (HOOK_EVENTS.length === 0) return;
  const { result } = await client.request("hooks/list", { cwds: [cwd] });
  const hooks = result.data[0].hooks;
  if (hooks.length !== HOOK_EVENTS.length) throw new Error(`hooks/list found ${hooks.length} hooks`);
  const edits = hooks.map((h) => ({
    keyPath: `hooks.state.${JSON.stringify(h.key)}.trusted_hash`,
    value: h.currentHash,
    mergeStrategy: "replace",
  }));
  await client.request("config/batchWrite", { edits, reloadUserConfig: true });
}

async function measure(side, ctx) {
  const spec = serverSpec(side, ctx);
  writeHooks(spec.home);
  const client = new AppServerClient(spec);
  try {
    await client.initialize();
    await trustHooks(client, ctx.workspace);
    const t0 = performance.now();
    const { result, at } = await client.request("thread/start", threadStartParams(ctx.workspace));
    const turn = await runTurn(client, result.thread.id, "say hello");
    await client.close(30_000);
    // Proof the hooks took part: SessionStart, UserPromptSubmit and Stop each ran once.
    const marks = path.join(spec.home, "hooks-ran");
    const ran = fs.existsSync(marks) ? fs.readFileSync(marks, "utf8").split("\n").filter(Boolean).length : 0;
    return { threadStartMs: at - t0, firstTurnMs: turn.turnMs, hooksRan: ran };
  } catch (error) {
    return { error: error instanceof Error ? error.message.slice(0, 400) : String(error) };
  } finally {
    await client.close(30_000);
    fs.rmSync(spec.home, { recursive: true, force: true });
  }
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
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-startup-ws-"));
  const userHome = fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-startup-user-"));
  writeSkills(userHome);
  const ctx = { modelUrl: modelServer.url, workspace, userHome };
  const out = { skills: SKILLS, hooks: HOOK_EVENTS.length, runs: RUNS, samples: [], errors: [] };
  try {
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const order = i % 2 === 0 ? SIDES : [...SIDES].reverse();
      const sample = {};
      for (const side of order) {
        sample[side] = await measure(side, ctx);
        if (sample[side].error) out.errors.push(`${side}: ${sample[side].error}`);
      }
      log(
        `${i < WARMUP ? "warm-up" : `run ${i - WARMUP + 1}/${RUNS}`}: ${SIDES.map((s) => `${s} start ${sample[s].threadStartMs?.toFixed(0)} ms, turn ${sample[s].firstTurnMs?.toFixed(0)} ms`).join("; ")}`,
      );
      if (i >= WARMUP) out.samples.push(sample);
    }
  } finally {
    await modelServer.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(userHome, { recursive: true, force: true });
  }
  out.summary = {
    threadStartMs: summary(out.samples, "threadStartMs"),
    firstTurnMs: summary(out.samples, "firstTurnMs"),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

await main();
