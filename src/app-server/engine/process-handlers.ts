import path from "node:path";
import { dangerFullAccess, fsFromLegacy, networkFromLegacy } from "../../permissions/index.js";
import { buildCommandEnv, compileSandboxPlan } from "../../sandbox/index.js";
import type { Connection } from "../connection.js";
import { internalError, invalidParams, invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";
import { overlayEnv } from "./command-exec.js";
import { loadEngineConfig } from "./config-loader.js";
import type { Engine } from "./engine.js";
import {
  DEFAULT_CAP_BYTES,
  DEFAULT_TIMEOUT_MS,
  ProcessTable,
  SpawnFailure,
  StandaloneProcess,
  resizeStandalone,
  writeStandaloneInput,
} from "./standalone-process.js";
import { wire } from "./wire-errors.js";

/**
 * `process/spawn`, `process/writeStdin`, `process/resizePty`, `process/kill` (Codex 0.169,
 * unified-exec.md §6). As in Codex these run WITHOUT a sandbox: the client asked for a process on
 * the server's host, and only clients that opted into `experimentalApi` may (the registry gates
 * the methods and their notifications). keel still filters the environment by the shell
 * environment policy, as for every command it starts, and (unlike Codex) refuses them when
 * managed requirements do not allow `danger-full-access`. Processes belong to their connection.
 */

const unsandboxed = dangerFullAccess();

export function processHandlers(engine: Engine): HandlerModule {
  const table = new ProcessTable();
  const find = (connection: Connection, handle: string): StandaloneProcess => {
    const proc = table.get(connection, handle);
    if (!proc) throw invalidRequest(`no active process for process handle ${JSON.stringify(handle)}`);
    return proc;
  };

  return {
    resource: "process",
    handlers: {
      "process/spawn": (params, { connection }) =>
        wire(async () => {
          if (!path.isAbsolute(params.cwd))
            throw invalidRequest("Invalid request: AbsolutePathBuf deserialized without a base path");
          if (params.command.length === 0 || params.command[0] === "")
            throw invalidRequest("command must not be empty");
          if (params.size && params.tty !== true)
            throw invalidParams("process/spawn size requires tty: true");
          if (params.size && (params.size.rows === 0 || params.size.cols === 0))
            throw invalidParams("process/spawn size rows and cols must be greater than 0");
          const handle = params.processHandle;
          if (table.has(connection, handle))
            throw invalidRequest(`duplicate active process handle: ${JSON.stringify(handle)}`);

          const loaded = loadEngineConfig(engine.config, { cwd: params.cwd });
          // Unsandboxed means full access: managed requirements that forbid it forbid this too.
          const refused = loaded.requirements.sandboxPolicy.clone().set(unsandboxed);
          if (refused !== null) throw invalidRequest(`process/spawn runs unsandboxed: ${refused.message}`);
          const env = overlayEnv(
            buildCommandEnv(engine.config.env, loaded.shellEnvironmentPolicy),
            params.env,
          );
          const cwd = path.resolve(params.cwd);
          const tty = params.tty === true;
          const stream = tty || params.streamStdoutStderr === true;
          const proc = new StandaloneProcess({
            argv: params.command,
            cwd,
            env,
            plan: {
              ...compileSandboxPlan(fsFromLegacy(unsandboxed), networkFromLegacy(unsandboxed), cwd, {}),
              cwd,
            },
            keelHome: loaded.keelHome,
            tty,
            size: params.size ?? null,
            streamStdin: tty || params.streamStdin === true,
            onDelta: stream
              ? (name, bytes, capReached) =>
                  connection.notify("process/outputDelta", {
                    processHandle: handle,
                    stream: name,
                    deltaBase64: bytes.toString("base64"),
                    capReached,
                  })
              : null,
            // Absent: the default; null: none.
            capBytes: params.outputBytesCap === undefined ? DEFAULT_CAP_BYTES : params.outputBytesCap,
            timeoutMs: params.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : params.timeoutMs,
          });
          table.add(connection, handle, proc);
          try {
            await proc.started;
          } catch (error) {
            if (error instanceof SpawnFailure)
              throw internalError(`failed to spawn process: ${error.message}`);
            throw error;
          }
          void proc.done.then(
            (done) =>
              connection.notify("process/exited", {
                processHandle: handle,
                exitCode: done.exitCode,
                outputDrainTimedOut: done.outputDrainTimedOut,
                stdout: done.stdout,
                stdoutCapReached: done.stdoutCapReached,
                stderr: done.stderr,
                stderrCapReached: done.stderrCapReached,
              }),
            () => undefined,
          );
          return {};
        }),

      "process/writeStdin": (params, { connection }) =>
        wire(async () =>
          writeStandaloneInput(() => find(connection, params.processHandle), params, {
            method: "process/writeStdin",
            subject: "process",
          }),
        ),

      "process/resizePty": (params, { connection }) =>
        wire(async () => resizeStandalone(find(connection, params.processHandle), params.size)),

      "process/kill": (params, { connection }) =>
        wire(async () => {
          find(connection, params.processHandle).kill();
          return {};
        }),
    },
  };
}
