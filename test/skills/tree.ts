import fs from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { tempDir } from "../support/tmp.js";

/**
 * The skill tree of spec skills.md §7, rebuilt from the captured `skills/list` reply
 * (test/fixtures/spec/skills/, copied from the spec): every listed skill gets a SKILL.md (and agents/openai.yaml)
 * that produces exactly its entry; the broken and hidden ones are added by hand. Codex's
 * `$RUN/home` is KEEL_HOME here, its project `.codex` folder is `.keel`.
 */

export const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/spec/skills");

export interface SkillTree {
  run: string;
  keelHome: string;
  /** `$HOME` (holds `.agents/skills/homeskill`). */
  userHome: string;
  workspace: string;
  /** `<workspace>/sub/deep`, the cwd of the captures. */
  cwd: string;
  /** A fixture's text with `$RUN` filled in and `.codex` project folders renamed. */
  expand(text: string): string;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON fixture
type Json = any;

/** The skills the fixture lists that are hidden from the prompt (openai.yaml policy). */
const NOT_IMPLICIT = new Set(["reposkill", "review-agent"]);

export function listFixture(): Json {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, "skills_list.sk1.json"), "utf8"));
}

export function instructionsFixture(): string {
  return fs.readFileSync(path.join(FIXTURES, "skills_instructions.sk1.txt"), "utf8");
}

export function buildSkillTree(run = tempDir("keel-skills-run-")): SkillTree {
  const tree: SkillTree = {
    run,
    keelHome: path.join(run, "home"),
    userHome: path.join(run, "userhome"),
    workspace: path.join(run, "workspace"),
    cwd: path.join(run, "workspace", "sub", "deep"),
    expand: (text) => text.replaceAll("$RUN", run).replaceAll("/workspace/.codex/", "/workspace/.keel/"),
  };
  fs.mkdirSync(tree.cwd, { recursive: true });
  fs.mkdirSync(path.join(tree.workspace, ".git"), { recursive: true });
  const entry = listFixture().result.data[0];
  for (const skill of entry.skills as Json[]) writeListedSkill(tree, skill);
  for (const error of entry.errors as Json[]) writeBrokenSkill(tree.expand(error.path));
  write(
    path.join(tree.workspace, ".agents/skills/.hidden/SKILL.md"),
    "---\nname: hidden\ndescription: never found\n---\n",
  );
  return tree;
}

function writeListedSkill(tree: SkillTree, skill: Json): void {
  const file = tree.expand(skill.path);
  const dir = path.dirname(file);
  const folder = path.basename(dir);
  let front: string;
  if (skill.name === "[unclosed") front = "name: [unclosed\ndescription: x\n";
  else {
    const fields: Json = { description: skill.description };
    if (folder !== "bad-noname") fields.name = skill.name;
    if (folder === "bad-extrakeys") Object.assign(fields, { license: "MIT", "allowed-tools": ["Bash"] });
    if (skill.shortDescription) fields.metadata = { "short-description": skill.shortDescription };
    front = stringify(fields, { lineWidth: 0 });
  }
  write(file, `---\n${front}---\n\n# ${skill.name}\n\nBody of ${skill.name}.\n`);
  const yaml: Json = {};
  if (skill.interface) {
    const ui = skill.interface;
    const relative = (p: string | null) => (p ? path.relative(dir, tree.expand(p)) : undefined);
    yaml.interface = {
      display_name: ui.displayName ?? undefined,
      short_description: ui.shortDescription ?? undefined,
      icon_small: relative(ui.iconSmall),
      // Outside assets/: must be dropped (reported null) — the fixture's null icons.
      icon_large: relative(ui.iconLarge) ?? "../elsewhere.png",
      brand_color: ui.brandColor ?? undefined,
      default_prompt: ui.defaultPrompt ?? undefined,
    };
  }
  if (skill.dependencies) yaml.dependencies = skill.dependencies;
  if (NOT_IMPLICIT.has(skill.name)) yaml.policy = { allow_implicit_invocation: false };
  if (Object.keys(yaml).length > 0) write(path.join(dir, "agents/openai.yaml"), stringify(yaml));
}

function writeBrokenSkill(file: string): void {
  const folder = path.basename(path.dirname(file));
  const text: Record<string, string> = {
    "bad-longname": `---\nname: ${"n".repeat(65)}\ndescription: too long a name\n---\n`,
    "bad-nodesc": "---\nname: nodesc\n---\nbody\n",
    "bad-nofm": "# no front matter\n",
  };
  write(file, text[folder] ?? "");
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}
