import path from "node:path";
import type { LoadedConfig } from "../config/load.js";
import { RULES_DIR } from "./load.js";
import { rulesFolderBeside, SessionExecPolicy } from "./session-policy.js";

export interface ExecPolicyLaunchOptions {
  /** `keel exec --ignore-rules`: user and project rules are skipped (system and requirements stay). */
  ignoreRules: boolean;
  /** The user's home, for `~/` in `host_executable` paths. */
  homeDir: string;
}

/** The session's exec policy from its configuration layers (spec execpolicy.md §1). */
export function execPolicyFromConfig(
  loaded: LoadedConfig,
  options: ExecPolicyLaunchOptions,
): SessionExecPolicy {
  const folders: string[] = [];
  for (const layer of loaded.layers) {
    const source = layer.source;
    if (source.type === "system") folders.push(rulesFolderBeside(source.file));
    if (options.ignoreRules) continue;
    if (source.type === "user") folders.push(path.join(loaded.keelHome, RULES_DIR));
    // An untrusted project's rules are never read (its layer is disabled, with a warning).
    if (source.type === "project" && layer.disabledReason === null)
      folders.push(path.join(source.dotCodexFolder, RULES_DIR));
  }
  return SessionExecPolicy.load({
    keelHome: loaded.keelHome,
    // A system config beside KEEL_HOME would name the user folder twice: read it once.
    folders: [...new Set(folders)],
    requirements: loaded.requirements.toml?.rules?.prefix_rules ?? [],
    homeDir: options.homeDir,
  });
}
