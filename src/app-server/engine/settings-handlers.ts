import { randomUUID } from "node:crypto";
import { KEEL_VERSION } from "../../cli/version.js";
import { applyConfigEdits, type ConfigEdit } from "../../config/batch-edit.js";
import { featureSpec, featureStates } from "../../config/features.js";
import { loadLayerStack } from "../../config/layers.js";
import { getPath, originOf } from "../../config/merge.js";
import { parseKeyPath } from "../../config/cli-overrides.js";
import { tomlToJson } from "../../config/report.js";
import { FeedbackPathError, writeFeedbackBundle } from "../../feedback/bundle.js";
import type { ConfigWriteResponse } from "../../protocol/v2/config.js";
import { internalError, invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";
import { paginate } from "../handlers/thread.js";
import { loadEngineConfig } from "./config-loader.js";
import type { Engine } from "./engine.js";
import { refuseUntrusted } from "./host-access.js";
import { wire } from "./wire-errors.js";

/**
 * Settings a client changes: config/value/write and config/batchWrite (the user config.toml,
 * comments kept), experimentalFeature/list and /enablement/set (keel's real flags), and
 * feedback/save (a local bundle).
 */
export function settingsHandlers(engine: Engine): HandlerModule {
  // Runtime enablement is process-wide and never written to disk (as in Codex): it rides on the
  // server's own `-c` overrides, so every later config load — new threads, config/read — sees it.
  const baseOverrides = engine.config.cliOverrides ?? [];
  const runtime = new Map<string, boolean>();
  /** The config layers as seen from `cwd` (only the files: no settings are resolved). */
  const layersAt = (cwd: string) => {
    const { keelHome, systemConfigFile, cliOverrides } = engine.config;
    return loadLayerStack({ keelHome, cwd, systemConfigFile, cliOverrides: cliOverrides ?? [] });
  };

  const write = (edits: readonly ConfigEdit[], options: WriteOptions): ConfigWriteResponse => {
    const written = applyConfigEdits(engine.config.keelHome, edits, options);
    if (options.reloadUserConfig === true) engine.reloadHooks();
    return {
      status: "ok",
      version: written.version,
      filePath: written.filePath,
      overriddenMetadata: null,
      ...overridden(edits),
    };
  };

  /** `okOverridden` when a layer above the user config (project, `-c`) still decides a written key. */
  const overridden = (edits: readonly ConfigEdit[]): Partial<ConfigWriteResponse> => {
    let stack: ReturnType<typeof loadLayerStack>;
    try {
      stack = layersAt(engine.config.processCwd);
    } catch {
      // The write succeeded; a broken project file elsewhere must not turn it into an error.
      return {};
    }
    for (const edit of edits) {
      const keyPath = parseKeyPath(edit.keyPath);
      const origin = originOf(stack.origins, keyPath);
      if (!origin || origin.name.type === "user" || origin.name.type === "system") continue;
      return {
        status: "okOverridden",
        overriddenMetadata: {
          message: `\`${edit.keyPath}\` is overridden by a higher-precedence layer`,
          overridingLayer: origin,
          effectiveValue: tomlToJson(getPath(stack.merged, keyPath)) ?? null,
        },
      };
    }
    return {};
  };

  return {
    resource: "settings",
    handlers: {
      "config/value/write": (params) =>
        wire(() =>
          write([{ keyPath: params.keyPath, value: params.value, mergeStrategy: params.mergeStrategy }], {
            filePath: params.filePath ?? null,
            expectedVersion: params.expectedVersion ?? null,
          }),
        ),
      "config/batchWrite": (params) =>
        wire(() =>
          write(params.edits, {
            filePath: params.filePath ?? null,
            expectedVersion: params.expectedVersion ?? null,
            reloadUserConfig: params.reloadUserConfig,
          }),
        ),
      "experimentalFeature/list": (params) =>
        wire(() => {
          if (params.cursor && !/^\d+$/.test(params.cursor))
            throw invalidRequest(`invalid cursor: ${params.cursor}`);
          const cwd = params.threadId ? engine.require(params.threadId).session.snapshot().cwd : null;
          const loaded = loadEngineConfig(engine.config, cwd ? { cwd } : {});
          return paginate(featureStates(loaded.features), params.cursor, params.limit);
        }),
      "experimentalFeature/enablement/set": (params) =>
        wire(() => {
          // Unknown names are dropped, not refused: Codex answers with the entries it applied.
          const applied = Object.fromEntries(
            Object.entries(params.enablement).filter(([name]) => featureSpec(name) !== undefined),
          );
          for (const [name, on] of Object.entries(applied)) runtime.set(name, on);
          engine.config.cliOverrides = [
            ...baseOverrides,
            ...[...runtime].map(([name, on]) => `features.${name}=${on}`),
          ];
          if (Object.keys(applied).length > 0) engine.reloadHooks();
          return { enablement: applied };
        }),
      "feedback/save": (params, { connection }) =>
        wire(async () => {
          // savePath may name any host file: the same gate as fs/writeFile.
          refuseUntrusted("feedback/save", connection);
          const threadId = params.threadId ?? `no-active-thread-${randomUUID()}`;
          const loadedThread = params.threadId ? engine.get(params.threadId) : undefined;
          const cwd = loadedThread ? loadedThread.session.snapshot().cwd : engine.config.processCwd;
          try {
            const savedPath = writeFeedbackBundle({
              savePath: params.savePath,
              classification: params.classification,
              reason: params.reason ?? null,
              tags: params.tags ?? {},
              threadId,
              rolloutText: params.threadId
                ? ((await engine.store.exportThread(params.threadId))?.text ?? null)
                : null,
              layers: layersAt(cwd).layers,
              keelVersion: KEEL_VERSION,
              now: new Date(),
            });
            return { savedPath, threadId, promptHash: null };
          } catch (error) {
            if (error instanceof FeedbackPathError) throw invalidRequest(error.message);
            const code = (error as NodeJS.ErrnoException).code;
            const why = code === "EEXIST" ? "feedback save path already exists" : (error as Error).message;
            throw internalError(`failed to save feedback: ${why}`);
          }
        }),
    },
  };
}

interface WriteOptions {
  filePath: string | null;
  expectedVersion: string | null;
  reloadUserConfig?: boolean | undefined;
}
