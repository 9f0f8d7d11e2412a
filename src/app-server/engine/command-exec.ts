import path from "node:path";
import type { LoadedConfig } from "../../config/load.js";
import { fsFromLegacy, networkFromLegacy, sandboxPolicyFromV2 } from "../../permissions/index.js";
import type { FileSystemSandboxPolicy, NetworkSandboxPolicy } from "../../protocol/permissions.js";
import type { CommandExecParams } from "../../protocol/v2/command-exec.js";
import { buildCommandEnv, compileSandboxPlan, type SandboxPlan } from "../../sandbox/index.js";
import type { Connection } from "../connection.js";
import { internalError, invalidParams, invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";
import { compileNamedPermissions, loadEngineConfig } from "./config-loader.js";
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
 * `command/exec` (Codex 0.169, unified-exec.md §6): a command outside any thread, run under the
 * configured sandbox (or the request's `sandboxPolicy` / `permissionProfile`) with the server's
 * environment — no exec policy, no approval, no model overlay. Processes belong to the connection
 * that started them: a closed connection kills them.
 */

function validate(params: CommandExecParams): void {
  if (params.command.length === 0 || params.command[0] === "")
    throw invalidRequest("command must not be empty");
  const streaming = params.tty === true || params.streamStdin === true || params.streamStdoutStderr === true;
  if (streaming && !params.processId)
    throw invalidRequest("command/exec tty or streaming requires a client-supplied processId");
  if (params.size && params.tty !== true) throw invalidParams("command/exec size requires tty: true");
  if (params.size && (params.size.rows === 0 || params.size.cols === 0))
    throw invalidParams("command/exec size rows and cols must be greater than 0");
  if (params.timeoutMs != null && params.disableTimeout === true)
    throw invalidParams("command/exec cannot set both timeoutMs and disableTimeout");
  if (params.outputBytesCap != null && params.disableOutputCap === true)
    throw invalidParams("command/exec cannot set both outputBytesCap and disableOutputCap");
}

/** A null value unsets a variable, a string sets it. */
export function overlayEnv(
  base: Record<string, string>,
  overlay: Record<string, string | null> | null | undefined,
): Record<string, string> {
  const env = { ...base };
  for (const [key, value] of Object.entries(overlay ?? {})) {
    if (value === null) delete env[key];
    else env[key] = value;
  }
  return env;
}

/**
 * The request's permissions, never weaker than the requirements allow: a policy or profile they
 * refuse fails the request instead of running under something else.
 */
function requestedPermissions(
  engine: Engine,
  loaded: LoadedConfig,
  params: CommandExecParams,
  cwd: string,
): { fs: FileSystemSandboxPolicy; net: NetworkSandboxPolicy } {
  if (params.sandboxPolicy) {
    const legacy = sandboxPolicyFromV2(params.sandboxPolicy);
    const refused = loaded.requirements.sandboxPolicy.clone().set(legacy);
    if (refused !== null) throw invalidRequest(refused.message);
    return { fs: fsFromLegacy(legacy), net: networkFromLegacy(legacy) };
  }
  if (params.permissionProfile != null) {
    const named = compileNamedPermissions(engine.config, params.permissionProfile, cwd);
    if ("error" in named) throw invalidRequest(`invalid permission profile: ${named.error}`);
    const refused = loaded.requirements.sandboxPolicy.clone().set(named.loaded.sandboxPolicy.value);
    if (refused !== null) throw invalidRequest(refused.message);
    return { fs: named.loaded.fileSystemSandboxPolicy, net: named.loaded.networkSandboxPolicy };
  }
  return { fs: loaded.fileSystemSandboxPolicy, net: loaded.networkSandboxPolicy };
}

function planFor(
  fs: FileSystemSandboxPolicy,
  net: NetworkSandboxPolicy,
  cwd: string,
  env: Record<string, string>,
): SandboxPlan {
  return {
    ...compileSandboxPlan(fs, net, cwd, {
      tmpdir: env.TMPDIR ?? null,
      uid: typeof process.getuid === "function" ? process.getuid() : undefined,
    }),
    cwd,
  };
}

export function commandExecHandlers(engine: Engine): HandlerModule {
  const table = new ProcessTable();
  const find = (connection: Connection, processId: string): StandaloneProcess => {
    const proc = table.get(connection, processId);
    if (!proc) throw invalidRequest(`no active command/exec for process id ${JSON.stringify(processId)}`);
    return proc;
  };

  return {
    resource: "command/exec",
    handlers: {
      "command/exec": (params, { connection }) =>
        wire(async () => {
          validate(params);
          const loaded = loadEngineConfig(engine.config, params.cwd ? { cwd: params.cwd } : {});
          const cwd = path.resolve(loaded.cwd, params.cwd ?? ".");
          const { fs, net } = requestedPermissions(engine, loaded, params, cwd);
          const env = overlayEnv(
            buildCommandEnv(engine.config.env, loaded.shellEnvironmentPolicy),
            params.env,
          );

          const processId = params.processId ?? null;
          // Every process is the connection's, named or not: a closed connection kills it.
          const key = processId ?? Symbol("command/exec");
          if (table.has(connection, key))
            throw invalidRequest(`duplicate active command/exec process id: ${JSON.stringify(processId)}`);
          const tty = params.tty === true;
          // A terminal implies streaming both ways (Codex 0.169).
          const stream = processId !== null && (tty || params.streamStdoutStderr === true);
          const proc = new StandaloneProcess({
            argv: params.command,
            cwd,
            env,
            plan: planFor(fs, net, cwd, env),
            keelHome: loaded.keelHome,
            tty,
            size: params.size ?? null,
            streamStdin: tty || params.streamStdin === true,
            onDelta: stream
              ? (name, bytes, capReached) =>
                  connection.notify("command/exec/outputDelta", {
                    processId: processId!,
                    stream: name,
                    deltaBase64: bytes.toString("base64"),
                    capReached,
                  })
              : null,
            capBytes: params.disableOutputCap === true ? null : (params.outputBytesCap ?? DEFAULT_CAP_BYTES),
            timeoutMs: params.disableTimeout === true ? null : (params.timeoutMs ?? DEFAULT_TIMEOUT_MS),
          });
          table.add(connection, key, proc);
          try {
            const done = await proc.done;
            return { exitCode: done.exitCode, stdout: done.stdout, stderr: done.stderr };
          } catch (error) {
            if (error instanceof SpawnFailure)
              throw internalError(`failed to spawn command: ${error.message}`);
            throw error;
          }
        }),

      "command/exec/write": (params, { connection }) =>
        wire(async () =>
          writeStandaloneInput(() => find(connection, params.processId), params, {
            method: "command/exec/write",
            subject: "command/exec",
          }),
        ),

      "command/exec/resize": (params, { connection }) =>
        wire(async () => resizeStandalone(find(connection, params.processId), params.size)),

      "command/exec/terminate": (params, { connection }) =>
        wire(async () => {
          find(connection, params.processId).kill();
          return {};
        }),
    },
  };
}
