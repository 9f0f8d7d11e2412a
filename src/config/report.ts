import { TomlDate } from "smol-toml";
import {
  fsPolicyToCoreJson,
  permissionProfileToCoreJson,
  profileFromRuntime,
  sandboxPolicyToCoreJson,
} from "../permissions/index.js";
import { errorMessage } from "../lib/errors.js";
import type { ConfigLayerEntry } from "./layers.js";
import type { ConfigLayerMetadata, ConfigLayerSource } from "./layer-source.js";
import type { LoadedConfig, Sourced } from "./load.js";
import { originOf } from "./merge.js";
import type { ModelProviderInfo } from "./model-provider.js";
import { buildConfigRequirementsReadResponse } from "./requirements.js";

/** TOML values as JSON: dates become their TOML/ISO string; tables lose their null prototype. */
export function tomlToJson(value: unknown): unknown {
  if (value instanceof TomlDate) return value.toISOString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(tomlToJson);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tomlToJson(v)]));
  }
  return value;
}

export interface ConfigLayerJson {
  name: ConfigLayerSource;
  version: string;
  config: unknown;
  disabledReason: string | null;
}

/** v2 `ConfigLayer[]`, highest precedence first (as Codex's `config/read` lists them). */
export function layersToV2(layers: readonly ConfigLayerEntry[]): ConfigLayerJson[] {
  return [...layers].reverse().map((layer) => ({
    name: layer.source,
    version: layer.version,
    config: tomlToJson(layer.config),
    disabledReason: layer.disabledReason,
  }));
}

/** v2 `config/read` result: merged config (snake_case keys), per-key origins, optional layers. */
export function buildConfigReadResponse(
  loaded: LoadedConfig,
  includeLayers: boolean,
): {
  config: Record<string, unknown>;
  origins: Record<string, ConfigLayerMetadata>;
  layers: ConfigLayerJson[] | null;
} {
  const config = tomlToJson(loaded.toml) as Record<string, unknown>;
  // Effective values the client must see even when no layer sets them.
  config.model = loaded.model.value;
  config.model_provider = loaded.modelProviderId.value;
  return {
    config,
    origins: { ...loaded.origins },
    layers: includeLayers ? layersToV2(loaded.layers) : null,
  };
}

const sourced = <T>(s: Sourced<T>) => ({ value: s.value, source: s.source });

/** The selected provider, or why it cannot be used: the report must not fail on a broken one. */
function providerInfo(loaded: LoadedConfig): { info: ModelProviderInfo | null; error?: string } {
  try {
    return { info: loaded.modelProvider };
  } catch (error) {
    return { info: null, error: errorMessage(error) };
  }
}

/** `keel debug config`: effective values with their layers, the raw stack, and requirements. */
export function buildDebugConfigReport(loaded: LoadedConfig): Record<string, unknown> {
  const origin = (path: string[]) => originOf(loaded.origins, path)?.name ?? null;
  const fs = loaded.fileSystemSandboxPolicy;
  const net = loaded.networkSandboxPolicy;
  return {
    cwd: loaded.cwd,
    keelHome: loaded.keelHome,
    configProfile: loaded.configProfile,
    projectTrust: loaded.trust,
    effective: {
      model: sourced(loaded.model),
      model_provider: { ...sourced(loaded.modelProviderId), ...providerInfo(loaded) },
      model_reasoning_effort: sourced(loaded.modelReasoningEffort),
      model_reasoning_summary: sourced(loaded.modelReasoningSummary),
      model_context_window: sourced(loaded.modelContextWindow),
      model_auto_compact_token_limit: sourced(loaded.modelAutoCompactTokenLimit),
      approval_policy: { value: loaded.approvalPolicy.value, source: loaded.approvalPolicySource },
      approvals_reviewer: { value: loaded.approvalsReviewer.value, source: origin(["approvals_reviewer"]) },
      permissions: {
        chosenBy: loaded.permissions.choice,
        source: loaded.permissions.source,
        activePermissionProfile: loaded.activePermissionProfile,
        sandboxPolicy: sandboxPolicyToCoreJson(loaded.sandboxPolicy.value),
        fileSystemSandboxPolicy: fsPolicyToCoreJson(fs),
        networkSandboxPolicy: net,
        permissionProfile: permissionProfileToCoreJson(profileFromRuntime(fs, net)),
      },
      windows_sandbox_level: loaded.windowsSandboxLevel,
      features: loaded.features,
      developer_instructions: sourced(loaded.developerInstructions),
      ephemeral: loaded.ephemeral,
    },
    config: tomlToJson(loaded.toml),
    origins: loaded.origins,
    layers: layersToV2(loaded.layers),
    requirements: {
      file: loaded.requirements.file,
      ...buildConfigRequirementsReadResponse(loaded.requirements),
    },
    startupWarnings: loaded.startupWarnings,
  };
}
