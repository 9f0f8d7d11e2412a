import path from "node:path";
import { normalizeAbsolutePath } from "../lib/abs-path.js";
import { ConfigError } from "./errors.js";
import { userConfigFile } from "./layers.js";
import { editTomlFile } from "./toml-edit.js";
import { isTable } from "./toml-file.js";

export type ProjectTrustLevel = "trusted" | "untrusted";

/**
 * Records `[projects."<path>"] trust_level = <level>` in `$KEEL_HOME/config.toml`, keeping every
 * other line as it was (comments too). Written atomically (temp file + rename) so a crash never
 * leaves half a config.
 */
export function setProjectTrust(keelHome: string, projectPath: string, level: ProjectTrustLevel): void {
  if (!path.isAbsolute(projectPath)) {
    throw new ConfigError(`project path \`${projectPath}\` must be absolute`);
  }
  const key = normalizeAbsolutePath(projectPath);
  editTomlFile(userConfigFile(keelHome), (current) => {
    if (current.projects !== undefined && !isTable(current.projects)) {
      throw new ConfigError(`${userConfigFile(keelHome)}: \`projects\` must be a table`);
    }
    return [{ path: ["projects", key, "trust_level"], value: level }];
  });
}
