import fs from "node:fs";
import { ConfigError } from "../../config/errors.js";
import { type LoadedConfig, loadConfig, type TypedOverrides } from "../../config/load.js";
import { setProjectTrust } from "../../config/project-trust.js";
import type { ReasoningEffort } from "../../permissions/index.js";
import { profileFromV2, profileToLegacySandboxPolicy } from "../../permissions/index.js";
import type { SandboxPolicy } from "../../protocol/permissions.js";
import type { ThreadStartParams } from "../../protocol/v2/thread.js";
import { invalidRequest } from "../errors.js";

/** Where the engine's configuration comes from (fixed for the server's lifetime). */
export interface EngineConfigSource {
  keelHome: string;
  /** The server's working directory: the default thread cwd. */
  processCwd: string;
  env: Readonly<Record<string, string | undefined>>;
  systemConfigFile?: string;
  /** null = no requirements; undefined = the default file. */
  requirementsFile?: string | null;
  /** `-c key=value` overrides given to the server itself. */
  cliOverrides?: readonly string[];
  /** `--strict-config`: an unrecognised key is a load error (−32600) instead of a warning. */
  strictConfig?: boolean;
  log: (line: string) => void;
}

/** The thread-settings fields shared by thread/start, thread/resume and thread/fork. */
export type ThreadSettingsParams = Pick<
  ThreadStartParams,
  | "model"
  | "modelProvider"
  | "cwd"
  | "approvalPolicy"
  | "approvalsReviewer"
  | "sandbox"
  | "permissionProfile"
  | "permissions"
  | "config"
  | "baseInstructions"
  | "developerInstructions"
>;

/** Values a resumed or forked thread falls back to (its stored cwd, model and effort). */
export interface StoredDefaults {
  cwd?: string | null;
  model?: string | null;
  reasoningEffort?: string | null;
}

const EFFORTS = new Set(["none", "minimal", "low", "medium", "high", "xhigh"]);

/** Typed overrides from request fields; `null` counts as absent. */
export function threadOverrides(params: ThreadSettingsParams, stored: StoredDefaults = {}): TypedOverrides {
  const o: TypedOverrides = {};
  const set = <K extends keyof TypedOverrides>(key: K, value: TypedOverrides[K] | null | undefined) => {
    if (value !== undefined && value !== null) o[key] = value;
  };
  const config = params.config ?? {};
  // A resumed thread keeps its model unless the request names one (spec app-server.md §6.2).
  const namesModel =
    params.model != null ||
    params.modelProvider != null ||
    config.model != null ||
    config.model_reasoning_effort != null;
  set("model", params.model ?? (namesModel ? undefined : stored.model));
  if (!namesModel && stored.reasoningEffort && EFFORTS.has(stored.reasoningEffort)) {
    set("modelReasoningEffort", stored.reasoningEffort as ReasoningEffort);
  }
  set("modelProvider", params.modelProvider);
  const storedCwd = stored.cwd && isDirectory(stored.cwd) ? stored.cwd : undefined;
  set("cwd", params.cwd ?? storedCwd);
  set("approvalPolicy", params.approvalPolicy);
  set("approvalsReviewer", params.approvalsReviewer);
  set("sandboxMode", params.sandbox);
  set("permissionProfile", params.permissionProfile ? profileFromV2(params.permissionProfile) : undefined);
  set("permissions", params.permissions);
  set("baseInstructions", params.baseInstructions);
  set("developerInstructions", params.developerInstructions);
  return o;
}

/** Loads the configuration for a thread; a problem becomes −32600 `failed to load configuration: …`. */
export function loadEngineConfig(
  source: EngineConfigSource,
  overrides: TypedOverrides,
  sessionConfig?: Readonly<Record<string, unknown>> | null,
): LoadedConfig {
  try {
    return loadEngineConfigRaw(source, overrides, sessionConfig);
  } catch (error) {
    if (error instanceof ConfigError) throw invalidRequest(`failed to load configuration: ${error.message}`);
    throw error;
  }
}

function loadEngineConfigRaw(
  source: EngineConfigSource,
  overrides: TypedOverrides,
  sessionConfig?: Readonly<Record<string, unknown>> | null,
): LoadedConfig {
  return loadConfig({
    keelHome: source.keelHome,
    processCwd: source.processCwd,
    systemConfigFile: source.systemConfigFile,
    requirementsFile: source.requirementsFile,
    cliOverrides: source.cliOverrides,
    sessionConfig: sessionConfig ?? undefined,
    overrides,
    env: source.env,
    home: source.env.HOME,
    strictConfig: source.strictConfig,
  });
}

/**
 * A named permission profile (`:workspace`, a `[permissions.<id>]` id) compiled at `cwd` without
 * requirements: callers check those themselves, so a disallowed profile is refused rather than
 * silently downgraded. A configuration problem (unknown profile …) comes back as `error`.
 */
export function compileNamedPermissions(
  source: EngineConfigSource,
  id: string,
  cwd: string,
): { loaded: LoadedConfig } | { error: string } {
  try {
    return { loaded: loadEngineConfigRaw({ ...source, requirementsFile: null }, { permissions: id, cwd }) };
  } catch (error) {
    if (error instanceof ConfigError) return { error: error.message };
    throw error;
  }
}

/**
 * A thread needs its model provider, which is validated lazily: check it before thread/start may
 * write a trust decision, so a broken provider fails the request (−32600) with nothing changed.
 */
export function requireModelProvider(loaded: LoadedConfig): LoadedConfig {
  void loaded.modelProvider;
  return loaded;
}

const TRUSTING: ReadonlySet<SandboxPolicy["type"]> = new Set([
  "workspace-write",
  "danger-full-access",
  "external-sandbox",
]);

/**
 * Project-trust intent of thread/start (permissions.md §6.4, the seed behaviour keel keeps):
 * with an explicit `cwd` on a project without a trust decision, a request for a writable sandbox —
 * or an effective writable sandbox — marks the project trusted in config.toml and reloads.
 */
export function applyTrustIntent(
  source: EngineConfigSource,
  params: ThreadSettingsParams,
  overrides: TypedOverrides,
  loaded: LoadedConfig,
): LoadedConfig {
  if (params.cwd == null || loaded.trust.level === "trusted") return loaded;
  const requested =
    params.sandbox === "workspace-write" ||
    params.sandbox === "danger-full-access" ||
    (overrides.permissionProfile !== undefined && projectsToTrusting(overrides, loaded));
  const effective = TRUSTING.has(loaded.sandboxPolicy.value.type);
  if (!requested && !effective) return loaded;
  const target = loaded.trust.root;
  let sessionConfig: Record<string, unknown> = { ...(params.config ?? {}) };
  try {
    setProjectTrust(source.keelHome, target, "trusted");
  } catch (error) {
    source.log(
      `could not persist trust for ${target}: ${(error as Error).message}; trusting it for this thread`,
    );
    sessionConfig = { ...sessionConfig, projects: { [target]: { trust_level: "trusted" } } };
  }
  return loadEngineConfig(source, overrides, sessionConfig);
}

function projectsToTrusting(overrides: TypedOverrides, loaded: LoadedConfig): boolean {
  try {
    const legacy = profileToLegacySandboxPolicy(
      overrides.permissionProfile!,
      loaded.cwd,
      loaded.permissionEnv,
    );
    return TRUSTING.has(legacy.type);
  } catch {
    return false;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
