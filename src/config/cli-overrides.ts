import { parse } from "smol-toml";
import { ConfigError } from "./errors.js";
import { isTable, newTable, type TomlTable, type TomlValue } from "./toml-file.js";

/** One `-c key=value` argument, split into its key path and parsed value. */
export interface CliOverride {
  path: string[];
  value: TomlValue;
}

/**
 * Parses `key=value`. The key is a dotted path whose segments may be quoted
 * (`projects."/repo".trust_level`); the value is parsed as a TOML value and falls back to the
 * trimmed raw text when that fails, so `-c model=o3` works without quotes.
 */
export function parseCliOverride(arg: string): CliOverride {
  const eq = findUnquotedEquals(arg);
  if (eq < 0) throw new ConfigError(`invalid -c override \`${arg}\`: expected key=value`);
  const path = parseKeyPath(arg.slice(0, eq), arg);
  const rawValue = arg.slice(eq + 1).trim();
  return { path, value: parseTomlValue(rawValue) };
}

export function parseTomlValue(raw: string): TomlValue {
  try {
    const value = parse(`value = ${raw}`).value;
    if (value !== undefined) return value;
  } catch {
    // Not a TOML value: keep the raw text.
  }
  return raw;
}

/** Builds the `sessionFlags` layer table; later overrides win over earlier ones. */
export function cliOverridesToTable(overrides: readonly CliOverride[]): TomlTable {
  const root = newTable();
  for (const { path, value } of overrides) {
    let table = root;
    for (const segment of path.slice(0, -1)) {
      const next = table[segment];
      if (!isTable(next)) table[segment] = newTable();
      table = table[segment] as TomlTable;
    }
    table[path[path.length - 1]!] = value;
  }
  return root;
}

/** Index of the first `=` outside quotes, or -1. */
export function findUnquotedEquals(text: string): number {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\" && quote === '"') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "=") return i;
  }
  return -1;
}

export function parseKeyPath(key: string, arg = key): string[] {
  const segments: string[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new ConfigError(`invalid -c override \`${arg}\`: ${why}`);
  };
  const skipSpaces = () => {
    while (i < key.length && (key[i] === " " || key[i] === "\t")) i++;
  };
  for (;;) {
    skipSpaces();
    const ch = key[i];
    if (ch === '"' || ch === "'") {
      const end = findClosingQuote(key, i);
      if (end < 0) fail("unterminated quoted key");
      const quoted = key.slice(i, end + 1);
      const decoded = parseTomlValue(quoted);
      if (typeof decoded !== "string" || decoded === quoted) fail(`invalid quoted key ${quoted}`);
      segments.push(decoded as string);
      i = end + 1;
    } else {
      let end = i;
      while (end < key.length && key[end] !== "." && key[end] !== " " && key[end] !== "\t") end++;
      const bare = key.slice(i, end);
      if (bare === "") fail("empty key segment");
      segments.push(bare);
      i = end;
    }
    skipSpaces();
    if (i >= key.length) break;
    if (key[i] !== ".") fail(`unexpected character \`${key[i]}\` in key`);
    i++;
  }
  return segments;
}

function findClosingQuote(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === "\\") i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}
