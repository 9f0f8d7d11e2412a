import path from "node:path";
import type { LoadedConfig } from "../config/load.js";
import { buildSessionConfiguration, type SessionConfigurationExtras } from "../config/session-config.js";
import { KEEL_BASE_INSTRUCTIONS } from "./prompts/base-instructions.js";
import type { SessionOptions } from "./session.js";
import type { DeprecationNotice } from "./startup.js";

/** Feature flags that are still under development (listed in the unstable-features warning). */
export const UNDER_DEVELOPMENT_FEATURES: readonly string[] = [];

export interface FromConfigOptions {
  /** The caller's working directory (base for relative `cwd` updates). */
  processCwd: string;
  extras?: Partial<SessionConfigurationExtras>;
  /** Override the list of under-development features (tests, future flags). */
  underDevelopmentFeatures?: readonly string[];
}

/**
 * Session options from a loaded config: the SessionConfiguration, the provider, compaction
 * limits and the start-up notices. Callers add the store, tool router and history.
 */
export function sessionOptionsFromConfig(
  loaded: LoadedConfig,
  opts: FromConfigOptions,
): Omit<SessionOptions, "initialHistory" | "store" | "listener"> {
  const config = buildSessionConfiguration(loaded, {
    defaultBaseInstructions: KEEL_BASE_INSTRUCTIONS,
    ...opts.extras,
  });
  const toml = loaded.toml as Record<string, unknown>;
  const suppress = toml.suppress_unstable_features_warning === true;
  const underDevelopment = new Set(opts.underDevelopmentFeatures ?? UNDER_DEVELOPMENT_FEATURES);
  const unstable = Object.entries(loaded.features)
    .filter(([name, on]) => on && underDevelopment.has(name))
    .map(([name]) => name)
    .sort();
  return {
    config,
    provider: { id: loaded.modelProviderId.value, info: loaded.modelProvider },
    ephemeral: loaded.ephemeral,
    modelContextWindow: loaded.modelContextWindow.value,
    autoCompactTokenLimit: loaded.modelAutoCompactTokenLimit.value,
    extraUserInstructions: loaded.instructions.value,
    projectDoc: loaded.projectDoc,
    notices: {
      deprecationNotices: deprecationNotices(loaded),
      startupWarnings: [...loaded.startupWarnings],
      unstableFeatures: suppress ? [] : unstable,
      configFile: path.join(loaded.keelHome, "config.toml"),
    },
    processCwd: opts.processCwd,
    permissionEnv: loaded.permissionEnv,
    requestUserInputInDefaultMode: loaded.features.default_mode_request_user_input === true,
  };
}

function deprecationNotices(loaded: LoadedConfig): DeprecationNotice[] {
  const notices: DeprecationNotice[] = [];
  const features = (loaded.toml.features ?? {}) as Record<string, unknown>;
  if ("web_search_request" in features) {
    notices.push({
      summary:
        "`[features].web_search_request` is deprecated: web search is configured with `web_search` now.",
      details: 'Set `web_search = "live"`, `"cached"` or `"disabled"` in config.toml instead.',
    });
  }
  if ("experimental_instructions_file" in (loaded.toml as Record<string, unknown>)) {
    notices.push({
      summary: "`experimental_instructions_file` is deprecated.",
      details: "Use `model_instructions_file` to replace the base instructions.",
    });
  }
  return notices;
}
