/**
 * What skill discovery produces (spec skills.md §1–§2). Wire shapes live in src/protocol/v2;
 * these are the loader's own records, converted at the app-server edge.
 */

export type SkillScope = "user" | "repo" | "system" | "admin";

/** One directory scanned for `SKILL.md` files. */
export interface SkillRoot {
  path: string;
  scope: SkillScope;
}

export interface SkillInterface {
  displayName: string | null;
  shortDescription: string | null;
  iconSmall: string | null;
  iconLarge: string | null;
  brandColor: string | null;
  defaultPrompt: string | null;
}

/** A tool the skill needs; absent optional fields stay absent on the wire. */
export interface SkillToolDependency {
  type: string;
  value: string;
  description?: string;
  transport?: string;
  command?: string;
  url?: string;
}

/** `agents/openai.yaml` next to SKILL.md (optional, fail-open). */
export interface SkillExtras {
  interface: SkillInterface | null;
  dependencies: { tools: SkillToolDependency[] } | null;
  allowImplicitInvocation: boolean;
}

export interface Skill extends SkillExtras {
  name: string;
  description: string;
  /** `metadata.short-description` of SKILL.md (legacy UI text). */
  shortDescription: string | null;
  /** Absolute path of the SKILL.md file. */
  path: string;
  scope: SkillScope;
  /** The root the skill was found under (for the prompt's short paths). */
  root: string;
  enabled: boolean;
}

export interface SkillError {
  path: string;
  message: string;
}

/** Everything discovered for one cwd, in `skills/list` order. */
export interface SkillsOutcome {
  cwd: string;
  skills: Skill[];
  errors: SkillError[];
  /** Every root scanned, in alias order (spec §1). */
  roots: SkillRoot[];
  /** `[skills] include_instructions` (false: no implicit list in the prompt). */
  includeInstructions: boolean;
}
