import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BUILTIN_MODEL_CATALOG, modelCatalogFromJson } from "../model/catalog/catalog.js";
import type { ModelCatalog } from "../model/catalog/model-info.js";
import { builtInModelProviders } from "../model/providers.js";
import type { Constrained, PermissionEnv } from "../permissions/index.js";
import type { ReasoningEffort, ReasoningSummary } from "../permissions/session-configuration.js";
import type {
  ActivePermissionProfile,
  ApprovalsReviewer,
  AskForApproval,
  FileSystemSandboxPolicy,
  NetworkSandboxPolicy,
  PermissionProfile,
  SandboxMode,
  SandboxPolicy,
  WindowsSandboxLevel,
} from "../protocol/permissions.js";
import {
  type EffectivePermissions,
  resolveApprovalPolicy,
  resolveApprovalsReviewer,
  resolvePermissions,
} from "./effective-permissions.js";
import { ConfigError } from "./errors.js";
import { requireUsableKeelHome, resolveKeelHome } from "./home.js";
import { type ConfigLayerSource, layerFile } from "./layer-source.js";
import {
  type ConfigLayerEntry,
  DEFAULT_SYSTEM_CONFIG_FILE,
  loadLayerStack,
  type ProjectTrust,
} from "./layers.js";
import { type Origins, originOf } from "./merge.js";
import type { ModelProviderInfo } from "./model-provider.js";
import { ModelProviders } from "./model-providers.js";
import { applyMcpServerRequirements } from "../mcp/requirements.js";
import type { WebSearchMode } from "./requirements-toml.js";
import {
  buildRequirements,
  type ConfigRequirements,
  loadRequirements,
  requirementsFileFromEnv,
} from "./requirements.js";
import {
  type ConfigProfile,
  ConfigTomlSchema,
  type ConfigToml,
  type ShellEnvironmentPolicyToml,
  type WebSearchToolConfig,
} from "./schema.js";
import { strictConfigError, unknownKeysInLayers, unrecognizedSettingsWarning } from "./unknown-keys.js";
import { resolveCompactPrompt } from "./compact-prompt.js";
import { parseWithOrigins, sourceLocation } from "./validate.js";
import { parseMcpServers } from "../mcp/config.js";

/**
 * Typed overrides (CLI flags, app-server request fields). Applied after every layer, still
 * subject to requirements. `sandboxMode`, `permissionProfile` and `permissions` are exclusive.
 */
export interface TypedOverrides {
  model?: string;
  modelProvider?: string;
  /** Working directory; a relative one is resolved against `LoadConfigOptions.processCwd`. */
  cwd?: string;
  approvalPolicy?: AskForApproval;
  approvalsReviewer?: ApprovalsReviewer;
  sandboxMode?: SandboxMode;
  /** Seed core PermissionProfile record (app-server `permissionProfile`). */
  permissionProfile?: PermissionProfile;
  /** Named permission profile (`:workspace`, a `[permissions.<id>]` id). */
  permissions?: string;
  /** Config profile name (`--profile`); beats `profile = "…"` in the files. */
  profile?: string;
  modelReasoningEffort?: ReasoningEffort;
  modelReasoningSummary?: ReasoningSummary;
  developerInstructions?: string;
  baseInstructions?: string;
  ephemeral?: boolean;
}

export interface LoadConfigOptions {
  keelHome: string;
  /** The process working directory: default session cwd and base for a relative `cwd` override. */
  processCwd: string;
  /** Default `/etc/keel/config.toml`. */
  systemConfigFile?: string;
  /** requirements.toml to read (default `/etc/keel/requirements.toml`); null = no requirements. */
  requirementsFile?: string | null;
  /** Raw `-c key=value` arguments. */
  cliOverrides?: readonly string[];
  /** App-server request `config` map (dotted keys → JSON values), a session-flags layer. */
  sessionConfig?: Readonly<Record<string, unknown>>;
  overrides?: TypedOverrides;
  /** Environment for `$TMPDIR` and provider settings (never for file locations). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Home directory for `~` expansion; default `os.homedir()`. */
  home?: string;
  platform?: NodeJS.Platform;
  /** `--strict-config`: a key Codex would not recognise is an error instead of a warning. */
  strictConfig?: boolean;
}

