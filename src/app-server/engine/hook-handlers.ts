import path from "node:path";
import { discoverHooks } from "../../hooks/discovery.js";
import { hookMetadata } from "../../hooks/metadata.js";
import type { HandlerModule } from "../router.js";
import { ConfigError } from "../../config/errors.js";
import { loadLayerStack, userConfigFile } from "../../config/layers.js";
import type { HookInventory } from "../../hooks/types.js";
import type { Engine } from "./engine.js";
import { wire } from "./wire-errors.js";

/** hooks/list: the hooks of each cwd, with trust (a client trusts one with config/batchWrite). */
export function hookHandlers(engine: Engine): HandlerModule {
  // Only the layers: hooks need no resolved settings, and clients call this often.
  const listFor = (cwd: string) => {
    const { keelHome, systemConfigFile, cliOverrides } = engine.config;
    let inventory: HookInventory;
    try {
      const stack = loadLayerStack({ keelHome, cwd, systemConfigFile, cliOverrides: cliOverrides ?? [] });
      inventory = discoverHooks(stack.layers, keelHome);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // A config file that does not parse is reported where hooks/list reports file errors.
      const file = /^(\/[^:]+):/.exec(error.message)?.[1] ?? userConfigFile(keelHome);
      inventory = { hooks: [], warnings: [], errors: [{ path: file, message: error.message }] };
    }
    return {
      cwd,
      hooks: inventory.hooks.map(hookMetadata),
      warnings: inventory.warnings,
      errors: inventory.errors.map((e) => ({ path: e.path, message: e.message })),
    };
  };
  return {
    resource: "hooks",
    handlers: {
      "hooks/list": (params) =>
        wire(() => {
          const thread = params.threadId ? engine.require(params.threadId) : null;
          const cwds =
            params.cwds && params.cwds.length > 0
              ? params.cwds.map((c) => path.resolve(engine.config.processCwd, c))
              : [thread ? thread.session.snapshot().cwd : engine.config.processCwd];
          return { data: cwds.map(listFor) };
        }),
    },
  };
}
