import fs from "node:fs";
import { ConfigError } from "./errors.js";
import {
  insertSections,
  removeBlocks,
  splitLines,
  startsWith,
  tomlBlocks,
  tomlHeader,
  tomlKey,
  verifiedEdit,
} from "./toml-blocks.js";
import {
  isTable,
  newTable,
  parseTomlText,
  type TomlTable,
  type TomlValue,
  writeTextAtomic,
} from "./toml-file.js";

/**
 * The one editor of config.toml text that every writer uses (config/batchWrite and
 * config/value/write, `keel mcp add|remove`, MCP "always" approvals, skills, project trust).
 * Each edit rewrites only the lines of the key it changes: comments, blank lines, quoting and
 * key order elsewhere stay byte for byte. Every step is re-parsed and compared with the value
 * the edit means; a layout the line editor does not handle falls back to toml-patch (which
 * keeps comments too), so the result is never wrong, only sometimes less tidy.
 */

/**
 * Set `value` at `path` (`replace`, or `upsert` to merge tables), remove the key (null), or
 * append one `[[path]]` entry to an array of tables.
 */
export type TomlEdit =
  | { path: readonly string[]; value: TomlValue | null; mergeStrategy?: "replace" | "upsert" }
  | { path: readonly string[]; append: TomlTable };

export interface EditedToml {
  text: string;
  table: TomlTable;
}

/** Applies `edits` in order to `text` (the contents of `file`, for messages). */
export function editTomlText(text: string, edits: readonly TomlEdit[], file: string): EditedToml {
  let current = text;
  let table = parseTomlText(text, file);
  for (const edit of edits) {
    if (edit.path.length === 0) throw new ConfigError("keyPath must not be empty");
    const intended = parseTomlText(current, file);
    applyToTable(intended, edit);
    const edited = editLines(current, edit);
    if ("value" in edit && edit.value === null) dropEmptiedParents(intended, edited, edit.path, file);
    current = verifiedEdit(current, edited, intended, file);
    table = intended;
  }
  return { text: current, table };
}

/**
 * Removing a table's last key removes its section too; the parsed intent would still hold the
 * empty table, so an emptied parent the edited text no longer has is dropped from the intent.
 */
function dropEmptiedParents(intended: TomlTable, edited: string, path: readonly string[], file: string) {
  let after: TomlTable;
  try {
    after = parseTomlText(edited, file);
  } catch {
    return;
  }
  for (let depth = path.length - 1; depth > 0; depth--) {
    const parentPath = path.slice(0, depth);
    const parent = valueAt(intended, parentPath);
    if (!isTable(parent) || Object.keys(parent).length > 0 || valueAt(after, parentPath) !== undefined)
      return;
    const grandparent = tableAt(intended, parentPath.slice(0, -1), false);
    if (grandparent) delete grandparent[parentPath.at(-1)!];
  }
}

/** Reads `file` (empty when missing), applies the edits, writes it atomically if it changed. */
export function editTomlFile(
  file: string,
  edits: readonly TomlEdit[] | ((current: TomlTable) => readonly TomlEdit[]),
): EditedToml {
  const before = readTomlText(file);
  const list = typeof edits === "function" ? edits(parseTomlText(before, file)) : edits;
  const result = editTomlText(before, list, file);
  // A config.toml linked from elsewhere (dotfiles) is written where it lives, as Codex does.
  if (result.text !== before) writeTextAtomic(file, result.text);
  return result;
}

/** The text of `file`; "" when it does not exist yet. */
export function readTomlText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "";
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** The edit applied to a parsed table (what the text must parse to afterwards). */
export function applyToTable(doc: TomlTable, edit: TomlEdit): void {
  if ("append" in edit) {
    const parent = tableAt(doc, edit.path.slice(0, -1), true) as TomlTable;
    const key = edit.path.at(-1)!;
    const list = parent[key];
    if (list !== undefined && !Array.isArray(list)) {
      throw new ConfigError(`\`${edit.path.join(".")}\` must be an array of tables`);
    }
    parent[key] = [...((list as TomlValue[] | undefined) ?? []), edit.append] as TomlValue;
    return;
  }
  // Removing a key whose parent does not exist changes nothing.
  const table = tableAt(doc, edit.path.slice(0, -1), edit.value !== null);
  if (table === null) return;
  const last = edit.path.at(-1)!;
  if (edit.value === null) {
    delete table[last];
    return;
  }
  const existing = table[last];
  table[last] =
    edit.mergeStrategy === "upsert" && isTable(existing) && isTable(edit.value)
      ? merged(existing, edit.value)
      : edit.value;
}

/** The table at `path`, created where missing when `create`, else null when missing. */
function tableAt(doc: TomlTable, path: readonly string[], create: boolean): TomlTable | null {
  let table = doc;
  for (const segment of path) {
    const next = table[segment];
    if (next === undefined) {
      if (!create) return null;
      const created = newTable();
      table[segment] = created;
      table = created;
    } else if (isTable(next)) {
      table = next;
    } else {
      throw new ConfigError("cannot set value on non-table parent");
    }
  }
  return table;
}

