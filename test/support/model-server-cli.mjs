#!/usr/bin/env node
// Runs the scripted model server outside vitest (end-to-end runs with the Codex CLI, benchmarks).
//
//   node test/support/model-server-cli.mjs [--port N] [--script turns.json] [--fallback-text TEXT]
//
// Prints one JSON line {"url","origin","port"} when listening, then logs each model request as a
// JSON line on stderr. turns.json is a list of entries, each a full spec ({"kind":"turn",...},
// {"kind":"http",...}, {"kind":"sse",...}), a bare {"status":500,...}, or a shorthand:
//   {"text":"hello"}  {"call":{"name":"exec_command","arguments":{"cmd":"ls"},"callId":"c1"}}
//   {"custom":{"name":"apply_patch","input":"*** Begin Patch\n...","callId":"c2"}}
// More entries can be queued while it runs: POST <origin>/__control/enqueue (same formats after
// expansion: full specs only), GET <origin>/__control/requests.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = path.dirname(fileURLToPath(import.meta.url));
const { build } = await import("esbuild");
const bundled = await build({
  entryPoints: [path.join(here, "model-server.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  write: false,
  logLevel: "error",
});
const code = bundled.outputFiles[0].text;
const lib = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    script: { type: "string" },
    "fallback-text": { type: "string" },
  },
});

function expand(entry) {
  if (typeof entry.text === "string") return lib.textTurn(entry.text);
  if (entry.call?.namespace)
    return lib.turn([
      lib.functionCall(entry.call.name, entry.call.arguments ?? {}, entry.call.callId, entry.call.namespace),
    ]);
  if (entry.call) return lib.functionCallTurn(entry.call.name, entry.call.arguments ?? {}, entry.call.callId);
  if (entry.custom) return lib.customToolCallTurn(entry.custom.name, entry.custom.input, entry.custom.callId);
  return entry;
}

const server = await lib.startModelServer({
  host: values.host,
  port: Number(values.port),
  ...(values["fallback-text"] === undefined ? {} : { fallback: lib.textTurn(values["fallback-text"]) }),
});
if (values.script) {
  const entries = JSON.parse(fs.readFileSync(values.script, "utf8"));
  server.enqueue(...entries.map(expand));
}
let logged = 0;
const timer = setInterval(() => {
  for (const r of server.modelRequests().slice(logged)) {
    process.stderr.write(`${JSON.stringify({ method: r.method, path: r.path, body: r.body })}\n`);
    logged++;
  }
}, 100);
process.stdout.write(`${JSON.stringify({ url: server.url, origin: server.origin, port: server.port })}\n`);

const stop = async () => {
  clearInterval(timer);
  await server.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
