import type { MessageItem } from "../protocol/items.js";
import {
  AskForApprovalSchema,
  FileSystemSandboxPolicySchema,
  SandboxPolicySchema,
} from "../protocol/permissions.js";
import type { TurnContextItem } from "../protocol/rollout.js";
import {
  fsPolicyToCoreJson,
  permissionProfileToCoreJson,
  type SessionConfiguration,
  sandboxPolicyToCoreJson,
  sessionPermissionProfile,
} from "../permissions/index.js";
import { userInstructionsText } from "./agents-md.js";
import { collaborationModeBlock } from "./prompts/collaboration-modes.js";
import { permissionsInstructions } from "./developer-instructions.js";
import {
  buildEnvironmentContext,
  type EnvironmentContext,
  type NetworkContext,
  renderEnvironmentContext,
  sameEnvironment,
} from "./environment-context.js";

/**
 * The model-visible context keel injects: a developer message (permissions + developer
 * instructions) and a user message (AGENTS.md + `<environment_context>`). The full pair goes in
 * before the first turn (and after a compaction); later turns only get the parts that changed.
 */
export interface ContextBaseline {
  /** What the model was last told about its environment; null = never (inject everything). */
  environment: EnvironmentContext | null;
  /** Permission text last injected; null = never. */
  permissions: string | null;
  /** The `<collaboration_mode>` block last injected; null or absent = none. */
  collaborationMode?: string | null;
  /** The `<skills_instructions>` block last injected; null = none, absent = unknown. */
  skills?: string | null;
}

export interface EnvironmentFacts {
  shellPath: string;
  timezone: string;
  now: Date;
}

export function environmentOf(config: SessionConfiguration, facts: EnvironmentFacts): EnvironmentContext {
  return buildEnvironmentContext({
    cwd: config.cwd,
    approvalPolicy: config.approvalPolicy.value,
    sandboxPolicy: config.sandboxPolicy.value,
    networkEnabled: config.networkSandboxPolicy === "enabled",
    shellPath: facts.shellPath,
    now: facts.now,
    timezone: facts.timezone,
    network: networkContextOf(config),
  });
}

/** The requirements' domain lists, told to the model only when requirements impose the proxy. */
function networkContextOf(config: SessionConfiguration): NetworkContext | null {
  const domains = config.networkProxy?.requirementDomains;
  return domains ? { allowed: domains.allow, denied: domains.deny } : null;
}

/** `approvedPrefixes`: the exec policy's allow rules, rendered (null: none or no rules). */
export function permissionsTextOf(
  config: SessionConfiguration,
  approvedPrefixes: string | null = null,
): string {
  return permissionsInstructions({
    sandboxPolicy: config.sandboxPolicy.value,
    fileSystem: config.fileSystemSandboxPolicy,
    networkEnabled: config.networkSandboxPolicy === "enabled",
    approvalPolicy: config.approvalPolicy.value,
    cwd: config.cwd,
    approvedPrefixes,
    requestPermissionsTool: config.tools?.requestPermissions === true,
  });
}

function text(role: "developer" | "user", parts: string[]): MessageItem {
  return { type: "message", role, content: parts.map((t) => ({ type: "input_text" as const, text: t })) };
}

/**
 * Items to insert before this turn's input, updating `baseline` to what the model will have seen.
 * Full context when the baseline is empty; otherwise only changed permissions / environment.
 */
export function contextItemsForTurn(
  config: SessionConfiguration,
  facts: EnvironmentFacts,
  baseline: ContextBaseline,
  skills: string | null = null,
  approvedPrefixes: string | null = null,
): MessageItem[] {
  const env = environmentOf(config, facts);
  const permissions = permissionsTextOf(config, approvedPrefixes);
  const items: MessageItem[] = [];
  const full = baseline.environment === null && baseline.permissions === null;

  const mode = collaborationModeBlock(config.collaborationMode.settings.developerInstructions);
  // Like Codex, the mode is told once and again only when it (or its text) changes.
  const modeChanged = mode !== null && mode !== (baseline.collaborationMode ?? null);
  // The skills list is rescanned every turn; like Codex it leads the developer message.
  const skillsChanged = skills !== null && skills !== baseline.skills;
  if (full || baseline.permissions !== permissions || modeChanged || skillsChanged) {
    const developer: string[] = [];
    if (skills !== null && (full || skillsChanged)) developer.push(skills);
    if (full || baseline.permissions !== permissions) developer.push(permissions);
    const extra = config.developerInstructions;
    if (full && extra && extra.trim() !== "") developer.push(extra);
    if (mode !== null && (full || modeChanged)) developer.push(mode);
    items.push(text("developer", developer));
  }
  if (full) {
    const user: string[] = [];
    if (config.userInstructions && config.userInstructions.trim() !== "") {
      user.push(userInstructionsText(config.userInstructions, config.agentsMdDirectory ?? null));
    }
    user.push(renderEnvironmentContext(env));
    items.push(text("user", user));
  } else if (!sameEnvironment(baseline.environment, env)) {
    items.push(text("user", [renderEnvironmentContext(env)]));
  }
  baseline.environment = env;
  baseline.permissions = permissions;
  baseline.collaborationMode = mode;
  baseline.skills = skills;
  return items;
}

