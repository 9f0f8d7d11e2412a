import path from "node:path";
import type { Writable } from "node:stream";
import { fsFromLegacy, networkFromLegacy, sandboxPolicyFromV2 } from "../../permissions/index.js";
import type { FileSystemSandboxPolicy, NetworkSandboxPolicy } from "../../protocol/permissions.js";
import type { CommandExecParams } from "../../protocol/v2/command-exec.js";
import { buildCommandEnv, compileSandboxPlan, runSandboxed } from "../../sandbox/index.js";
import { exitCodeOf } from "../../tools/runtime/command-orchestrator.js";
import type { Connection } from "../connection.js";
import { invalidParams, invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";
import { loadEngineConfig } from "./config-loader.js";
import type { Engine } from "./engine.js";
import { wire } from "./wire-errors.js";

/**
 * `command/exec` (Codex 0.169, unified-exec.md §6): a command outside any thread, run under the
 * configured sandbox (or the request's) with the server's environment — no exec policy, no
 * approval, no model overlay. Processes belong to the connection that started them: a closed
 * connection kills them.
 */

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CAP_BYTES = 1024 * 1024;
const KILLED_EXIT_CODE = 137;

interface Running {
  abort: AbortController;
  terminal: Writable | null;
}

/** Keeps at most `cap` bytes of a stream; `take` says how much of a chunk still fits. */
class CappedStream {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  constructor(private readonly cap: number | null) {}
  take(chunk: Buffer): Buffer | null {
    const room = this.cap === null ? chunk.length : Math.max(0, this.cap - this.kept);
    if (room === 0) return null;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.kept += part.length;
    return part;
  }
  keep(part: Buffer): void {
    this.chunks.push(part);
  }
  get full(): boolean {
    return this.cap !== null && this.kept >= this.cap;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

function validate(params: CommandExecParams): void {
  if (params.command.length === 0 || params.command[0] === "")
    throw invalidRequest("command must not be empty");
  const streaming = params.tty === true || params.streamStdin === true || params.streamStdoutStderr === true;
  if (streaming && !params.processId)
    throw invalidRequest("command/exec tty or streaming requires a client-supplied processId");
  if (params.size && params.tty !== true) throw invalidParams("command/exec size requires tty: true");
  if (params.timeoutMs != null && params.disableTimeout === true)
    throw invalidParams("command/exec cannot set both timeoutMs and disableTimeout");
  // Not built yet: say so rather than run without what the client asked for.
  if (params.size) throw invalidRequest("command/exec size is not supported by keel yet");
  if (params.streamStdin === true && params.tty !== true)
    throw invalidRequest("command/exec streamStdin without tty is not supported by keel yet");
  if (params.permissionProfile != null)
    throw invalidRequest("command/exec permissionProfile is not supported by keel yet; use sandboxPolicy");
}

function overlayEnv(base: Record<string, string>, overlay: CommandExecParams["env"]): Record<string, string> {
  const env = { ...base };
  for (const [key, value] of Object.entries(overlay ?? {})) {
    if (value === null) delete env[key];
    else env[key] = value;
  }
  return env;
}

export function commandExecHandlers(engine: Engine): HandlerModule {
  /** Live processes with a client id, per connection. */
  const live = new Map<Connection, Map<string | symbol, Running>>();
  const liveOf = (connection: Connection): Map<string | symbol, Running> => {
    let map = live.get(connection);
    if (!map) {
      map = new Map();
      live.set(connection, map);
      connection.onClose(() => {
        for (const run of map!.values()) run.abort.abort();
        live.delete(connection);
      });
    }
    return map;
  };
  const find = (connection: Connection, processId: string): Running => {
    const run = live.get(connection)?.get(processId);
    if (!run) throw invalidRequest(`no active command/exec for process id ${JSON.stringify(processId)}`);
    return run;
  };

  return {
    resource: "command/exec",
    handlers: {
      "command/exec": (params, { connection }) =>
        wire(async () => {
          validate(params);
          const loaded = loadEngineConfig(engine.config, params.cwd ? { cwd: params.cwd } : {});
          const cwd = path.resolve(loaded.cwd, params.cwd ?? ".");
          let fs: FileSystemSandboxPolicy = loaded.fileSystemSandboxPolicy;
          let net: NetworkSandboxPolicy = loaded.networkSandboxPolicy;
          if (params.sandboxPolicy) {
            const legacy = sandboxPolicyFromV2(params.sandboxPolicy);
            const refused = loaded.requirements.sandboxPolicy.clone().set(legacy);
            if (refused !== null) throw invalidRequest(refused.message);
            fs = fsFromLegacy(legacy);
            net = networkFromLegacy(legacy);
          }
          const baseEnv = buildCommandEnv(engine.config.env, loaded.shellEnvironmentPolicy);
          const env = overlayEnv(baseEnv, params.env);
          const plan = {
            ...compileSandboxPlan(fs, net, cwd, {
              tmpdir: env.TMPDIR ?? null,
              uid: typeof process.getuid === "function" ? process.getuid() : undefined,
            }),
            cwd,
          };

          const processId = params.processId ?? null;
          // Every process is the connection's, named or not: a closed connection kills it.
          const running = liveOf(connection);
          const key = processId ?? Symbol("command/exec");
          if (running.has(key))
            throw invalidRequest(`duplicate active command/exec process id: ${JSON.stringify(processId)}`);
          const abort = new AbortController();
          const entry: Running = { abort, terminal: null };
          running.set(key, entry);

          const cap = params.disableOutputCap === true ? null : (params.outputBytesCap ?? DEFAULT_CAP_BYTES);
          const streams = { stdout: new CappedStream(cap), stderr: new CappedStream(cap) };
          const stream = params.streamStdoutStderr === true && processId !== null;
          const on = (name: "stdout" | "stderr") => (chunk: Buffer) => {
            const s = streams[name];
            const part = s.take(chunk);
            if (part === null) return;
            // Streamed bytes are not repeated in the response.
            if (!stream) s.keep(part);
            else
              connection.notify("command/exec/outputDelta", {
                processId: processId!,
                stream: name,
                deltaBase64: part.toString("base64"),
                capReached: s.full,
              });
          };
          try {
            const result = await runSandboxed({
              argv: params.command,
              cwd,
              plan,
              env,
              onStdout: on("stdout"),
              onStderr: on("stderr"),
              ...(cap !== null ? { maxOutputBytes: cap } : {}),
              stateDir: path.join(loaded.keelHome, "sandbox"),
              keelHome: loaded.keelHome,
              signal: abort.signal,
              ...(params.disableTimeout === true
                ? {}
                : { timeoutMs: params.timeoutMs ?? DEFAULT_TIMEOUT_MS }),
              ...(params.tty === true
                ? {
                    tty: true,
                    onSpawn: (spawned) => {
                      entry.terminal = spawned.terminal;
                    },
                  }
                : {}),
            });
            if (result.setupError !== undefined)
              throw invalidRequest(`command/exec could not start: ${result.setupError}`);
            // Codex: a timed-out command answers 124 with no output.
            if (result.timedOut) return { exitCode: exitCodeOf(result), stdout: "", stderr: "" };
            // Codex kills a terminated command with SIGKILL: 137, whatever signal ended it here.
            if (abort.signal.aborted)
              return {
                exitCode: KILLED_EXIT_CODE,
                stdout: streams.stdout.text(),
                stderr: streams.stderr.text(),
              };
            return {
              exitCode: exitCodeOf(result),
              stdout: streams.stdout.text(),
              stderr: streams.stderr.text(),
            };
          } finally {
            if (running.get(key) === entry) running.delete(key);
          }
        }),

      "command/exec/write": (params, { connection }) =>
        wire(async () => {
          const run = find(connection, params.processId);
          if (!run.terminal) throw invalidRequest("command/exec stdin is not streaming for this process");
          if (params.deltaBase64) run.terminal.write(Buffer.from(params.deltaBase64, "base64"));
          // On a terminal, end of input is the EOF character.
          if (params.closeStdin === true) run.terminal.write("\u0004");
          return {};
        }),

      "command/exec/terminate": (params, { connection }) =>
        wire(async () => {
          find(connection, params.processId).abort.abort();
          return {};
        }),
    },
  };
}
