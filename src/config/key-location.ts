import fs from "node:fs";
import { findUnquotedEquals, parseKeyPath } from "./cli-overrides.js";

/** Where a key is written in a TOML file: 1-based line and column, and the key's text length. */
export interface KeyLocation {
  line: number;
  column: number;
  length: number;
  /** The whole source line, for a caret snippet. */
  text: string;
}

/**
 * The key text of a `[table]` or `[[array]]` header line, else null. The closing bracket is the
 * first one outside quotes, so a quoted key may hold `]` and `#`.
 */
function headerKey(line: string): string | null {
  const start = line.length - line.trimStart().length;
  if (line[start] !== "[") return null;
  const double = line[start + 1] === "[";
  let i = start + (double ? 2 : 1);
  const from = i;
  let quote: string | null = null;
  for (; i < line.length; i++) {
    const c = line[i]!;
    if (quote === '"' && c === "\\") i++;
    else if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "]") break;
  }
  if (i >= line.length) return null;
  const rest = line.slice(i + (double ? 2 : 1)).trim();
  if ((double && line[i + 1] !== "]") || (rest !== "" && !rest.startsWith("#"))) return null;
  return line.slice(from, i).trim();
}

/**
 * Finds where `keyPath` is set in TOML `text`: the exact key when it is written as a key or a
 * table header, else the closest written ancestor (a value inside an inline table or array points
 * at the key that holds it). smol-toml keeps no positions, and errors are rare, so this re-scans
 * the text line by line instead of keeping a position map for every load.
 */
export function locateKey(text: string, keyPath: readonly string[]): KeyLocation | null {
  let table: string[] = [];
  let best: { location: KeyLocation; depth: number } | null = null;
  let inMultiline: string | null = null;
  const lines = text.split(/\r?\n/);
  const consider = (path: readonly string[], location: KeyLocation) => {
    const depth = commonPrefix(path, keyPath);
    if (depth < path.length || depth === 0) return;
    if (!best || depth > best.depth) best = { location, depth };
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (inMultiline !== null) {
      if (countOf(line, inMultiline) % 2 === 1) inMultiline = null;
      continue;
    }
    const header = headerKey(line);
    if (header !== null && !line.trimStart().startsWith("[=")) {
      const parts = splitKey(header);
      if (parts) {
        table = parts;
        const column = line.indexOf(header) + 1;
        consider(table, { line: i + 1, column, length: header.length, text: line });
      }
      continue;
    }
    const eq = line.trimStart().startsWith("#") ? -1 : findUnquotedEquals(line);
    if (eq >= 0) {
      const raw = line.slice(0, eq).trim();
      const parts = splitKey(raw);
      if (parts) {
        const column = line.length - line.trimStart().length + 1;
        consider([...table, ...parts], { line: i + 1, column, length: raw.length, text: line });
      }
      for (const quote of ['"""', "'''"]) {
        if (countOf(line.slice(eq), quote) % 2 === 1) inMultiline = quote;
      }
    }
  }
  return (best as { location: KeyLocation } | null)?.location ?? null;
}

/** `locateKey` on a file; null when the file cannot be read. */
export function locateKeyInFile(file: string, keyPath: readonly string[]): KeyLocation | null {
  try {
    return locateKey(fs.readFileSync(file, "utf8"), keyPath);
  } catch {
    return null;
  }
}

/** The rustc-style excerpt Codex prints under a located error. */
export function caretSnippet(location: KeyLocation): string {
  const number = String(location.line);
  const pad = " ".repeat(number.length);
  const carets = "^".repeat(Math.max(1, location.length));
  return `${pad} |\n${number} | ${location.text}\n${pad} | ${" ".repeat(location.column - 1)}${carets}`;
}

function commonPrefix(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function countOf(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** A dotted TOML key (`a."b.c".d`) split into its parts; null when it is not a key. */
function splitKey(raw: string): string[] | null {
  try {
    return parseKeyPath(raw);
  } catch {
    return null;
  }
}