/** An effective value and the layer it came from (null: built-in default or derived). */
export interface Sourced<T> {
  value: T;
  source: ConfigLayerSource | null;
}

export interface LoadedConfig {
  keelHome: string;
  cwd: string;
  /** The validated merged document (unknown keys kept), without the config profile overlaid. */
  toml: ConfigToml;
  layers: ConfigLayerEntry[];
  /** Dotted key → layer, for every leaf of `toml`. */
  origins: Origins;
  trust: ProjectTrust;
  /** Selected `[profiles.<name>]`, if any. */
  configProfile: string | null;
  requirements: ConfigRequirements;
  startupWarnings: string[];

  model: Sourced<string | null>;
  modelProviderId: Sourced<string>;
  /** The selected provider, validated on first access (a ConfigError when it is broken). */
  readonly modelProvider: ModelProviderInfo;
  modelProviders: ModelProviders;
  modelReasoningEffort: Sourced<ReasoningEffort | null>;
  modelReasoningSummary: Sourced<ReasoningSummary | null>;
  modelContextWindow: Sourced<number | null>;
  modelAutoCompactTokenLimit: Sourced<number | null>;
  /** `model_catalog_json` (absolute) and the catalog in effect: that file's, else keel's built-in one. */
  modelCatalogJson: Sourced<string | null>;
  modelCatalog: ModelCatalog;
  modelVerbosity: Sourced<"low" | "medium" | "high" | null>;
  serviceTier: Sourced<string | null>;
  /** `web_search` (profile, then top level); the legacy features are read beside it. */
  webSearch: Sourced<WebSearchMode | null>;
  tools: Sourced<{ web_search?: boolean | WebSearchToolConfig; view_image?: boolean } | null>;
  /** `tool_output_token_limit`: the budget of one tool output, in tokens. */
  toolOutputTokenLimit: Sourced<number | null>;

  approvalPolicy: Constrained<AskForApproval>;
  approvalPolicySource: ConfigLayerSource | null;
  approvalsReviewer: Constrained<ApprovalsReviewer>;
  /** Legacy projection of the runtime pair, after requirements. */
  sandboxPolicy: Constrained<SandboxPolicy>;
  fileSystemSandboxPolicy: FileSystemSandboxPolicy;
  networkSandboxPolicy: NetworkSandboxPolicy;
  activePermissionProfile: ActivePermissionProfile | null;
  /** How the permissions were chosen, which layer decided, and the compiled named profile. */
  permissions: EffectivePermissions;
  windowsSandboxLevel: WindowsSandboxLevel;

  features: Record<string, boolean>;
  developerInstructions: Sourced<string | null>;
  /** `instructions` (extra user instructions). */
  instructions: Sourced<string | null>;
  /** `project_doc_max_bytes` / `project_doc_fallback_filenames` (absent = the defaults). */
  projectDoc: { maxBytes?: number; fallbackFilenames?: string[] };
  /** `compact_prompt`, else the contents of `experimental_compact_prompt_file`; null = built-in. */
  compactPrompt: string | null;
  /** Replacement base instructions: typed override, else contents of `model_instructions_file`. */
  baseInstructions: Sourced<string | null>;
  ephemeral: boolean;
  history: ConfigToml["history"] | null;
  shellEnvironmentPolicy: ShellEnvironmentPolicyToml | null;
  /** `background_terminal_max_timeout` in ms; null = the default. */
  backgroundTerminalMaxTimeoutMs: number | null;
  allowLoginShell: boolean;
  /** Raw `[mcp_servers.*]` tables; servers the requirements do not allow have `enabled = false`. */
  mcpServers: Record<string, Record<string, unknown>>;
  /** Why a server was disabled by requirements, by name (`requirements (<file>)`). */
  mcpServerDisabledReasons: Record<string, string>;
  ossProvider: string | null;
  /** Environment facts the permission model needs (`$TMPDIR`). */
  permissionEnv: PermissionEnv;
}

