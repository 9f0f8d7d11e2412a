#!/usr/bin/env node
// The local model server for the benchmarks, in its own process so its work does not share the
// harness's event loop. Bundles test/support/model-server.ts with esbuild into bench/.cache (once,
// rebuilt when the sources change) and answers every model request from the request itself, so
// keel and Codex get identical responses however many requests they make and in whatever order:
//
//   last input item is a tool output          → text "Ran it: hi"
//   last user message contains SHELL_MARKER   → exec_command {"cmd":"echo hi"}
//   last user message starts with RUN_MARKER  → exec_command {"cmd": the rest of the message}
//   last user message contains MCP_MARKER     → `echo {"text":"hi"}` in namespace `mcp__bench0`
//   last user message is UEXEC_MARKER         → exec_command {"cmd":"cat","tty":true}; its reply
//                                               (a session) → a message and write_stdin "ping\n"
//   anything else                             → a 24-word text answer
//
// Usage as a module: `const server = await startBenchModelServer(); server.url; await server.stop()`.
// As a script: prints {"url","origin","port"} and serves until SIGTERM.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
export const CACHE_DIR = path.join(here, ".cache");
export const SHELL_MARKER = "[bench:shell]";
export const RUN_MARKER = "[bench:run] ";
export const MCP_MARKER = "[bench:mcp]";
export const UEXEC_MARKER = "[bench:uexec]";
export const UEXEC_WRITING = "writing";
export const TEXT_ANSWER =
  "Sure. Here is a short answer of about two dozen words, streamed word by word like a real model would stream it.";

/** Bundles the TypeScript model server into bench/.cache unless an up-to-date bundle exists. */
export async function bundledModelServer() {
  const sources = ["model-server.ts", "model-server-script.ts"].map((f) =>
    path.join(root, "test/support", f),
  );
  const out = path.join(CACHE_DIR, "model-server.bundle.mjs");
  const newest = Math.max(...sources.map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= newest) return out;
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const { build } = await import("esbuild");
  await build({
    entryPoints: [sources[0]],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: out,
    logLevel: "error",
  });
  return out;
}

function lastUserText(input) {
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i];
    if (item?.type === "message" && item.role === "user" && Array.isArray(item.content)) {
      return item.content.map((c) => c.text ?? "").join("");
    }
  }
  return "";
}

function responder(lib) {
  return (request) => {
    const input = Array.isArray(request.body?.input) ? request.body.input : [];
    const last = input[input.length - 1];
    // The unified exec round: both calls use the shortest yield both runtimes allow (250 ms).
    const session = /Process running with session ID (\d+)/.exec(String(last?.output ?? ""));
    if (lastUserText(input) === UEXEC_MARKER) {
      if (last?.type === "message") {
        return lib.functionCallTurn("exec_command", { cmd: "cat", tty: true, yield_time_ms: 250 });
      }
      const sinceUser = input.slice(input.findLastIndex((i) => i.type === "message" && i.role === "user"));
      if (session && !sinceUser.some((i) => i.type === "function_call" && i.name === "write_stdin")) {
        const args = { session_id: Number(session[1]), chars: "ping\n", yield_time_ms: 250 };
        return lib.turn([lib.message(UEXEC_WRITING), lib.functionCall("write_stdin", args)]);
      }
    }
    if (last?.type === "function_call_output" || last?.type === "custom_tool_call_output") {
      return lib.textTurn("Ran it: hi");
    }
    const userText = lastUserText(input);
    if (userText.startsWith(RUN_MARKER)) {
      return lib.functionCallTurn("exec_command", {
        cmd: userText.slice(RUN_MARKER.length),
        yield_time_ms: 30000,
      });
    }
    if (userText.includes(MCP_MARKER)) {
      return lib.turn([
        lib.rawItem({
          type: "function_call",
          namespace: "mcp__bench0",
          name: "echo",
          arguments: JSON.stringify({ text: "hi" }),
          call_id: `call_mcp_${Date.now()}`,
        }),
      ]);
    }
    if (userText.includes(SHELL_MARKER)) {
      return lib.functionCallTurn("exec_command", { cmd: "echo hi", yield_time_ms: 10000 });
    }
    return lib.textTurn(TEXT_ANSWER);
  };
}

async function serve() {
  const lib = await import(await bundledModelServer());
  const server = await lib.startModelServer({ fallback: responder(lib) });
  process.stdout.write(`${JSON.stringify({ url: server.url, origin: server.origin, port: server.port })}\n`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/** Starts this file as a child process; resolves once it listens. */
export async function startBenchModelServer() {
  await bundledModelServer(); // bundle outside the child so its start-up stays short
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--serve"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const first = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    rl.once("line", (line) => resolve(JSON.parse(line)));
    child.once("exit", (code) => reject(new Error(`model server exited (${code})`)));
  });
  return {
    ...first,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

if (process.argv.includes("--serve")) await serve();
