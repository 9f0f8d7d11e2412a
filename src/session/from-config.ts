import path from "node:path";
import type { LoadedConfig } from "../config/load.js";
import {
  featureDeprecations,
  MULTI_AGENT_DEPRECATION_WARNING,
  usesMultiAgentFlag,
} from "../config/feature-deprecations.js";
import { UNDER_DEVELOPMENT_FEATURES } from "../config/feature-stages.js";
import { buildSessionConfiguration, type SessionConfigurationExtras } from "../config/session-config.js";
import { KEEL_BASE_INSTRUCTIONS } from "./prompts/base-instructions.js";
import type { SessionOptions } from "./session.js";
import type { DeprecationNotice } from "./startup.js";

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
  const profile = activeProfile(loaded);
  const suppress = toml.suppress_unstable_features_warning === true;
  const underDevelopment = new Set(opts.underDevelopmentFeatures ?? UNDER_DEVELOPMENT_FEATURES);
  // Like Codex: only flags the config itself sets to true, and that are still on after pins.
  const unstable = Object.entries((toml.features ?? {}) as Record<string, unknown>)
    .filter(([name, value]) => value === true && loaded.features[name] === true && underDevelopment.has(name))
    .map(([name]) => name)
    .sort();
  const multiAgent = multiAgentInConfigFiles(loaded) ? [MULTI_AGENT_DEPRECATION_WARNING] : [];
  return {
    config,
    provider: { id: loaded.modelProviderId.value, info: loaded.modelProvider },
    ephemeral: loaded.ephemeral,
    modelContextWindow: loaded.modelContextWindow.value,
    autoCompactTokenLimit: loaded.modelAutoCompactTokenLimit.value,
    extraUserInstructions: loaded.instructions.value,
    projectDoc: loaded.projectDoc,
    notices: {
      deprecationNotices: deprecationNotices(toml, profile),
      startupWarnings: [...multiAgent, ...loaded.startupWarnings],
      unstableFeatures: suppress ? [] : unstable,
      configFile: path.join(loaded.keelHome, "config.toml"),
    },
    processCwd: opts.processCwd,
    permissionEnv: loaded.permissionEnv,
    requestUserInputInDefaultMode: loaded.features.default_mode_request_user_input === true,
  };
}

/**
 * Like Codex, only config files raise the multi_agent warning, not session flags: the 0.169 TUI
 * pins `features.multi_agent` in the config of its hidden title thread and must not get a warning.
 */
function multiAgentInConfigFiles(loaded: LoadedConfig): boolean {
  return loaded.layers.some((layer) => {
    if (layer.source.type === "sessionFlags" || layer.disabledReason !== null) return false;
    const profiles = layer.config.profiles as Record<string, Record<string, unknown>> | undefined;
    const profile = (loaded.configProfile && profiles?.[loaded.configProfile]) || null;
    return usesMultiAgentFlag(layer.config, profile);
  });
}

function activeProfile(loaded: LoadedConfig): Record<string, unknown> | null {
  const profiles = loaded.toml.profiles as Record<string, Record<string, unknown>> | undefined;
  return (loaded.configProfile && profiles?.[loaded.configProfile]) || null;
}

/**
 * Deprecated feature flags, then the retired `experimental_instructions_file` key. Codex 0.169
 * only lists that key among the unrecognized settings; keel keeps the seed's notice, which
 * names the replacement.
 */
function deprecationNotices(
  toml: Record<string, unknown>,
  profile: Record<string, unknown> | null,
): DeprecationNotice[] {
  const notices: DeprecationNotice[] = featureDeprecations(toml, profile);
  if ("experimental_instructions_file" in toml) {
    notices.push({
      summary:
        "`experimental_instructions_file` is deprecated and ignored. Use `model_instructions_file` instead.",
      details:
        "Move the setting to `model_instructions_file` in config.toml (or under a profile) to load instructions from a file.",
    });
  }
  return notices;
}