/** keel's file locations from the environment: KEEL_HOME, KEEL_SYSTEM_CONFIG_FILE, KEEL_REQUIREMENTS_FILE. */
export function configLocationsFromEnv(env: Readonly<Record<string, string | undefined>>): {
  keelHome: string;
  systemConfigFile: string;
  requirementsFile: string;
} {
  const system = env.KEEL_SYSTEM_CONFIG_FILE;
  return {
    keelHome: resolveKeelHome(env as NodeJS.ProcessEnv),
    systemConfigFile: system && system.trim() !== "" ? system : DEFAULT_SYSTEM_CONFIG_FILE,
    requirementsFile: requirementsFileFromEnv(env),
  };
}

/**
 * `loadConfig` as every CLI front end calls it: file locations, `~` and `$KEEL_HOME` from the
 * environment, so `keel exec`, `keel sandbox` and `keel permissions` read settings the same way.
 */
export function loadConfigFromEnv(options: {
  env: Readonly<Record<string, string | undefined>>;
  processCwd: string;
  cliOverrides?: readonly string[];
  overrides?: LoadConfigOptions["overrides"];
  sessionConfig?: LoadConfigOptions["sessionConfig"];
  strictConfig?: boolean;
}): LoadedConfig {
  const locations = configLocationsFromEnv(options.env);
  requireUsableKeelHome(locations.keelHome, options.env);
  return loadConfig({
    keelHome: locations.keelHome,
    systemConfigFile: locations.systemConfigFile,
    requirementsFile: locations.requirementsFile,
    processCwd: options.processCwd,
    cliOverrides: options.cliOverrides ?? [],
    ...(options.overrides ? { overrides: options.overrides } : {}),
    ...(options.sessionConfig ? { sessionConfig: options.sessionConfig } : {}),
    env: options.env,
    home: options.env.HOME,
    strictConfig: options.strictConfig,
  });
}

const SESSION_FLAGS: ConfigLayerSource = { type: "sessionFlags" };

