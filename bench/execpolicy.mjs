#!/usr/bin/env node
// Exec policy rule evaluation: how long one command takes to check against 1,000 rules (the
// issue's target: < 1 ms). Loads the rules from a real file through keel's parser (dist/), then
// times checkCommandRules on a mix of commands — plain argv, a `bash -lc` script of segments, a
// basename fallback. Prints one JSON object on stdout (bench/run.mjs section "rules").
//
//   node bench/execpolicy.mjs [--rules 1000] [--iterations 20000]
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { checkCommandRules } from "../dist/execpolicy/evaluate.js";
import { Policy } from "../dist/execpolicy/policy.js";
import { parseRulesInto } from "../dist/execpolicy/load.js";

const { values } = parseArgs({
  options: { rules: { type: "string", default: "1000" }, iterations: { type: "string", default: "20000" } },
});
const RULES = Number(values.rules);
const ITERATIONS = Number(values.iterations);

// 1,000 rules over 50 programs, some with alternatives, all three decisions.
const decisions = ["allow", "prompt", "forbidden"];
const lines = [];
for (let i = 0; i < RULES; i++) {
  const program = `tool${i % 50}`;
  const sub = i % 7 === 0 ? `["sub${i}", "alt${i}"]` : `"sub${i}"`;
  lines.push(`prefix_rule(pattern=["${program}", ${sub}, "x"], decision="${decisions[i % 3]}")`);
}
const text = `${lines.join("\n")}\n`;
const parseStart = performance.now();
const policy = new Policy();
parseRulesInto(policy, "bench.rules", text, "/home/bench");
const parseMs = performance.now() - parseStart;

const commands = [
  ["tool7", "sub7", "x", "y"],
  ["/usr/bin/tool3", "sub853", "x"],
  ["/bin/bash", "-lc", "tool1 sub1 x && tool2 nothing | tool49 sub999 x; ls -la"],
  ["unknown", "arg"],
];
const heuristic = () => ({ decision: "allow" });
for (let i = 0; i < 2000; i++) checkCommandRules(policy, commands[i % commands.length], heuristic);

const samples = [];
for (let i = 0; i < ITERATIONS; i++) {
  const command = commands[i % commands.length];
  const start = performance.now();
  checkCommandRules(policy, command, heuristic);
  samples.push(performance.now() - start);
}
samples.sort((a, b) => a - b);
const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
process.stdout.write(
  `${JSON.stringify({
    rules: RULES,
    iterations: ITERATIONS,
    parseMs: Number(parseMs.toFixed(2)),
    perCommandMs: { p50: q(0.5), p99: q(0.99), max: samples.at(-1) },
  })}\n`,
);
