import { ConfigError } from "./errors.js";
import { userConfigFile } from "./layers.js";
import { editTomlFile } from "./toml-edit.js";
import { isTable, newTable, type TomlTable } from "./toml-file.js";

/** A skill chosen by name or by SKILL.md path. */
export type SkillSelector = { name: string } | { path: string };

/**
 * Appends `[[skills.config]] name|path = …, enabled = …` to `$KEEL_HOME/config.toml`
 * (`skills/config/write`, as Codex does even for a name nothing matches). The entry is added as
 * text so the user's comments and layout stay.
 */
export function appendSkillConfigEntry(keelHome: string, selector: SkillSelector, enabled: boolean): void {
  const file = userConfigFile(keelHome);
  const entry = newTable();
  if ("name" in selector) entry.name = selector.name;
  else entry.path = selector.path;
  entry.enabled = enabled;
  editTomlFile(file, (current) => {
    configEntries(current, file);
    return [{ path: ["skills", "config"], append: entry }];
  });
}

function configEntries(doc: TomlTable, file: string): TomlTable[] {
  if (doc.skills === undefined) return [];
  if (!isTable(doc.skills)) throw new ConfigError(`${file}: \`skills\` must be a table`);
  const list = doc.skills.config;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new ConfigError(`${file}: \`skills.config\` must be an array of tables`);
  return list as TomlTable[];
}
