/**
 * The `[features]` flags keel actually reads, with Codex 0.169's stage and default for each
 * (`experimentalFeature/list`). Other names Codex knows are accepted in config.toml (known-keys)
 * but change nothing in keel, so they are not listed as if they did.
 */

export type FeatureStage = "beta" | "underDevelopment" | "stable" | "deprecated" | "removed";

export interface FeatureSpec {
  name: string;
  stage: FeatureStage;
  defaultEnabled: boolean;
  /** Where keel reads it (for the README table and for reviewers). */
  effect: string;
}

export const KEEL_FEATURES: readonly FeatureSpec[] = [
  { name: "shell_tool", stage: "stable", defaultEnabled: true, effect: "false offers no command tool" },
  {
    name: "unified_exec",
    stage: "stable",
    defaultEnabled: true,
    effect: "exec_command + write_stdin instead of the one-shot shell tool",
  },
  {
    name: "shell_snapshot",
    stage: "stable",
    defaultEnabled: true,
    effect: "commands start from a snapshot of the login shell's environment",
  },
  { name: "hooks", stage: "stable", defaultEnabled: true, effect: "false runs no lifecycle hooks" },
  {
    name: "default_mode_request_user_input",
    stage: "underDevelopment",
    defaultEnabled: false,
    effect: "request_user_input is offered in Default mode too",
  },
  {
    name: "web_search_request",
    stage: "deprecated",
    defaultEnabled: false,
    effect: "legacy switch for live web search (use `web_search`)",
  },
  {
    name: "web_search_cached",
    stage: "deprecated",
    defaultEnabled: false,
    effect: "legacy switch for cached web search (use `web_search`)",
  },
];

const BY_NAME = new Map(KEEL_FEATURES.map((f) => [f.name, f]));

export function featureSpec(name: string): FeatureSpec | undefined {
  return BY_NAME.get(name);
}

/** The wire `ExperimentalFeature` of each flag, enabled as the effective config says. */
export function featureStates(effective: Readonly<Record<string, boolean>>) {
  return KEEL_FEATURES.map((f) => ({
    name: f.name,
    stage: f.stage,
    displayName: null,
    description: null,
    announcement: null,
    enabled: effective[f.name] ?? f.defaultEnabled,
    defaultEnabled: f.defaultEnabled,
  }));
}
