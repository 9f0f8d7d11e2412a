import path from "node:path";
import { stringify } from "smol-toml";
import { normalizeAbsolutePath } from "../lib/abs-path.js";
import { ConfigError } from "./errors.js";
import { userConfigFile } from "./layers.js";
import { isTable, newTable, readTomlFile, writeTextAtomic } from "./toml-file.js";

export type ProjectTrustLevel = "trusted" | "untrusted";

/**
 * Records `[projects."<path>"] trust_level = <level>` in `$KEEL_HOME/config.toml`, keeping every
 * other key. The file is re-serialised from its parsed form, so comments and key order are not
 * preserved. Written atomically (temp file + rename) so a crash never leaves half a config.
 */
export function setProjectTrust(keelHome: string, projectPath: string, level: ProjectTrustLevel): void {
  if (!path.isAbsolute(projectPath)) {
    throw new ConfigError(`project path \`${projectPath}\` must be absolute`);
  }
  const file = userConfigFile(keelHome);
  const doc = readTomlFile(file).table ?? newTable();
  if (doc.projects !== undefined && !isTable(doc.projects)) {
    throw new ConfigError(`${file}: \`projects\` must be a table`);
  }
  const projects = isTable(doc.projects) ? doc.projects : newTable();
  const key = normalizeAbsolutePath(projectPath);
  const existing = projects[key];
  const entry = isTable(existing) ? existing : newTable();
  entry.trust_level = level;
  projects[key] = entry;
  doc.projects = projects;

  writeTextAtomic(file, `${stringify(doc)}\n`);
}
