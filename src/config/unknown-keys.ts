import { ConfigError } from "./errors.js";
import { caretSnippet, locateKeyInFile } from "./key-location.js";
import { CONFIG_TOML_KEYS, type KeySpec, REMOVED_KEY_HINTS } from "./known-keys.js";
import { type ConfigLayerSource, layerFile } from "./layer-source.js";
import type { ConfigLayerEntry } from "./layers.js";
import { isTable, type TomlTable } from "./toml-file.js";

/** A key Codex would not recognise, and the layer that set it. */
export interface UnknownKey {
  source: ConfigLayerSource;
  path: string[];
}

/** Codex lists at most this many keys in the warning, then "... and N more". */
const LISTED = 3;

/** Dotted paths of `table` that `spec` does not know, in sorted order. */
export function findUnknownKeys(table: TomlTable, spec: KeySpec = CONFIG_TOML_KEYS): string[][] {
  const found: string[][] = [];
  const walk = (value: TomlTable, at: KeySpec, path: string[]) => {
    if (at === true) return;
    for (const [key, child] of Object.entries(value)) {
      const childSpec = "each" in at ? at.each : Object.hasOwn(at.keys, key) ? at.keys[key]! : null;
      if (childSpec === null) found.push([...path, key]);
      else if (isTable(child)) walk(child, childSpec, [...path, key]);
    }
  };
  walk(table, spec, []);
  return found.sort((a, b) => compare(a.join("."), b.join(".")));
}

/** Unknown keys of every enabled layer, lowest precedence first. */
export function unknownKeysInLayers(layers: readonly ConfigLayerEntry[]): UnknownKey[] {
  return layers
    .filter((layer) => layer.disabledReason === null)
    .flatMap((layer) => findUnknownKeys(layer.config).map((path) => ({ source: layer.source, path })));
}

/** Codex's start-up warning, word for word (a summary line, then up to three keys). */
export function unrecognizedSettingsWarning(unknown: readonly UnknownKey[]): string {
  const n = unknown.length;
  const lines = [
    `keel is ignoring ${n} unrecognized configuration setting${n === 1 ? "" : "s"}. Check for typos or deprecated settings.`,
  ];
  for (const key of unknown.slice(0, LISTED)) {
    const dotted = key.path.join(".");
    const hint = Object.hasOwn(REMOVED_KEY_HINTS, dotted) ? ` ${REMOVED_KEY_HINTS[dotted]}` : "";
    lines.push(`  ${layerLabel(key.source)}: \`${dotted}\` is ignored.${hint}`);
  }
  const rest = n - LISTED;
  if (rest > 0) lines.push(`  ... and ${rest} more ignored setting${rest === 1 ? "" : "s"}.`);
  return lines.join("\n");
}

/** `--strict-config`: the first unknown key (in layer, then file order) as Codex reports it. */
export function strictConfigError(unknown: readonly UnknownKey[]): ConfigError {
  const located = unknown.map((key, index) => {
    const file = layerFile(key.source);
    return { key, index, file, at: file ? locateKeyInFile(file, key.path) : null };
  });
  const layerRank = (key: UnknownKey) => unknown.findIndex((k) => k.source === key.source);
  located.sort(
    (a, b) =>
      layerRank(a.key) - layerRank(b.key) ||
      (a.at?.line ?? Number.MAX_SAFE_INTEGER) - (b.at?.line ?? Number.MAX_SAFE_INTEGER) ||
      a.index - b.index,
  );
  const first = located[0]!;
  const name = `unknown configuration field \`${first.key.path.join(".")}\``;
  if (!first.file) return new ConfigError(`-c override: ${name}`);
  if (!first.at) return new ConfigError(`${first.file}: ${name}`);
  return new ConfigError(
    `${first.file}:${first.at.line}:${first.at.column}: ${name}\n${caretSnippet(first.at)}`,
  );
}

function layerLabel(source: ConfigLayerSource): string {
  const file = layerFile(source);
  return file ? `${source.type} (${file})` : "session-flags";
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
