import fs from "node:fs/promises";
import path from "node:path";
import { extrasFile, readSkillExtras } from "./openai-yaml.js";
import { type RootInputs, skillRoots } from "./roots.js";
import { scanRoot } from "./scan.js";
import { type SkillsSettings, skillEnabled } from "./settings.js";
import { parseSkillFile } from "./skill-file.js";
import type { Skill, SkillError, SkillRoot, SkillScope, SkillsOutcome } from "./types.js";

export type DiscoveryInputs = Omit<RootInputs, "projectRootMarkers" | "bundledEnabled">;

const SCOPE_ORDER: Record<SkillScope, number> = { repo: 0, user: 1, system: 2, admin: 3 };

/**
 * Parsed skill files by path, reused while the SKILL.md and its openai.yaml are unchanged (same
 * inode, size and mtime): turns rescan every time, and most turns find nothing new.
 */
export type SkillFileCache = Map<string, { stamp: string; result: Skill | SkillError | null }>;

/**
 * Discovers the skills for one cwd (spec skills.md §1–§3): every root scanned, each SKILL.md
 * parsed once (the same file reached twice counts once), skills with the same name all kept.
 * Sorted as `skills/list` reports them: scope, then name, then path.
 */
export async function loadSkills(
  inputs: DiscoveryInputs,
  settings: SkillsSettings,
  cache: SkillFileCache = new Map(),
): Promise<SkillsOutcome> {
  const roots = skillRoots({
    ...inputs,
    projectRootMarkers: settings.projectRootMarkers,
    bundledEnabled: settings.bundledEnabled,
  });
  const found = await Promise.all(roots.map((root) => scanRoot(root)));
  const candidates = roots.flatMap((root, i) => (found[i] ?? []).map((file) => ({ root, file })));
  const canonical = await Promise.all(candidates.map(({ file }) => fs.realpath(file).catch(() => file)));
  // The same file reached through two roots (or a symlink) is loaded once, for the first root.
  const seen = new Set<string>();
  const unique = candidates.filter((_, i) => {
    const key = canonical[i]!;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const loaded = await Promise.all(unique.map(({ root, file }) => loadCached(root, file, cache)));
  const skills: Skill[] = [];
  const errors: SkillError[] = [];
  for (const result of loaded) {
    if (result === null) continue;
    if ("message" in result) errors.push(result);
    // `enabled` follows this load's settings, not those of the cached parse.
    else skills.push({ ...result, enabled: skillEnabled(result, settings.rules) });
  }
  skills.sort(
    (a, b) =>
      SCOPE_ORDER[a.scope] - SCOPE_ORDER[b.scope] || compare(a.name, b.name) || compare(a.path, b.path),
  );
  errors.sort((a, b) => compare(a.path, b.path));
  return { cwd: inputs.cwd, skills, errors, roots, includeInstructions: settings.includeInstructions };
}

async function loadCached(
  root: SkillRoot,
  file: string,
  cache: SkillFileCache,
): Promise<Skill | SkillError | null> {
  const [skillStamp, extrasStamp] = await Promise.all([fileStamp(file), fileStamp(extrasFile(file))]);
  const stamp = [root.path, root.scope, skillStamp, extrasStamp].join("\0");
  const hit = cache.get(file);
  if (hit && hit.stamp === stamp) return hit.result;
  const result = await loadOne(root, file);
  cache.set(file, { stamp, result });
  return result;
}

async function fileStamp(file: string): Promise<string> {
  const st = await fs.stat(file).catch(() => null);
  return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : "-";
}

async function loadOne(root: SkillRoot, file: string): Promise<Skill | SkillError | null> {
  const text = await fs.readFile(file, "utf8").catch(() => null);
  if (text === null) return null;
  const parsed = parseSkillFile(text, file);
  // Broken system skills are keel's problem, not the user's: they are not reported.
  if (!parsed.ok) return root.scope === "system" ? null : { path: file, message: parsed.message };
  const extras = await readSkillExtras(path.dirname(file));
  return { ...parsed.value, ...extras, path: file, scope: root.scope, root: root.path, enabled: true };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
