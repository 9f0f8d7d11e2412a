import fs from "node:fs";
import path from "node:path";
import { normalizeAbsolutePath } from "../lib/abs-path.js";
import { type CliOverride, cliOverridesToTable, parseCliOverride, parseKeyPath } from "./cli-overrides.js";
import type { ConfigLayerMetadata, ConfigLayerSource } from "./layer-source.js";
import { mergeLayer, type Origins } from "./merge.js";
import { directoriesFromTo, findGitWorktreeRoot, resolveTrustRoot } from "./project.js";
import { configVersion, isTable, newTable, readTomlFile, type TomlTable } from "./toml-file.js";

export const DEFAULT_SYSTEM_CONFIG_FILE = "/etc/keel/config.toml";
/** Name of the per-project folder (Codex: `.codex`). */
export const PROJECT_CONFIG_DIR = ".keel";

export type TrustLevel = "trusted" | "untrusted";

/** One configuration layer, enabled or not, with the v2 `ConfigLayer` fields. */
export interface ConfigLayerEntry {
  source: ConfigLayerSource;
  /** `sha256:<hex>` of the file (or of the overrides); "" for a missing file. */
  version: string;
  /** The layer's own table (empty when the file is missing). */
  config: TomlTable;
  /** Why the layer contributes nothing (untrusted project), else null. */
  disabledReason: string | null;
}

export interface ProjectTrust {
  /** Directory whose trust decides (git root — main checkout for a worktree — else the cwd). */
  root: string;
  /** The `[projects]` key that matched, or null when no decision exists. */
  key: string | null;
  level: TrustLevel | null;
}

export interface LayerStackOptions {
  keelHome: string;
  /** Absolute working directory. */
  cwd: string;
  systemConfigFile?: string;
  /** Raw `-c key=value` arguments, in command-line order. */
  cliOverrides?: readonly string[];
  /** App-server request `config` map: dotted key → JSON value (applied after `-c`). */
  sessionConfig?: Readonly<Record<string, unknown>>;
}

export interface ConfigLayerStack {
  /** Every layer, lowest precedence first; disabled project layers are included. */
  layers: ConfigLayerEntry[];
  /** All enabled layers merged. */
  merged: TomlTable;
  origins: Origins;
  trust: ProjectTrust;
  userConfigFile: string;
}

export function userConfigFile(keelHome: string): string {
  return path.join(keelHome, "config.toml");
}

export function loadLayerStack(options: LayerStackOptions): ConfigLayerStack {
  const cwd = normalizeAbsolutePath(options.cwd);
  const userFile = userConfigFile(options.keelHome);
  const systemFile = options.systemConfigFile ?? DEFAULT_SYSTEM_CONFIG_FILE;
  const layers: ConfigLayerEntry[] = [
    fileLayer({ type: "system", file: systemFile }, systemFile),
    fileLayer({ type: "user", file: userFile }, userFile),
  ];
  const sessionLayer = buildSessionLayer(options.cliOverrides ?? [], options.sessionConfig ?? {});

  // Trust can only come from layers outside the project, or a project could trust itself.
  const outside = mergeAll(sessionLayer ? [...layers, sessionLayer] : layers);
  const trust = lookupProjectTrust(outside.merged, cwd);

  const disabledReason = trustDisabledReason(trust, userFile);
  for (const folder of projectConfigFolders(cwd, options.keelHome)) {
    layers.push(projectLayer(folder, disabledReason));
  }
  if (sessionLayer) layers.push(sessionLayer);
  const { merged, origins } = mergeAll(layers);
  return { layers, merged, origins, trust, userConfigFile: userFile };
}

function mergeAll(layers: readonly ConfigLayerEntry[]): { merged: TomlTable; origins: Origins } {
  const merged = newTable();
  const origins: Origins = {};
  for (const layer of layers) {
    if (layer.disabledReason !== null) continue;
    const meta: ConfigLayerMetadata = { name: layer.source, version: layer.version };
    mergeLayer(merged, layer.config, meta, origins);
  }
  return { merged, origins };
}

function fileLayer(
  source: ConfigLayerSource,
  file: string,
  disabledReason: string | null = null,
): ConfigLayerEntry {
  const loaded = readTomlFile(file);
  return { source, version: loaded.version, config: loaded.table ?? newTable(), disabledReason };
}

function projectLayer(folder: string, disabledReason: string | null): ConfigLayerEntry {
  const source: ConfigLayerSource = { type: "project", dotCodexFolder: folder };
  const file = path.join(folder, "config.toml");
  if (disabledReason !== null) {
    // An untrusted checkout must not be able to break startup with a malformed file.
    try {
      return fileLayer(source, file, disabledReason);
    } catch {
      return { source, version: configVersion(null), config: newTable(), disabledReason };
    }
  }
  return fileLayer(source, file);
}

function buildSessionLayer(
  cliOverrides: readonly string[],
  sessionConfig: Readonly<Record<string, unknown>>,
): ConfigLayerEntry | null {
  const parsed: CliOverride[] = cliOverrides.map(parseCliOverride);
  for (const [key, value] of Object.entries(sessionConfig)) {
    if (value === undefined || value === null) continue;
    parsed.push({ path: parseKeyPath(key), value: value as CliOverride["value"] });
  }
  if (parsed.length === 0) return null;
  const config = cliOverridesToTable(parsed);
  return {
    source: { type: "sessionFlags" },
    version: configVersion(config),
    config,
    disabledReason: null,
  };
}

/** `.keel` folders from the project root (nearest `.git` ancestor, else the cwd) down to the cwd. */
export function projectConfigFolders(cwd: string, keelHome: string): string[] {
  const top = findGitWorktreeRoot(cwd) ?? cwd;
  const home = normalizeAbsolutePath(path.resolve(keelHome));
  return directoriesFromTo(top, cwd)
    .map((dir) => path.join(dir, PROJECT_CONFIG_DIR))
    .filter((folder) => folder !== home && isDirectory(folder));
}

/**
 * The trust decision for `cwd`: an entry for the cwd itself wins, else the entry for its trust
 * root (git project root; main checkout for a linked worktree). Keys are compared after lexical
 * normalisation.
 */
export function lookupProjectTrust(merged: TomlTable, cwd: string): ProjectTrust {
  const root = resolveTrustRoot(cwd) ?? cwd;
  const projects = isTable(merged.projects) ? merged.projects : newTable();
  const byPath = new Map<string, { key: string; level: TrustLevel | null }>();
  for (const [key, value] of Object.entries(projects)) {
    if (!path.isAbsolute(key)) continue;
    const level = isTable(value) ? value.trust_level : undefined;
    byPath.set(normalizeAbsolutePath(key), {
      key,
      level: level === "trusted" || level === "untrusted" ? level : null,
    });
  }
  for (const candidate of [cwd, root]) {
    const hit = byPath.get(candidate);
    if (hit && hit.level !== null) return { root, key: hit.key, level: hit.level };
  }
  return { root, key: null, level: null };
}

function trustDisabledReason(trust: ProjectTrust, userFile: string): string | null {
  if (trust.level === "trusted") return null;
  if (trust.level === "untrusted") {
    return (
      `${trust.root} is marked as untrusted in the effective configuration. To load project-local ` +
      "config, hooks, and exec policies, update its trust setting. If that setting is managed by " +
      "your organization, contact your administrator."
    );
  }
  return `To load project-local config, hooks, and exec policies, add ${trust.root} as a trusted project in ${userFile}.`;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
