import fs from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import type { SkillExtras, SkillInterface, SkillToolDependency } from "./types.js";

const NONE: SkillExtras = { interface: null, dependencies: null, allowImplicitInvocation: true };

/**
 * `<skill dir>/agents/openai.yaml` (spec skills.md §2): UI metadata, tool dependencies and the
 * invocation policy. Fail-open: a missing or broken file changes nothing.
 */
export async function readSkillExtras(skillDir: string): Promise<SkillExtras> {
  let doc: unknown;
  try {
    doc = parseYaml(await fs.readFile(extrasFile(path.join(skillDir, "SKILL.md")), "utf8"));
  } catch {
    return NONE;
  }
  const root = record(doc);
  if (!root) return NONE;
  const policy = record(root.policy);
  return {
    interface: interfaceOf(record(root.interface), skillDir),
    dependencies: dependenciesOf(record(root.dependencies)),
    allowImplicitInvocation: policy?.allow_implicit_invocation !== false,
  };
}

function interfaceOf(table: Record<string, unknown> | null, skillDir: string): SkillInterface | null {
  if (!table) return null;
  return {
    displayName: text(table.display_name),
    shortDescription: text(table.short_description),
    iconSmall: iconPath(table.icon_small, skillDir),
    iconLarge: iconPath(table.icon_large, skillDir),
    brandColor: text(table.brand_color),
    defaultPrompt: text(table.default_prompt),
  };
}

/** Icons must be relative paths inside the skill's `assets/` folder; reported absolute. */
function iconPath(value: unknown, skillDir: string): string | null {
  const relative = text(value);
  if (relative === null || path.isAbsolute(relative)) return null;
  const normalized = path.posix.normalize(relative.replaceAll("\\", "/"));
  if (!normalized.startsWith("assets/")) return null;
  return path.join(skillDir, normalized);
}

function dependenciesOf(table: Record<string, unknown> | null): SkillExtras["dependencies"] {
  if (!table || !Array.isArray(table.tools)) return null;
  const tools: SkillToolDependency[] = [];
  for (const entry of table.tools) {
    const tool = record(entry);
    const type = text(tool?.type);
    const value = text(tool?.value);
    if (!tool || type === null || value === null) continue;
    const dependency: SkillToolDependency = { type, value };
    for (const key of ["description", "transport", "command", "url"] as const) {
      const field = text(tool[key]);
      if (field !== null) dependency[key] = field;
    }
    tools.push(dependency);
  }
  return tools.length > 0 ? { tools } : null;
}

function record(value: unknown): Record<string, unknown> | null {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** Where the optional metadata of the skill at `skillMd` lives. */
export function extrasFile(skillMd: string): string {
  return path.join(path.dirname(skillMd), "agents", "openai.yaml");
}