function merged(base: TomlTable, extra: TomlTable): TomlTable {
  const out = Object.assign(newTable(), base);
  for (const [key, value] of Object.entries(extra)) {
    const old = out[key];
    out[key] = isTable(old) && isTable(value) ? merged(old, value) : value;
  }
  return out;
}

/** The line-level edit (unverified). */
function editLines(text: string, edit: TomlEdit): string {
  if ("append" in edit) {
    const header = `[[${edit.path.map(tomlKey).join(".")}]]`;
    return insertSections(text, sections(edit.path, edit.append).replace(/^\[[^\n]*\]/, header), null);
  }
  const { path, value } = edit;
  if (value === null) return removeBlocks(text, path).text;
  const existing = valueAt(parseTomlText(text, ""), path);
  if (edit.mergeStrategy === "upsert" && isTable(value) && isTable(existing)) {
    // Merge key by key, so the table's other keys (and their comments) are not touched.
    let out = text;
    for (const [key, child] of Object.entries(value)) {
      out = editLines(out, { path: [...path, key], value: child, mergeStrategy: "upsert" });
    }
    return out;
  }
  const blocks = tomlBlocks(text);
  const exact = blocks.find((b) => b.kind === "keyValue" && samePath(b.path, path));
  if (exact?.value && !isTable(value)) return replaceSpan(text, exact.value, inlineValue(value));
  const removed = blocks.some((b) => startsWith(b.path, path)) ? removeBlocks(text, path) : null;
  const base = removed ? removed.text : text;
  if (isTable(value)) return insertSections(base, sections(path, value), removed?.sectionAt ?? null);
  return insertKey(base, path, value);
}

/** A new `key = value` under its parent: after the root keys, in `[parent]`, or a new section. */
function insertKey(text: string, path: readonly string[], value: TomlValue): string {
  const parent = path.slice(0, -1);
  const line = `${tomlKey(path.at(-1)!)} = ${inlineValue(value)}\n`;
  const blocks = tomlBlocks(text);
  if (parent.length === 0) {
    const firstSection = blocks.find((b) => b.kind === "table");
    const rootKeys = blocks.filter(
      (b) => b.kind === "keyValue" && (!firstSection || b.startLine < firstSection.startLine),
    );
    const after = rootKeys.at(-1)?.endLine ?? 0;
    return insertAtLine(text, after, line);
  }
  const section = blocks.find((b) => b.kind === "table" && samePath(b.path, parent));
  if (section) return insertAtLine(text, section.endLine, line);
  return insertSections(text, `${tomlHeader(parent)}\n${line}`, null);
}

/** `[path]` with its plain keys, then a sub-section per nested table (as Codex writes them). */
function sections(path: readonly string[], table: TomlTable): string {
  const plain = Object.entries(table).filter(([, v]) => !isTable(v));
  const nested = Object.entries(table).filter(([, v]) => isTable(v)) as [string, TomlTable][];
  let out = `${tomlHeader(path)}\n${plain.map(([k, v]) => `${tomlKey(k)} = ${inlineValue(v)}\n`).join("")}`;
  for (const [key, child] of nested) out += `\n${sections([...path, key], child)}`;
  return out;
}

/** A value on one line: strings as JSON-compatible basic strings, tables inline. */
export function inlineValue(value: TomlValue): string {
  // A JSON string is a TOML basic string once DEL is escaped too (TOML forbids it raw).
  if (typeof value === "string") return JSON.stringify(value).replace(/\x7f/g, "\\u007F");
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `[${value.map((v) => inlineValue(v as TomlValue)).join(", ")}]`;
  const entries = Object.entries(value as TomlTable);
  if (entries.length === 0) return "{}";
  return `{ ${entries.map(([k, v]) => `${tomlKey(k)} = ${inlineValue(v)}`).join(", ")} }`;
}

function valueAt(doc: TomlTable, path: readonly string[]): unknown {
  let current: unknown = doc;
  for (const segment of path) {
    if (!isTable(current)) return undefined;
    current = current[segment];
  }
  return current;
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

/** Replaces a value's span (1-based lines, 0-based columns, end exclusive), keeping the rest. */
function replaceSpan(
  text: string,
  span: { line: number; column: number; endLine: number; endColumn: number },
  replacement: string,
): string {
  const lines = splitLines(text);
  const head = (lines[span.line - 1] ?? "").slice(0, span.column);
  const tail = (lines[span.endLine - 1] ?? "").slice(span.endColumn);
  lines.splice(span.line - 1, span.endLine - span.line + 1, head + replacement + tail);
  return lines.join("");
}

/** Inserts whole lines after line `after` (1-based; 0 = at the top). */
function insertAtLine(text: string, after: number, insertion: string): string {
  const lines = splitLines(text);
  if (after > 0 && after <= lines.length && !(lines[after - 1] ?? "").endsWith("\n")) {
    lines[after - 1] += "\n";
  }
  lines.splice(after, 0, insertion);
  return lines.join("");
}
