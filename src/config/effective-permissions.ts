import path from "node:path";
import {
  type Constrained,
  dangerFullAccess,
  debugAskForApproval,
  debugSandboxPolicy,
  expandHome,
  fsFromLegacySandboxPolicy,
  fsFromLegacySandboxPolicyPreservingDenyEntries,
  networkFromLegacy,
  newReadOnly,
  newWorkspaceWrite,
  type PermissionEnv,
  profileToRuntime,
  type RuntimePermissions,
  SandboxProjectionError,
  toLegacySandboxPolicy,
} from "../permissions/index.js";
import type {
  ActivePermissionProfile,
  ApprovalsReviewer,
  AskForApproval,
  PermissionProfile,
  SandboxMode,
  SandboxPolicy,
} from "../protocol/permissions.js";
import { ConfigError } from "./errors.js";
import type { ConfigLayerEntry, ProjectTrust } from "./layers.js";
import type { ConfigLayerSource } from "./layer-source.js";
import { type Origins, originOf } from "./merge.js";
import {
  type CompiledPermissionProfile,
  type CompileContext,
  compilePermissionProfile,
} from "./permission-profiles.js";
import type { ConfigProfile, ConfigToml, SandboxWorkspaceWriteToml } from "./schema.js";

/** How the effective permissions were chosen (§9.3 resolution order). */
export type PermissionsChoice =
  | "sandboxOverride"
  | "permissionProfileOverride"
  | "permissionsOverride"
  | "configProfileSandboxMode"
  | "sandboxMode"
  | "defaultPermissions"
  | "trustDefault";

export interface EffectivePermissions {
  choice: PermissionsChoice;
  /** Layer that supplied the deciding key (null for typed overrides and derived defaults). */
  source: ConfigLayerSource | null;
  runtime: RuntimePermissions;
  sandboxPolicy: Constrained<SandboxPolicy>;
  activePermissionProfile: ActivePermissionProfile | null;
  /** The compiled named profile, when one is active (for `permissions explain`). */
  compiledProfile: CompiledPermissionProfile | null;
}

export interface PermissionInputs {
  toml: ConfigToml;
  profile: ConfigProfile | null;
  profileName: string | null;
  layers: readonly ConfigLayerEntry[];
  origins: Origins;
  trust: ProjectTrust;
  cwd: string;
  home: string;
  env: PermissionEnv;
  platform: NodeJS.Platform;
  sandboxOverride?: SandboxMode | undefined;
  permissionProfileOverride?: PermissionProfile | undefined;
  permissionsOverride?: string | undefined;
  requirement: Constrained<SandboxPolicy>;
  warnings: string[];
}

