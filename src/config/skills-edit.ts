import fs from "node:fs";
import { stringify } from "smol-toml";
import { ConfigError } from "./errors.js";
import { userConfigFile } from "./layers.js";
import { isTable, newTable, parseTomlText, type TomlTable, writeTextAtomic } from "./toml-file.js";

/** A skill chosen by name or by SKILL.md path. */
export type SkillSelector = { name: string } | { path: string };

/**
 * Appends `[[skills.config]] name|path = …, enabled = …` to `$KEEL_HOME/config.toml`
 * (`skills/config/write`, as Codex does even for a name nothing matches). The entry is added as
 * text so the user's comments and layout stay; a file whose `skills` key cannot take a new
 * entry that way is rewritten from its parsed form.
 */
export function appendSkillConfigEntry(keelHome: string, selector: SkillSelector, enabled: boolean): void {
  const file = userConfigFile(keelHome);
  const before = readText(file);
  const current = parseTomlText(before, file);
  const entry = newTable();
  if ("name" in selector) entry.name = selector.name;
  else entry.path = selector.path;
  entry.enabled = enabled;

  const separator = before === "" || before.endsWith("\n") ? "" : "\n";
  const appended = `${before}${separator}\n[[skills.config]]\n${stringify(entry).trimEnd()}\n`;
  try {
    const parsed = parseTomlText(appended, file);
    const list = isTable(parsed.skills) ? parsed.skills.config : undefined;
    if (Array.isArray(list) && list.length === configEntries(current, file).length + 1) {
      writeTextAtomic(file, appended);
      return;
    }
  } catch {
    // e.g. `skills = { … }` inline: fall back to rewriting the document
  }
  const skills = isTable(current.skills) ? current.skills : newTable();
  skills.config = [...configEntries(current, file), entry];
  current.skills = skills;
  writeTextAtomic(file, `${stringify(current)}\n`);
}

function configEntries(doc: TomlTable, file: string): TomlTable[] {
  if (doc.skills === undefined) return [];
  if (!isTable(doc.skills)) throw new ConfigError(`${file}: \`skills\` must be a table`);
  const list = doc.skills.config;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new ConfigError(`${file}: \`skills.config\` must be an array of tables`);
  return list as TomlTable[];
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "";
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
}
