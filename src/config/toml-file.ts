import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parse, TomlError, type TomlTable } from "smol-toml";
import { writeFileDurably } from "../lib/private-file.js";
import { ConfigError } from "./errors.js";

export type { TomlTable };
export type TomlValue = TomlTable[string];

export interface TomlFile {
  file: string;
  /** `null` when the file does not exist (an absent layer is not an error). */
  table: TomlTable | null;
  /** The layer version Codex reports: {@link configVersion} of the parsed table (`{}` when missing). */
  version: string;
}

export function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** An empty table without a prototype, so a `__proto__` key from a file stays a plain key. */
export function newTable(): TomlTable {
  return Object.create(null) as TomlTable;
}

/** Parses TOML text; a syntax error becomes a ConfigError naming `file:line:column`. */
export function parseTomlText(text: string, file: string): TomlTable {
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = (error.message.split("\n")[0] ?? "").replace(/^Invalid TOML document:\s*/, "");
      throw new ConfigError(`${file}:${error.line}:${error.column}: TOML syntax error: ${reason}`);
    }
    throw error;
  }
}

export function readTomlFile(file: string): TomlFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { file, table: null, version: configVersion(null) };
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const table = parseTomlText(text, file);
  return { file, table, version: configVersion(table) };
}

/**
 * A layer's version as Codex computes it: sha256 of the parsed values as compact JSON with
 * sorted keys. Comments and layout do not change it, so a client's `expectedVersion` only goes
 * stale when a value changed; a missing file is the empty table.
 */
export function configVersion(table: TomlTable | null): string {
  return fingerprint(JSON.stringify(sortedJson(table ?? {})));
}

function sortedJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(sortedJson);
  if (isTable(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortedJson(value[key])]),
    );
  }
  return value;
}

export function fingerprint(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

/** Replaces `file` with `text` atomically and durably (synced temp file + rename), creating its folder. */
export function writeTextAtomic(file: string, text: string): void {
  // A symlinked config.toml (e.g. into a dotfiles repository) keeps its link: write its target.
  writeFileDurably(symlinkTarget(file), text);
}

/** The end of `file`'s symlink chain (a missing end is fine); `file` itself on a loop or error. */
function symlinkTarget(file: string): string {
  const seen = new Set<string>();
  let current = file;
  for (;;) {
    let link: string;
    try {
      if (!fs.lstatSync(current).isSymbolicLink()) return current;
      link = fs.readlinkSync(current);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ENOENT" ? current : file;
    }
    if (seen.has(current)) return file;
    seen.add(current);
    current = path.resolve(path.dirname(current), link);
  }
}