export function resolvePermissions(input: PermissionInputs): EffectivePermissions {
  const { toml, cwd, env } = input;
  const typed = [
    ["sandbox_mode", input.sandboxOverride],
    ["permission_profile", input.permissionProfileOverride],
    ["permissions", input.permissionsOverride],
  ].filter(([, v]) => v !== undefined);
  if (typed.length > 1) {
    throw new ConfigError(`\`${typed[0]![0]}\` and \`${typed[1]![0]}\` overrides cannot both be set`);
  }
  const compileCtx: CompileContext = {
    profiles: toml.permissions ?? {},
    origins: input.origins,
    home: input.home,
    cwd,
    env,
    warnings: input.warnings,
  };
  const fromMode = (
    choice: PermissionsChoice,
    mode: SandboxMode,
    source: ConfigLayerSource | null,
    active: ActivePermissionProfile | null = null,
  ) => {
    const policy = legacyPolicyForMode(mode, toml.sandbox_workspace_write, cwd, input.home);
    return finish(input, choice, source, policy, runtimeFromLegacy(policy, cwd, env), active, null);
  };
  const fromNamed = (choice: PermissionsChoice, id: string, source: ConfigLayerSource | null) => {
    const compiled = compileNamed(
      id,
      compileCtx,
      choice === "defaultPermissions" ? "default_permissions" : "permissions",
    );
    const policy = project(compiled.runtime, cwd, env);
    const active = { id, extends: compiled.extends };
    return finish(input, choice, source, policy, compiled.runtime, active, compiled);
  };

  if (input.sandboxOverride !== undefined) {
    return fromMode("sandboxOverride", input.sandboxOverride, { type: "sessionFlags" });
  }
  if (input.permissionProfileOverride !== undefined) {
    const runtime = profileToRuntime(input.permissionProfileOverride);
    const policy = project(runtime, cwd, env);
    return finish(input, "permissionProfileOverride", { type: "sessionFlags" }, policy, runtime, null, null);
  }
  if (input.permissionsOverride !== undefined) {
    return fromNamed("permissionsOverride", input.permissionsOverride, { type: "sessionFlags" });
  }
  if (input.profile?.sandbox_mode !== undefined) {
    const source =
      originOf(input.origins, ["profiles", input.profileName ?? "", "sandbox_mode"])?.name ?? null;
    return fromMode("configProfileSandboxMode", input.profile.sandbox_mode, source);
  }

  const syntax = permissionSyntax(input.layers);
  const hasProfiles = Object.keys(toml.permissions ?? {}).length > 0;
  if (hasProfiles && syntax?.kind !== "legacy" && toml.default_permissions === undefined) {
    throw new ConfigError("config defines `[permissions]` profiles but does not set `default_permissions`");
  }
  if (syntax?.kind === "legacy" && toml.sandbox_mode !== undefined) {
    return fromMode("sandboxMode", toml.sandbox_mode, syntax.source);
  }
  if (syntax?.kind === "profiles" && toml.default_permissions !== undefined) {
    return fromNamed("defaultPermissions", toml.default_permissions, syntax.source);
  }

  // No explicit choice: a project with any trust decision gets workspace-write (§9.3).
  let mode: SandboxMode = input.trust.level !== null ? "workspace-write" : "read-only";
  if (mode === "workspace-write" && input.platform === "win32" && toml.windows?.sandbox === undefined) {
    mode = "read-only";
  }
  const id = mode === "workspace-write" ? ":workspace" : ":read-only";
  // `[sandbox_workspace_write]` customises the implicit profile; then it no longer equals `:workspace`.
  const customised = mode === "workspace-write" && toml.sandbox_workspace_write !== undefined;
  return fromMode("trustDefault", mode, null, customised ? null : { id, extends: null });
}

function compileNamed(id: string, ctx: CompileContext, key: string): CompiledPermissionProfile {
  if (id.startsWith(":") && ![":read-only", ":workspace", ":danger-full-access"].includes(id)) {
    throw new ConfigError(`${key} refers to unknown built-in profile \`${id}\``);
  }
  if (!id.startsWith(":") && !ctx.profiles[id]) {
    throw new ConfigError(`${key} refers to undefined permission profile \`${id}\``);
  }
  return compilePermissionProfile(id, ctx);
}

/** The highest enabled layer that sets `default_permissions` or `sandbox_mode` decides the syntax. */
function permissionSyntax(
  layers: readonly ConfigLayerEntry[],
): { kind: "legacy" | "profiles"; source: ConfigLayerSource } | null {
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    if (layer.disabledReason !== null) continue;
    if (layer.config.default_permissions !== undefined) return { kind: "profiles", source: layer.source };
    if (layer.config.sandbox_mode !== undefined) return { kind: "legacy", source: layer.source };
  }
  return null;
}

export function legacyPolicyForMode(
  mode: SandboxMode,
  settings: SandboxWorkspaceWriteToml | undefined,
  cwd: string,
  home: string,
): SandboxPolicy {
  switch (mode) {
    case "read-only":
      return newReadOnly();
    case "danger-full-access":
      return dangerFullAccess();
    case "workspace-write":
      return newWorkspaceWrite({
        writable_roots: (settings?.writable_roots ?? []).map((root) =>
          path.posix.resolve(cwd, expandHome(root, home)),
        ),
        network_access: settings?.network_access ?? false,
        exclude_tmpdir_env_var: settings?.exclude_tmpdir_env_var ?? false,
        exclude_slash_tmp: settings?.exclude_slash_tmp ?? false,
      });
  }
}