/** The `turn_context` rollout line for a turn (core spellings, rollout.md §4.4). */
export function turnContextItem(
  turnId: string,
  config: SessionConfiguration,
  env: EnvironmentContext,
): TurnContextItem {
  const mode = config.collaborationMode;
  return {
    turn_id: turnId,
    cwd: config.cwd,
    current_date: env.current_date,
    timezone: env.timezone,
    approval_policy: config.approvalPolicy.value,
    sandbox_policy: sandboxPolicyToCoreJson(config.sandboxPolicy.value),
    permission_profile: permissionProfileToCoreJson(sessionPermissionProfile(config)),
    file_system_sandbox_policy: fsPolicyToCoreJson(config.fileSystemSandboxPolicy),
    model: mode.settings.model,
    personality: config.personality,
    collaboration_mode: {
      mode: mode.mode,
      settings: {
        model: mode.settings.model,
        reasoning_effort: mode.settings.reasoningEffort,
        developer_instructions: mode.settings.developerInstructions,
      },
    },
    realtime_active: false,
    ...(mode.settings.reasoningEffort ? { effort: mode.settings.reasoningEffort } : {}),
    summary: config.reasoningSummary ?? "auto",
    ...(config.userInstructions ? { user_instructions: config.userInstructions } : {}),
    ...(config.developerInstructions ? { developer_instructions: config.developerInstructions } : {}),
  };
}

/**
 * Baseline from the newest `turn_context` of a resumed history: enough to tell whether the
 * environment changed since. The permission text is unknown, so it is re-sent once.
 */
export function baselineFromTurnContext(
  reference: TurnContextItem | null,
  config: SessionConfiguration,
  facts: EnvironmentFacts,
): ContextBaseline {
  if (!reference) return { environment: null, permissions: null };
  const current = environmentOf(config, facts);
  const sandbox = reference.sandbox_policy as { type?: string; writable_roots?: string[] } | undefined;
  const profile = reference.permission_profile as
    | { network?: { enabled?: boolean | null } | null }
    | undefined;
  const sandboxType = sandbox?.type ?? current.sandbox_mode;
  const environment: EnvironmentContext = {
    cwd: reference.cwd,
    approval_policy:
      typeof reference.approval_policy === "string" ? reference.approval_policy : current.approval_policy,
    sandbox_mode: sandboxType,
    network_access: profile?.network?.enabled === true ? "enabled" : "restricted",
    writable_roots:
      sandboxType === "workspace-write"
        ? [reference.cwd, ...(sandbox?.writable_roots ?? []).filter((r) => r !== reference.cwd)]
        : [],
    shell: current.shell,
    current_date: reference.current_date ?? current.current_date,
    timezone: reference.timezone ?? current.timezone,
  };
  const mode = reference.collaboration_mode as
    | { settings?: { developer_instructions?: unknown } }
    | undefined;
  const instructions = mode?.settings?.developer_instructions;
  return {
    environment,
    permissions: permissionsTextFromReference(reference, environment),
    collaborationMode: collaborationModeBlock(typeof instructions === "string" ? instructions : null),
  };
}

/**
 * The collaboration mode a resumed thread was last in (its newest `turn_context`), as Codex
 * restores it: the mode and its instructions; model and effort come from the resume itself.
 */
export function restoredCollaborationMode(
  reference: TurnContextItem | null,
  config: SessionConfiguration,
): SessionConfiguration["collaborationMode"] {
  const stored = reference?.collaboration_mode as
    | { mode?: unknown; settings?: { developer_instructions?: unknown } }
    | undefined;
  const current = config.collaborationMode;
  if (stored?.mode !== "plan" && stored?.mode !== "default") return current;
  const instructions = stored.settings?.developer_instructions;
  return {
    mode: stored.mode,
    settings: {
      ...current.settings,
      developerInstructions: typeof instructions === "string" ? instructions : null,
    },
  };
}

/** The permission text the model saw at `reference`, or "" when the line lacks the data. */
function permissionsTextFromReference(reference: TurnContextItem, env: EnvironmentContext): string {
  const approval = AskForApprovalSchema.safeParse(reference.approval_policy);
  const sandbox = SandboxPolicySchema.safeParse(reference.sandbox_policy);
  const fs = FileSystemSandboxPolicySchema.safeParse(reference.file_system_sandbox_policy);
  if (!approval.success || !sandbox.success || !fs.success) return "";
  return permissionsInstructions({
    sandboxPolicy: sandbox.data,
    fileSystem: fs.data,
    networkEnabled: env.network_access === "enabled",
    approvalPolicy: approval.data,
    cwd: reference.cwd,
  });
}
