import fs from "node:fs";
import path from "node:path";
import { parseKeyPath } from "./cli-overrides.js";
import { ConfigError, ConfigWriteError } from "./errors.js";
import { userConfigFile } from "./layers.js";
import { ConfigTomlSchema } from "./schema.js";
import { editTomlText, readTomlText, type TomlEdit } from "./toml-edit.js";
import { configVersion, newTable, parseTomlText, type TomlValue, writeTextAtomic } from "./toml-file.js";
import { describeIssue } from "./validate.js";
import { getPath } from "./merge.js";

export interface ConfigEdit {
  keyPath: string;
  value: unknown;
  mergeStrategy: "replace" | "upsert";
}

/**
 * Applies `config/value/write` and `config/batchWrite` edits to the user's config.toml, all or
 * nothing, keeping comments and layout (toml-edit). A null value removes the key; `upsert`
 * merges tables into what is there. Only the user config is writable: a client must not write
 * a project's or the system's files. `expectedVersion` is the layer version config/read
 * reported; a different current version means someone else wrote in between. The result must
 * still be a valid configuration. Errors carry Codex's texts and `config_write_error_code`.
 */
export function applyConfigEdits(
  keelHome: string,
  edits: readonly ConfigEdit[],
  options: { filePath?: string | null; expectedVersion?: string | null } = {},
): { filePath: string; version: string } {
  const file = userConfigFile(keelHome);
  if (options.filePath && !samePath(options.filePath, file)) {
    throw new ConfigWriteError("Only writes to the user config are allowed", "configLayerReadonly");
  }
  const before = readTomlText(file);
  const current = configVersion(before === "" ? null : parseTomlText(before, file));
  if (options.expectedVersion && options.expectedVersion !== current) {
    throw new ConfigWriteError(
      "Configuration was modified since last read. Fetch latest version and retry.",
      "configVersionConflict",
    );
  }
  const tomlEdits = edits.map(toTomlEdit);
  let result: { text: string; table: ReturnType<typeof newTable> };
  try {
    result = editTomlText(before, tomlEdits, file);
  } catch (error) {
    if (error instanceof ConfigError && !(error instanceof ConfigWriteError)) {
      throw new ConfigWriteError(error.message, "configValidationError");
    }
    throw error;
  }
  const checked = ConfigTomlSchema.safeParse(result.table);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const keyPath = issue.path.map(String);
    throw new ConfigWriteError(
      `Invalid configuration: ${describeIssue(issue, getPath(result.table, keyPath), keyPath)}`,
      "configValidationError",
    );
  }
  if (result.text !== before) {
    fs.mkdirSync(keelHome, { recursive: true });
    writeTextAtomic(file, result.text);
  }
  return { filePath: file, version: configVersion(result.table) };
}

function toTomlEdit(edit: ConfigEdit): TomlEdit {
  if (edit.keyPath.trim() === "")
    throw new ConfigWriteError("keyPath must not be empty", "configValidationError");
  let segments: string[];
  try {
    segments = parseKeyPath(edit.keyPath);
  } catch (error) {
    const why = /empty key segment/.test((error as Error).message)
      ? "keyPath segments must not be empty"
      : `invalid keyPath \`${edit.keyPath}\``;
    throw new ConfigWriteError(why, "configValidationError");
  }
  const value = edit.value === null ? null : toToml(edit.value);
  return { path: segments, value, mergeStrategy: edit.mergeStrategy };
}

/** A JSON value as TOML; nulls inside arrays or tables have no TOML form. */
function toToml(value: unknown): TomlValue {
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw invalidValue(`${value} is not a TOML number`);
    return value;
  }
  if (Array.isArray(value)) return value.map(toToml) as TomlValue;
  if (typeof value === "object" && value !== null) {
    const table = newTable();
    for (const [k, v] of Object.entries(value)) table[k] = toToml(v);
    return table;
  }
  throw invalidValue("invalid type: null, expected any valid TOML value");
}

function invalidValue(why: string): ConfigWriteError {
  return new ConfigWriteError(`invalid value: ${why}`, "configValidationError");
}

/** Whether two paths name the same file (through symlinks where they exist). */
function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return path.resolve(a) === path.resolve(b) || real(a) === real(b);
}