function runtimeFromLegacy(policy: SandboxPolicy, cwd: string, env: PermissionEnv): RuntimePermissions {
  return { fs: fsFromLegacySandboxPolicy(policy, cwd, env), net: networkFromLegacy(policy) };
}

function project(runtime: RuntimePermissions, cwd: string, env: PermissionEnv): SandboxPolicy {
  try {
    return toLegacySandboxPolicy(runtime.fs, runtime.net, cwd, env);
  } catch (error) {
    if (error instanceof SandboxProjectionError) throw new ConfigError(error.message);
    throw error;
  }
}

/** Runs the legacy projection through the requirement; a disallowed value downgrades (§6.3 item 2). */
function finish(
  input: PermissionInputs,
  choice: PermissionsChoice,
  source: ConfigLayerSource | null,
  policy: SandboxPolicy,
  runtime: RuntimePermissions,
  active: ActivePermissionProfile | null,
  compiled: CompiledPermissionProfile | null,
): EffectivePermissions {
  const sandboxPolicy = input.requirement.clone();
  const error = sandboxPolicy.set(policy);
  if (error === null) {
    return {
      choice,
      source,
      runtime,
      sandboxPolicy,
      activePermissionProfile: active,
      compiledProfile: compiled,
    };
  }
  const fallback = sandboxPolicy.value;
  input.warnings.push(
    requirementFallbackWarning("sandbox_mode", debugSandboxPolicy(fallback), error.message),
  );
  const fs = fsFromLegacySandboxPolicyPreservingDenyEntries(fallback, input.cwd, runtime.fs, input.env);
  return {
    choice,
    source,
    runtime: { fs, net: networkFromLegacy(fallback) },
    sandboxPolicy,
    activePermissionProfile: null,
    compiledProfile: null,
  };
}

export function requirementFallbackWarning(field: string, fallback: string, details: string): string {
  return `Configured value for \`${field}\` is disallowed by requirements; falling back to required value ${fallback}. Details: ${details}`;
}

// ---------------------------------------------------------------------------------------------
// Approval policy and reviewer

export const ON_FAILURE_DEPRECATION_WARNING =
  "`on-failure` approval policy is deprecated and will be removed in a future release. Use `on-request` for interactive approvals or `never` for non-interactive runs.";

export interface ApprovalInputs {
  override?: AskForApproval | undefined;
  profile?: AskForApproval | undefined;
  configured?: AskForApproval | undefined;
  trust: ProjectTrust;
  requirement: Constrained<AskForApproval>;
  warnings: string[];
}

/**
 * typed override → config profile → top-level → default (`untrusted` for an explicitly untrusted
 * project, else `on-request`). An explicit value the requirements forbid falls back with a
 * warning; a forbidden default falls back silently.
 */
export function resolveApprovalPolicy(input: ApprovalInputs): Constrained<AskForApproval> {
  const explicit = input.override ?? input.profile ?? input.configured;
  const candidate: AskForApproval =
    explicit ?? (input.trust.level === "untrusted" ? "untrusted" : "on-request");
  if (explicit === "on-failure") input.warnings.push(ON_FAILURE_DEPRECATION_WARNING);
  const constrained = input.requirement.clone();
  const error = constrained.set(candidate);
  if (error !== null && explicit !== undefined) {
    input.warnings.push(
      requirementFallbackWarning("approval_policy", debugAskForApproval(constrained.value), error.message),
    );
  }
  return constrained;
}

export function resolveApprovalsReviewer(
  explicit: ApprovalsReviewer | undefined,
  requirement: Constrained<ApprovalsReviewer>,
  warnings: string[],
): Constrained<ApprovalsReviewer> {
  const constrained = requirement.clone();
  const error = constrained.set(explicit ?? "user");
  if (error !== null && explicit !== undefined) {
    const render = (r: ApprovalsReviewer) =>
      r === "user" ? "User" : r === "auto_review" ? "AutoReview" : "GuardianSubagent";
    warnings.push(requirementFallbackWarning("approvals_reviewer", render(constrained.value), error.message));
  }
  return constrained;
}
