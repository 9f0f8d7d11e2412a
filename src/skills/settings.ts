import path from "node:path";
import { DEFAULT_PROJECT_ROOT_MARKERS } from "./roots.js";

/** One `[[skills.config]]` entry: a skill chosen by name or by SKILL.md path. */
export interface SkillRule {
  name?: string;
  path?: string;
  enabled: boolean;
}

/** The config.toml keys that shape skills (spec skills.md §3). */
export interface SkillsSettings {
  includeInstructions: boolean;
  bundledEnabled: boolean;
  rules: SkillRule[];
  projectRootMarkers: string[];
}

export const DEFAULT_SKILLS_SETTINGS: SkillsSettings = {
  includeInstructions: true,
  bundledEnabled: true,
  rules: [],
  projectRootMarkers: [...DEFAULT_PROJECT_ROOT_MARKERS],
};

/** Reads the settings from a merged config document; values of the wrong type are ignored. */
export function skillsSettingsFromToml(toml: Readonly<Record<string, unknown>>): SkillsSettings {
  const skills = table(toml.skills);
  const bundled = table(skills?.bundled);
  const markers = toml.project_root_markers;
  return {
    includeInstructions: skills?.include_instructions !== false,
    bundledEnabled: bundled?.enabled !== false,
    rules: Array.isArray(skills?.config) ? skills.config.flatMap(rule) : [],
    projectRootMarkers: Array.isArray(markers)
      ? markers.filter((m): m is string => typeof m === "string")
      : [...DEFAULT_PROJECT_ROOT_MARKERS],
  };
}

function rule(value: unknown): SkillRule[] {
  const entry = table(value);
  if (!entry || typeof entry.enabled !== "boolean") return [];
  const name = typeof entry.name === "string" ? entry.name : undefined;
  const file = typeof entry.path === "string" && path.isAbsolute(entry.path) ? entry.path : undefined;
  if (name === undefined && file === undefined) return [];
  return [
    {
      ...(name !== undefined ? { name } : {}),
      ...(file !== undefined ? { path: file } : {}),
      enabled: entry.enabled,
    },
  ];
}

/** Whether a skill is enabled: the last matching rule decides; none matching = enabled. */
export function skillEnabled(skill: { name: string; path: string }, rules: readonly SkillRule[]): boolean {
  let enabled = true;
  const file = path.resolve(skill.path);
  for (const r of rules) {
    if (
      (r.path !== undefined && path.resolve(r.path) === file) ||
      (r.path === undefined && r.name === skill.name)
    ) {
      enabled = r.enabled;
    }
  }
  return enabled;
}

function table(value: unknown): Record<string, unknown> | null {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}
