import type { NetworkProxySettings } from "../network-proxy/settings.js";
import type { ModelCatalog, Verbosity } from "../model/catalog/model-info.js";
import type { ToolsConfig } from "../session/tool-selection.js";
import type { WebSearchToolConfig } from "../config/schema.js";
import type {
  ApprovalsReviewer,
  AskForApproval,
  FileSystemSandboxPolicy,
  NetworkSandboxPolicy,
  PermissionProfile,
  SandboxPolicy,
  WindowsSandboxLevel,
} from "../protocol/permissions.js";
import { toAbsPath } from "./abs-path.js";
import {
  appendMissingDenyEntries,
  fsFromLegacySandboxPolicy,
  fsFromLegacySandboxPolicyPreservingDenyEntries,
  SandboxProjectionError,
} from "./bridge.js";
import { type Constrained, ConstraintError, UNKNOWN_REQUIREMENT_SOURCE } from "./constraint.js";
import { debugPermissionProfile } from "./debug.js";
import type { PermissionEnv } from "./env.js";
import { fsPoliciesEqual } from "./fs-policy.js";
import { networkFromLegacy } from "./legacy-sandbox.js";
import { profileFromRuntime, profileToLegacySandboxPolicy, profileToRuntime } from "./profile.js";
import type { McpServerConfig } from "../mcp/types.js";

/**
 * The cloneable per-session settings snapshot (session.md §2.1) and the pure update step
 * `apply` (permissions.md §5). The session module may carry more fields: `applySettingsUpdate`
 * is generic and copies every field it does not know about.
 */

export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh" | "max" | "ultra";
export type ReasoningSummary = "auto" | "concise" | "detailed" | "none";
export type Personality = "none" | "friendly" | "pragmatic";

export interface CollaborationMode {
  readonly mode: "default" | "plan";
  readonly settings: {
    readonly model: string;
    readonly reasoningEffort: ReasoningEffort | null;
    readonly developerInstructions: string | null;
  };
}

export interface SessionConfiguration {
  /** Model provider id (the session module keeps the full provider info beside it). */
  readonly providerId: string;
  readonly collaborationMode: CollaborationMode;
  readonly reasoningSummary: ReasoningSummary | null;
  readonly serviceTier: string | null;
  readonly developerInstructions: string | null;
  readonly userInstructions: string | null;
  /** The cwd when AGENTS.md files of the project are part of `userInstructions` (message header). */
  readonly agentsMdDirectory?: string | null;
  readonly baseInstructions: string;
  readonly compactPrompt: string | null;
  readonly personality: Personality | null;
  readonly approvalPolicy: Constrained<AskForApproval>;
  readonly approvalsReviewer: ApprovalsReviewer;
  /** Legacy projection, checked against requirements. */
  readonly sandboxPolicy: Constrained<SandboxPolicy>;
  /** The runtime pair actually enforced. */
  readonly fileSystemSandboxPolicy: FileSystemSandboxPolicy;
  readonly networkSandboxPolicy: NetworkSandboxPolicy;
  /** The managed network proxy this session starts (network-proxy.md §1); absent/null = none. */
  readonly networkProxy?: NetworkProxySettings | null;
  /** Experimental features that are on, for the `x-codex-beta-features` request header. */
  readonly betaFeatures?: readonly string[];
  readonly windowsSandboxLevel: WindowsSandboxLevel;
  /** Absolute session root. */
  readonly cwd: string;
  readonly keelHome: string;
  readonly threadName: string | null;
  readonly metricsServiceName: string | null;
  readonly appServerClientName: string | null;
  readonly appServerClientVersion: string | null;
  /** Per-model facts (tools, defaults, budgets); see src/model/catalog/model-info.ts. */
  readonly modelCatalog: ModelCatalog;
  /** `model_verbosity`; absent or null: the model's default (sent only if the model supports it). */
  readonly modelVerbosity?: Verbosity | null;
  /** Config switches for optional tools; absent: Codex's defaults. */
  readonly tools?: ToolsConfig;
  /**
   * Web search as configured (`null` = unset) and the modes requirements allow (`null` = any);
   * each turn derives its mode from these (src/tools/web-search.ts). Absent = unset, any.
   */
  readonly webSearch?: {
    readonly configured: "disabled" | "cached" | "live" | null;
    readonly allowed: readonly ("disabled" | "cached" | "live")[] | null;
    /** `[tools] web_search` as a table: context size, allowed domains, location (absent: none). */
    readonly tool?: WebSearchToolConfig | null;
  };
  /** `tool_output_token_limit`: replaces the model's tool-output budget (absent: the model's). */
  readonly toolOutputTokenLimit?: number | null;
  /** `[mcp_servers.*]` (config plus the thread's own), validated; absent: none. */
  readonly mcpServers?: readonly McpServerConfig[];
}

/** Every field optional: absent = keep. `serviceTier` / `finalOutputJsonSchema`: null clears. */
export interface SessionSettingsUpdate {
  readonly cwd?: string;
  readonly approvalPolicy?: AskForApproval;
  readonly approvalsReviewer?: ApprovalsReviewer;
  readonly sandboxPolicy?: SandboxPolicy;
  readonly permissionProfile?: PermissionProfile;
  readonly windowsSandboxLevel?: WindowsSandboxLevel;
  readonly collaborationMode?: CollaborationMode;
  readonly reasoningSummary?: ReasoningSummary;
  readonly serviceTier?: string | null;
  /** Per-turn; carried for the caller, not applied to the configuration. */
  readonly finalOutputJsonSchema?: unknown | null;
  readonly personality?: Personality;
  readonly appServerClientName?: string;
  readonly appServerClientVersion?: string;
}

