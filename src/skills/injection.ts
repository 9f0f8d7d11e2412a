import fs from "node:fs/promises";
import type { Skill } from "./types.js";

/**
 * The text of the user message that hands an invoked skill to the model (spec skills.md §5):
 * the whole SKILL.md, front matter included, read now. Null when the file cannot be read.
 */
export async function skillInjectionText(skill: Skill): Promise<string | null> {
  const contents = await fs.readFile(skill.path, "utf8").catch(() => null);
  if (contents === null) return null;
  return `<skill>\n<name>${skill.name}</name>\n<path>${skill.path}</path>\n${contents}\n</skill>`;
}
