/**
 * Deprecated `[features]` keys and the notices Codex 0.169 sends for them at session start-up
 * (texts observed on the 0.169 binary). A key counts whatever its value: Codex records the
 * legacy usage when it reads the key, not when it enables the feature.
 */

export interface FeatureDeprecation {
  summary: string;
  details: string | null;
}

/** Old feature names Codex still reads, and the flag each now stands for. */
const ALIASES: Readonly<Record<string, string>> = {
  codex_hooks: "hooks",
  collab: "multi_agent",
  connectors: "apps",
  enable_experimental_windows_sandbox: "experimental_windows_sandbox",
  experimental_use_unified_exec_tool: "unified_exec",
  imagegenext: "image_generation",
  memory_tool: "memories",
  request_permissions: "exec_permission_approvals",
  telepathy: "chronicle",
};

const WEB_SEARCH_DETAILS =
  'Set `web_search` to `"live"`, `"indexed"`, `"cached"`, or `"disabled"` at the top level (or under a profile) in config.toml if you want to override it.';

/** Flags that are retired rather than renamed, each with its own wording. */
const RETIRED: Readonly<Record<string, FeatureDeprecation>> = {
  transcript_v2: {
    summary: "`[features].transcript_v2` is deprecated and ignored.",
    details: "Use `[tui].fullscreen_transcript` in config.toml instead.",
  },
  use_legacy_landlock: {
    summary: "`[features].use_legacy_landlock` is deprecated and will be removed soon.",
    details: "Remove this setting to stop opting into the legacy Linux sandbox behavior.",
  },
  "guardianv2.thread_context": {
    summary: "`[features.guardianv2].thread_context` is deprecated and ignored.",
    details:
      "Thread-owned Guardian context is always enabled. Remove `thread_context` from [features.guardianv2] in config.toml, including profile overrides.",
  },
  ...Object.fromEntries(
    ["web_search", "web_search_cached", "web_search_request"].map((key) => [
      key,
      {
        summary: `\`[features].${key}\` is deprecated because web search is enabled by default.`,
        details: WEB_SEARCH_DETAILS,
      },
    ]),
  ),
};

/** A deprecated flag that still works; Codex reports it as a config warning, not a notice. */
export const MULTI_AGENT_DEPRECATION_WARNING =
  "`[features].multi_agent` is deprecated. It still controls the V1 fallback. `[agents].enabled = false` disables subagent tools even when the model selects a subagent version, unless `[features].multi_agent_v2` is enabled.";

function aliasNotice(alias: string, canonical: string): FeatureDeprecation {
  return {
    summary: `\`[features].${alias}\` is deprecated. Use \`[features].${canonical}\` instead.`,
    details:
      `Enable it with \`--enable ${canonical}\` or \`[features].${canonical}\` in config.toml. ` +
      "See https://developers.openai.com/codex/config-basic#feature-flags for details.",
  };
}

/** The deprecated keys a `[features]` table names, as dotted names (`guardianv2.thread_context`). */
function usedKeys(features: Record<string, unknown>): string[] {
  const keys = Object.keys(features);
  const guardian = features.guardianv2;
  if (guardian && typeof guardian === "object" && "thread_context" in guardian) {
    keys.push("guardianv2.thread_context");
  }
  return keys;
}

/**
 * Deprecation notices for the `[features]` tables in effect (top level, then the active
 * profile's) and the top-level `experimental_use_unified_exec_tool`, one per key, ordered by key
 * as Codex orders its legacy usages.
 */
export function featureDeprecations(
  toml: Record<string, unknown>,
  profile: Record<string, unknown> | null,
): FeatureDeprecation[] {
  const keys = new Set<string>();
  for (const table of [toml.features, profile?.features]) {
    if (table && typeof table === "object")
      for (const k of usedKeys(table as Record<string, unknown>)) keys.add(k);
  }
  if ("experimental_use_unified_exec_tool" in toml) keys.add("experimental_use_unified_exec_tool");
  const notices: FeatureDeprecation[] = [];
  for (const key of [...keys].sort()) {
    const canonical = ALIASES[key];
    if (canonical) notices.push(aliasNotice(key, canonical));
    else if (RETIRED[key]) notices.push(RETIRED[key]);
  }
  return notices;
}

/** Whether a `[features]` table in effect names `multi_agent` (any value). */
export function usesMultiAgentFlag(
  toml: Record<string, unknown>,
  profile: Record<string, unknown> | null,
): boolean {
  return [toml.features, profile?.features].some(
    (t) => !!t && typeof t === "object" && "multi_agent" in (t as Record<string, unknown>),
  );
}