export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const overrides = options.overrides ?? {};
  const env = options.env ?? {};
  const home = options.home ?? os.homedir();
  const cwd = path.resolve(options.processCwd, overrides.cwd ?? ".");
  if (!isDirectory(cwd))
    throw new ConfigError(`working directory \`${cwd}\` does not exist or is not a directory`);

  const requirements =
    options.requirementsFile === null ? buildRequirements(null) : loadRequirements(options.requirementsFile);
  const stack = loadLayerStack({
    keelHome: options.keelHome,
    cwd,
    systemConfigFile: options.systemConfigFile,
    cliOverrides: options.cliOverrides,
    sessionConfig: options.sessionConfig,
  });
  const unknownKeys = unknownKeysInLayers(stack.layers);
  if (unknownKeys.length > 0 && options.strictConfig) throw strictConfigError(unknownKeys);
  const toml = parseWithOrigins(ConfigTomlSchema, stack.merged, stack.origins);
  const warnings: string[] = unknownKeys.length > 0 ? [unrecognizedSettingsWarning(unknownKeys)] : [];

  const profileName = overrides.profile ?? toml.profile ?? null;
  let profile: ConfigProfile | null = null;
  if (profileName !== null) {
    profile = toml.profiles?.[profileName] ?? null;
    if (!profile) throw new ConfigError(`config profile \`${profileName}\` not found`);
  }

  type Key = keyof ConfigProfile & keyof ConfigToml;
  const pick = <K extends Key, T = NonNullable<ConfigToml[K]>>(key: K, override?: T): Sourced<T | null> => {
    if (override !== undefined) return { value: override, source: SESSION_FLAGS };
    if (profile?.[key] !== undefined) {
      return {
        value: profile[key] as T,
        source: originOf(stack.origins, ["profiles", profileName!, key])?.name ?? null,
      };
    }
    if (toml[key] !== undefined) {
      return { value: toml[key] as T, source: originOf(stack.origins, [key])?.name ?? null };
    }
    return { value: null, source: null };
  };

  const permissionEnv: PermissionEnv = { tmpdir: env.TMPDIR ?? null, processCwd: options.processCwd };
  const permissions = resolvePermissions({
    toml,
    profile,
    profileName,
    layers: stack.layers,
    origins: stack.origins,
    trust: stack.trust,
    cwd,
    home,
    env: permissionEnv,
    platform: options.platform ?? process.platform,
    sandboxOverride: overrides.sandboxMode,
    permissionProfileOverride: overrides.permissionProfile,
    permissionsOverride: overrides.permissions,
    requirement: requirements.sandboxPolicy,
    warnings,
  });

  const approval = pick("approval_policy", overrides.approvalPolicy);
  const approvalPolicy = resolveApprovalPolicy({
    override: overrides.approvalPolicy,
    profile: profile?.approval_policy,
    configured: toml.approval_policy,
    trust: stack.trust,
    requirement: requirements.approvalPolicy,
    warnings,
  });
  const reviewer = pick("approvals_reviewer", overrides.approvalsReviewer);
  const approvalsReviewer = resolveApprovalsReviewer(
    reviewer.value ?? undefined,
    requirements.approvalsReviewer,
    warnings,
  );

  const providerId = pick("model_provider", overrides.modelProvider);
  const modelProviders = new ModelProviders(
    builtInModelProviders({ env, openaiBaseUrl: toml.openai_base_url }),
    toml.model_providers ?? {},
    stack.origins,
  );
  const modelProviderId: Sourced<string> = { value: providerId.value ?? "openai", source: providerId.source };

  const instructionsFile = pick("model_instructions_file");
  const baseInstructions: Sourced<string | null> =
    overrides.baseInstructions !== undefined
      ? { value: overrides.baseInstructions, source: SESSION_FLAGS }
      : instructionsFile.value !== null
        ? {
            value: readInstructionsFile(instructionsFile.value, cwd, home, instructionsFile.source),
            source: instructionsFile.source,
          }
        : { value: null, source: null };

  const catalogJson = resolvedPath(pick("model_catalog_json"), cwd, home);

  return {
    keelHome: options.keelHome,
    cwd,
    toml,
    layers: stack.layers,
    origins: stack.origins,
    trust: stack.trust,
    configProfile: profileName,
    requirements,
    startupWarnings: warnings,
    model: pick("model", overrides.model),
    modelProviderId,
    get modelProvider() {
      return modelProviders.get(modelProviderId.value);
    },
    modelProviders,
    modelReasoningEffort: pick("model_reasoning_effort", overrides.modelReasoningEffort),
    modelReasoningSummary: pick("model_reasoning_summary", overrides.modelReasoningSummary),
    modelContextWindow: pick("model_context_window"),
    modelAutoCompactTokenLimit: pick("model_auto_compact_token_limit"),
    modelCatalogJson: catalogJson,
    modelCatalog: catalogJson.value === null ? BUILTIN_MODEL_CATALOG : readModelCatalog(catalogJson),
    modelVerbosity: pick("model_verbosity"),
    serviceTier: pick("service_tier"),
    webSearch: pick("web_search"),
    tools: pick("tools"),
    toolOutputTokenLimit: pick("tool_output_token_limit"),
    approvalPolicy,
    approvalPolicySource: approval.source,
    approvalsReviewer,
    sandboxPolicy: permissions.sandboxPolicy,
    fileSystemSandboxPolicy: permissions.runtime.fs,
    networkSandboxPolicy: permissions.runtime.net,
    activePermissionProfile: permissions.activePermissionProfile,
    permissions,
    windowsSandboxLevel: windowsLevel((profile?.windows ?? toml.windows)?.sandbox),
    features: effectiveFeatures(toml, profile, requirements, warnings),
    developerInstructions: pick("developer_instructions", overrides.developerInstructions),
    instructions: {
      value: toml.instructions ?? null,
      source: originOf(stack.origins, ["instructions"])?.name ?? null,
    },
    baseInstructions,
    projectDoc: {
      ...(toml.project_doc_max_bytes === undefined ? {} : { maxBytes: toml.project_doc_max_bytes }),
      ...(toml.project_doc_fallback_filenames === undefined
        ? {}
        : { fallbackFilenames: toml.project_doc_fallback_filenames }),
    },
    compactPrompt: resolveCompactPrompt(
      toml.compact_prompt,
      {
        value: toml.experimental_compact_prompt_file,
        source: originOf(stack.origins, ["experimental_compact_prompt_file"])?.name ?? null,
      },
      cwd,
      home,
    ),
    ephemeral: overrides.ephemeral ?? toml.ephemeral ?? false,
    history: toml.history ?? null,
    shellEnvironmentPolicy: toml.shell_environment_policy ?? null,
    backgroundTerminalMaxTimeoutMs: toml.background_terminal_max_timeout ?? null,
    allowLoginShell: toml.allow_login_shell ?? true,
    ...mcpServersUnderRequirements(validatedMcpServers(toml.mcp_servers ?? {}), requirements),
    ossProvider: pick("oss_provider").value,
    permissionEnv,
  };
}

