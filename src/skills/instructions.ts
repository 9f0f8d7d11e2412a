import path from "node:path";
import type { Skill, SkillScope, SkillsOutcome } from "./types.js";

export const MAX_PROMPT_DESCRIPTION = 1024;

const PROMPT_SCOPE_ORDER: Record<SkillScope, number> = { system: 0, repo: 1, user: 2, admin: 3 };

const INTRO =
  "A skill is a set of local instructions to follow that is stored in a `SKILL.md` file. Below is the list of skills that can be used. Each entry includes a name, description, and a short path that can be expanded into an absolute path using the skill roots table.";

/** keel's guidance on using the list (its own words; the sections above follow Codex's layout). */
const HOW_TO = [
  "### How to use skills",
  "- A skill applies when the user names it (`$SkillName` or in plain words) or when the task clearly fits its description. Use every skill that applies, for this turn only; a skill is not carried into later turns unless it is named again.",
  "- Before acting, expand the short path with its root from `### Skill roots` and read that `SKILL.md` to the end (keep reading if the output was cut).",
  "- Resolve relative paths in a `SKILL.md` against the folder that holds it. Read the referenced files the task needs, and no others; prefer running or adapting bundled `scripts/` and reusing `assets/` over writing them again.",
  "- When several skills apply, use the fewest that cover the request, and say in one short line which skills you use and why.",
  "- If a named skill is not listed, or its files cannot be read or followed, say so briefly and continue with the best alternative.",
].join("\n");

/**
 * The `<skills_instructions>` block of the developer message (spec skills.md §4): roots that
 * contributed a listed skill get short aliases `rN` in discovery order; skills disabled or not
 * implicitly invocable are left out. Null when no skill is listed.
 */
export function renderSkillsInstructions(outcome: SkillsOutcome): string | null {
  const listed = outcome.skills
    .filter((s) => s.enabled && s.allowImplicitInvocation)
    .sort(
      (a, b) =>
        PROMPT_SCOPE_ORDER[a.scope] - PROMPT_SCOPE_ORDER[b.scope] ||
        compare(a.name, b.name) ||
        compare(a.path, b.path),
    );
  if (listed.length === 0) return null;
  const used = new Set(listed.map((s) => s.root));
  const aliases = new Map<string, string>();
  for (const root of outcome.roots) {
    if (used.has(root.path)) aliases.set(root.path, `r${aliases.size}`);
  }
  const lines = [
    "<skills_instructions>",
    "## Skills",
    INTRO,
    "### Skill roots",
    ...[...aliases].map(([root, alias]) => `- \`${alias}\` = \`${root}\``),
    "### Available skills",
    ...listed.map((s) => `- ${s.name}: ${promptDescription(s.description)} (file: ${shortPath(s, aliases)})`),
    HOW_TO,
    "</skills_instructions>",
  ];
  return lines.join("\n");
}

/** Long descriptions are cut to MAX_PROMPT_DESCRIPTION characters, the last three being `...`. */
function promptDescription(description: string): string {
  const chars = [...description];
  if (chars.length <= MAX_PROMPT_DESCRIPTION) return description;
  return `${chars.slice(0, MAX_PROMPT_DESCRIPTION - 3).join("")}...`;
}

function shortPath(skill: Skill, aliases: ReadonlyMap<string, string>): string {
  const relative = path.relative(skill.root, skill.path).split(path.sep).join("/");
  return `${aliases.get(skill.root)}/${relative}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
