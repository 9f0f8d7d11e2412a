import { resolveNetworkProxySettings } from "../network-proxy/settings.js";
import type { ModelCatalog } from "../model/catalog/model-info.js";
import type { SessionConfiguration } from "../permissions/session-configuration.js";
import { DEFAULT_TOOLS_CONFIG, type ToolsConfig } from "../session/tool-selection.js";
import { configuredWebSearchMode } from "../tools/web-search.js";
import { defaultModelForProvider } from "./default-model.js";
import { ConfigError } from "./errors.js";
import type { LoadedConfig } from "./load.js";
import type { WebSearchToolConfig } from "./schema.js";
import { parseMcpServers } from "../mcp/config.js";

/** What the config does not know and the session module supplies. */
export interface SessionConfigurationExtras {
  /** Used when neither a typed override nor `model_instructions_file` replaces them. */
  defaultBaseInstructions: string;
  /** Used when no layer sets `model`; ahead of the provider's built-in default. */
  defaultModel?: string;
  /** AGENTS.md text (plus `instructions` from config, if the caller merges it). */
  userInstructions?: string | null;
  compactPrompt?: string | null;
  threadName?: string | null;
  appServerClientName?: string | null;
  appServerClientVersion?: string | null;
  modelCatalog?: ModelCatalog;
}

/**
 * The permission module's SessionConfiguration for a freshly loaded config. Constrained values
 * are cloned, so updates applied to the session never leak back into `loaded`.
 */
export function buildSessionConfiguration(
  loaded: LoadedConfig,
  extras: SessionConfigurationExtras,
): SessionConfiguration {
  const providerId = loaded.modelProviderId.value;
  const model = loaded.model.value ?? extras.defaultModel ?? defaultModelForProvider(providerId);
  if (model === null)
    throw new ConfigError(
      `no model configured for model provider \`${providerId}\`: set \`model\` in config.toml or pass one`,
    );
  return {
    providerId,
    collaborationMode: {
      mode: "default",
      settings: {
        model,
        reasoningEffort: loaded.modelReasoningEffort.value,
        // Mode instructions come only from a client's collaboration mode (config
        // `developer_instructions` is its own part of the developer message).
        developerInstructions: null,
      },
    },
    reasoningSummary: loaded.modelReasoningSummary.value,
    serviceTier: loaded.serviceTier.value ?? null,
    developerInstructions: loaded.developerInstructions.value,
    userInstructions: extras.userInstructions ?? null,
    baseInstructions: loaded.baseInstructions.value ?? extras.defaultBaseInstructions,
    compactPrompt: extras.compactPrompt ?? loaded.compactPrompt,
    personality: null,
    approvalPolicy: loaded.approvalPolicy.clone(),
    approvalsReviewer: loaded.approvalsReviewer.value,
    sandboxPolicy: loaded.sandboxPolicy.clone(),
    fileSystemSandboxPolicy: loaded.fileSystemSandboxPolicy,
    networkSandboxPolicy: loaded.networkSandboxPolicy,
    networkProxy: resolveNetworkProxySettings(loaded),
    ...(loaded.features.network_proxy === true ? { betaFeatures: ["network_proxy"] } : {}),
    windowsSandboxLevel: loaded.windowsSandboxLevel,
    cwd: loaded.cwd,
    keelHome: loaded.keelHome,
    threadName: extras.threadName ?? null,
    metricsServiceName: null,
    appServerClientName: extras.appServerClientName ?? null,
    appServerClientVersion: extras.appServerClientVersion ?? null,
    modelCatalog: extras.modelCatalog ?? loaded.modelCatalog,
    modelVerbosity: loaded.modelVerbosity.value ?? null,
    tools: toolsConfig(loaded),
    toolOutputTokenLimit: loaded.toolOutputTokenLimit.value,
    webSearch: {
      // `web_search`, else the legacy `[tools] web_search` boolean, else the legacy features.
      configured: configuredWebSearchMode(
        loaded.webSearch.value ?? legacyWebSearch(loaded) ?? undefined,
        loaded.features,
      ),
      allowed: loaded.requirements.webSearchModes,
      tool: webSearchToolConfig(loaded),
    },
    mcpServers: parseMcpServers(loaded.mcpServers),
  };
}

/** The legacy `[tools] web_search` boolean: true = live, false = disabled. */
function legacyWebSearch(loaded: LoadedConfig): "live" | "disabled" | null {
  const flag = loaded.tools.value?.web_search;
  return typeof flag !== "boolean" ? null : flag ? "live" : "disabled";
}

/** `[tools] web_search` as a table (the boolean form configures nothing of the tool). */
function webSearchToolConfig(loaded: LoadedConfig): WebSearchToolConfig | null {
  const value = loaded.tools.value?.web_search;
  return typeof value === "object" ? value : null;
}

function toolsConfig(loaded: LoadedConfig): ToolsConfig {
  const tools = loaded.tools.value ?? null;
  return {
    shellTool: loaded.features.shell_tool ?? DEFAULT_TOOLS_CONFIG.shellTool,
    unifiedExec: loaded.features.unified_exec ?? DEFAULT_TOOLS_CONFIG.unifiedExec,
    viewImage: tools?.view_image ?? DEFAULT_TOOLS_CONFIG.viewImage,
    requestPermissions: loaded.features.request_permissions_tool === true,
  };
}