/** Config features (a profile's `[features]` over the top level), then requirement pins. */
function effectiveFeatures(
  toml: ConfigToml,
  profile: ConfigProfile | null,
  requirements: ConfigRequirements,
  warnings: string[],
): Record<string, boolean> {
  const features: Record<string, boolean> = { ...toml.features, ...profile?.features };
  for (const [name, pinned] of Object.entries(requirements.toml?.features ?? {})) {
    if (features[name] !== undefined && features[name] !== pinned) {
      warnings.push(
        `Configured value for \`features.${name}\` is disallowed by requirements; falling back to required value ${pinned}. Details: pinned by ${requirements.file}`,
      );
    }
    features[name] = pinned;
  }
  return features;
}

function windowsLevel(sandbox: "elevated" | "unelevated" | undefined): WindowsSandboxLevel {
  if (sandbox === "elevated") return "elevated";
  if (sandbox === "unelevated") return "restricted_token";
  return "disabled";
}

function readInstructionsFile(
  file: string,
  cwd: string,
  home: string,
  source: ConfigLayerSource | null,
): string {
  const expanded = file === "~" || file.startsWith("~/") ? path.join(home, file.slice(1)) : file;
  const resolved = path.resolve(cwd, expanded);
  try {
    return fs.readFileSync(resolved, "utf8");
  } catch (error) {
    throw new ConfigError(
      `${sourceLocation(source)}: cannot read model_instructions_file \`${resolved}\`: ${(error as Error).message}`,
    );
  }
}

/** A path key's value made absolute: `~` is the home folder, relative paths start at the config file's folder. */
function resolvedPath(picked: Sourced<string | null>, cwd: string, home: string): Sourced<string | null> {
  if (picked.value === null) return picked;
  const file = picked.value;
  const expanded = file === "~" || file.startsWith("~/") ? path.join(home, file.slice(1)) : file;
  const origin = picked.source ? layerFile(picked.source) : null;
  return { value: path.resolve(origin ? path.dirname(origin) : cwd, expanded), source: picked.source };
}

function readModelCatalog(picked: Sourced<string | null>): ModelCatalog {
  const file = picked.value!;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(
      `${sourceLocation(picked.source)}: cannot read model_catalog_json \`${file}\`: ${(error as Error).message}`,
    );
  }
  try {
    return modelCatalogFromJson(json);
  } catch (error) {
    throw new ConfigError(
      `${sourceLocation(picked.source)}: model_catalog_json \`${file}\` is ${(error as Error).message}`,
    );
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function mcpServersUnderRequirements(
  raw: Record<string, Record<string, unknown>>,
  requirements: ConfigRequirements,
): Pick<LoadedConfig, "mcpServers" | "mcpServerDisabledReasons"> {
  const applied = applyMcpServerRequirements(raw, requirements);
  return { mcpServers: applied.servers, mcpServerDisabledReasons: applied.disabledReasons };
}

/** Raw `[mcp_servers.*]` tables, after checking they parse (a bad table fails the load). */
function validatedMcpServers(
  raw: Record<string, Record<string, unknown>>,
): Record<string, Record<string, unknown>> {
  parseMcpServers(raw);
  return raw;
}
