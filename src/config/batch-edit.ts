import fs from "node:fs";
import path from "node:path";
import { stringify } from "smol-toml";
import { parseKeyPath } from "./cli-overrides.js";
import { ConfigError } from "./errors.js";
import { userConfigFile } from "./layers.js";
import {
  isTable,
  newTable,
  readTomlFile,
  type TomlTable,
  type TomlValue,
  writeTextAtomic,
} from "./toml-file.js";

export interface ConfigEdit {
  keyPath: string;
  value: unknown;
  mergeStrategy: "replace" | "upsert";
}

/**
 * Applies `config/batchWrite` edits to the user's config.toml, all or nothing, atomically (temp
 * file + rename). A null value removes the key; `upsert` merges tables into what is there.
 * Only the user config is writable through this path: a client must not be able to write a
 * project's or the system's files. Returns the written file and its new version.
 */
export function applyConfigEdits(
  keelHome: string,
  edits: readonly ConfigEdit[],
  options: { filePath?: string | null; expectedVersion?: string | null } = {},
): { filePath: string; version: string } {
  const file = userConfigFile(keelHome);
  if (options.filePath && path.resolve(options.filePath) !== path.resolve(file)) {
    throw new ConfigError(
      `config/batchWrite can only write the user config ${file}, not ${options.filePath}`,
    );
  }
  const current = readTomlFile(file);
  if (options.expectedVersion && options.expectedVersion !== current.version) {
    throw new ConfigError(
      `config version mismatch: expected ${options.expectedVersion}, the file is at ${current.version || "(missing)"}`,
    );
  }
  const doc = current.table ?? newTable();
  for (const edit of edits) applyEdit(doc, edit, file);
  fs.mkdirSync(keelHome, { recursive: true });
  const text = `${stringify(doc)}\n`;
  // A config.toml linked from elsewhere (dotfiles) is written where it lives, as Codex does;
  // renaming over the link would fork the user's config silently.
  writeTextAtomic(file, text);
  return { filePath: file, version: readTomlFile(file).version };
}

function applyEdit(doc: TomlTable, edit: ConfigEdit, file: string): void {
  let segments: string[];
  try {
    segments = parseKeyPath(edit.keyPath);
  } catch {
    throw new ConfigError(`invalid keyPath \`${edit.keyPath}\``);
  }
  const last = segments.pop()!;
  let table = doc;
  for (const segment of segments) {
    const next = table[segment];
    if (next === undefined) {
      const created = newTable();
      table[segment] = created;
      table = created;
    } else if (isTable(next)) {
      table = next;
    } else {
      throw new ConfigError(`${file}: \`${segment}\` in \`${edit.keyPath}\` is not a table`);
    }
  }
  if (edit.value === null) {
    delete table[last];
    return;
  }
  const value = toToml(edit.value, edit.keyPath);
  const existing = table[last];
  table[last] =
    edit.mergeStrategy === "upsert" && isTable(existing) && isTable(value) ? merged(existing, value) : value;
}

function merged(base: TomlTable, extra: TomlTable): TomlTable {
  const out = Object.assign(newTable(), base);
  for (const [k, v] of Object.entries(extra)) {
    const old = out[k];
    out[k] = isTable(old) && isTable(v) ? merged(old, v) : v;
  }
  return out;
}

/** A JSON value as TOML; nulls inside arrays or tables have no TOML form. */
function toToml(value: unknown, keyPath: string): TomlValue {
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new ConfigError(`\`${keyPath}\`: ${value} has no TOML form`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => toToml(v, keyPath)) as TomlValue;
  if (typeof value === "object" && value !== null) {
    const table = newTable();
    for (const [k, v] of Object.entries(value)) table[k] = toToml(v, `${keyPath}.${k}`);
    return table;
  }
  throw new ConfigError(`\`${keyPath}\`: null has no TOML form inside a value`);
}
