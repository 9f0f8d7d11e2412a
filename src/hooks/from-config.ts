import type { LoadedConfig } from "../config/load.js";
import type { SessionHookOptions } from "../session/session.js";
import type { StartupNotices } from "../session/startup.js";
import type { ConfigLayerEntry } from "../config/layers.js";
import { newTable, readTomlFile } from "../config/toml-file.js";
import { discoverHooks } from "./discovery.js";
import { HookEngine } from "./engine.js";

export interface HookLaunchOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** `--dangerously-bypass-hook-trust`. */
  bypassTrust: boolean;
  /** The app-server client's name (`initialize` clientInfo.name), for notify. */
  clientName?: string | null;
}

/**
 * A session's hooks and notify program from its loaded configuration; null when neither is
 * configured (or `[features] hooks = false` and no notify), so sessions without hooks pay nothing.
 */
export function hookOptionsFromConfig(
  loaded: LoadedConfig,
  launch: HookLaunchOptions,
): SessionHookOptions | null {
  const toml = loaded.toml as Record<string, unknown>;
  const notify =
    Array.isArray(toml.notify) && toml.notify.every((a) => typeof a === "string") ? toml.notify : null;
  const enabled = loaded.features.hooks !== false;
  const inventory = enabled
    ? discoverHooks(loaded.layers, loaded.keelHome)
    : { hooks: [], warnings: [], errors: [] };
  // Discovery problems still need an engine to carry their start-up warnings.
  const problems = inventory.warnings.length + inventory.errors.length;
  if (inventory.hooks.length === 0 && problems === 0 && !notify?.length) return null;
  const limit = toml.stop_hook_max_blocks;
  return {
    engine: new HookEngine({
      inventory,
      bypassTrust: launch.bypassTrust,
      shell: launch.env.SHELL || "/bin/sh",
      env: launch.env,
      tempDir: launch.env.TMPDIR || "/tmp",
      rediscover: () => discoverHooks(withFreshUserLayer(loaded.layers), loaded.keelHome),
    }),
    notify,
    clientName: launch.clientName ?? null,
    stopHookMaxBlocks: typeof limit === "number" && Number.isInteger(limit) && limit >= 0 ? limit : null,
    env: launch.env,
  };
}

/** The session's start-up notices with the hook discovery warnings added (Codex shows them too). */
export function withHookWarnings(
  notices: StartupNotices | undefined,
  hooks: SessionHookOptions,
): StartupNotices {
  const inventory = hooks.engine.inventory;
  const extra = [...inventory.warnings, ...inventory.errors.map((e) => `${e.path}: ${e.message}`)];
  return { ...notices, hookWarnings: [...(notices?.hookWarnings ?? []), ...extra] };
}

/** The layers with the user config read again: trust (`hooks.state`) lives there. */
function withFreshUserLayer(layers: readonly ConfigLayerEntry[]): ConfigLayerEntry[] {
  return layers.map((layer) => {
    if (layer.source.type !== "user") return layer;
    try {
      const file = readTomlFile(layer.source.file);
      return { ...layer, version: file.version, config: file.table ?? newTable() };
    } catch {
      // a broken user config keeps the trust it had
      return layer;
    }
  });
}