export interface ApplyContext {
  /** Base for a relative `cwd` update (the process cwd, not the session cwd). */
  readonly processCwd: string;
  /** `$TMPDIR` etc. for resolving legacy policies. */
  readonly env?: PermissionEnv;
  readonly onWarning?: (message: string) => void;
}

export type ApplyResult<C> =
  | { readonly ok: true; readonly config: C }
  | { readonly ok: false; readonly error: ConstraintError };

/** `permission_profile()`: the profile rebuilt from the runtime pair. */
export function sessionPermissionProfile(config: SessionConfiguration): PermissionProfile {
  return profileFromRuntime(config.fileSystemSandboxPolicy, config.networkSandboxPolicy);
}

/**
 * `SessionConfiguration::apply` (§5). Pure: `config` is never modified; constrained values are
 * cloned before being set. On error nothing of the update is applied.
 */
export function applySettingsUpdate<C extends SessionConfiguration>(
  config: C,
  update: SessionSettingsUpdate,
  context: ApplyContext,
): ApplyResult<C> {
  const env: PermissionEnv = { ...context.env, processCwd: context.processCwd };
  // Step 0: on the old state — is the fs policy just the bridge of the legacy policy?
  const matchesLegacy = fsPoliciesEqual(
    config.fileSystemSandboxPolicy,
    fsFromLegacySandboxPolicy(config.sandboxPolicy.value, config.cwd, env),
  );

  const result: C = {
    ...config,
    approvalPolicy: config.approvalPolicy.clone(),
    sandboxPolicy: config.sandboxPolicy.clone(),
  };
  // The copy is ours until returned: write through a mutable view of the known fields.
  const next = result as { -readonly [K in keyof SessionConfiguration]: SessionConfiguration[K] };

  if (update.collaborationMode !== undefined) next.collaborationMode = update.collaborationMode;
  if (update.reasoningSummary !== undefined) next.reasoningSummary = update.reasoningSummary;
  if (update.serviceTier !== undefined) next.serviceTier = update.serviceTier;
  if (update.personality !== undefined) next.personality = update.personality;

  if (update.approvalPolicy !== undefined) {
    const error = next.approvalPolicy.set(update.approvalPolicy);
    if (error !== null) return { ok: false, error };
  }
  if (update.approvalsReviewer !== undefined) next.approvalsReviewer = update.approvalsReviewer;
  if (update.windowsSandboxLevel !== undefined) next.windowsSandboxLevel = update.windowsSandboxLevel;

  if (update.cwd !== undefined) {
    const absolute = toAbsPath(update.cwd, { base: context.processCwd });
    if (absolute === null)
      context.onWarning?.(`failed to resolve cwd \`${update.cwd}\`; keeping ${config.cwd}`);
    else next.cwd = absolute;
  }
  const cwdChanged = next.cwd !== config.cwd;

  if (update.permissionProfile !== undefined) {
    const profile = update.permissionProfile;
    let legacy: SandboxPolicy;
    try {
      legacy = profileToLegacySandboxPolicy(profile, next.cwd, env);
    } catch (error) {
      if (!(error instanceof SandboxProjectionError)) throw error;
      return {
        ok: false,
        error: ConstraintError.invalidValue({
          fieldName: "permission_profile",
          candidate: debugPermissionProfile(profile),
          allowed: `permission profiles that can be represented by the active sandbox constraints: ${error.message}`,
          requirementSource: UNKNOWN_REQUIREMENT_SOURCE,
        }),
      };
    }
    const error = next.sandboxPolicy.set(legacy);
    if (error !== null) return { ok: false, error };
    const runtime = profileToRuntime(profile);
    const old = config.fileSystemSandboxPolicy;
    next.fileSystemSandboxPolicy = {
      ...runtime.fs,
      glob_scan_max_depth: runtime.fs.glob_scan_max_depth ?? old.glob_scan_max_depth,
      entries: appendMissingDenyEntries(runtime.fs.entries, old.entries),
    };
    next.networkSandboxPolicy = runtime.net;
  } else if (update.sandboxPolicy !== undefined) {
    const error = next.sandboxPolicy.set(update.sandboxPolicy);
    if (error !== null) return { ok: false, error };
    next.fileSystemSandboxPolicy = fsFromLegacySandboxPolicyPreservingDenyEntries(
      next.sandboxPolicy.value,
      next.cwd,
      config.fileSystemSandboxPolicy,
      env,
    );
    next.networkSandboxPolicy = networkFromLegacy(next.sandboxPolicy.value);
  } else if (cwdChanged && matchesLegacy) {
    // Retarget the protected metadata carve-outs to the new cwd.
    next.fileSystemSandboxPolicy = fsFromLegacySandboxPolicy(next.sandboxPolicy.value, next.cwd, env);
  }

  if (update.appServerClientName !== undefined) next.appServerClientName = update.appServerClientName;
  if (update.appServerClientVersion !== undefined)
    next.appServerClientVersion = update.appServerClientVersion;
  return { ok: true, config: result };
}
