import path from "node:path";
import { parse as parseYaml } from "yaml";

/** The fields of a SKILL.md front matter keel uses (spec skills.md §2). */
export interface SkillFrontMatter {
  name: string;
  description: string;
  shortDescription: string | null;
}

export const MAX_NAME_LENGTH = 64;

export const MISSING_FRONTMATTER = "missing YAML frontmatter delimited by ---";
export const MISSING_DESCRIPTION = "missing field `description`";
export const NAME_TOO_LONG = `invalid name: exceeds maximum length of ${MAX_NAME_LENGTH} characters`;

export type SkillFileResult = { ok: true; value: SkillFrontMatter } | { ok: false; message: string };

/**
 * Parses a SKILL.md: the `---` front matter (YAML), the name defaulting to the folder's name.
 * Errors carry Codex's exact texts, which `skills/list` reports.
 */
export function parseSkillFile(text: string, skillMdPath: string): SkillFileResult {
  const block = frontMatterBlock(text);
  if (block === null) return { ok: false, message: MISSING_FRONTMATTER };
  const fields = readFields(block);
  const description = scalarText(fields.description);
  if (description === null) return { ok: false, message: MISSING_DESCRIPTION };
  const name = scalarText(fields.name) ?? path.basename(path.dirname(skillMdPath));
  if ([...name].length > MAX_NAME_LENGTH) return { ok: false, message: NAME_TOO_LONG };
  const metadata = fields.metadata;
  const short =
    metadata && typeof metadata === "object" && !Array.isArray(metadata)
      ? scalarText((metadata as Record<string, unknown>)["short-description"])
      : null;
  return { ok: true, value: { name, description, shortDescription: short } };
}

/** The lines between a leading `---` line and the next `---` line; null when there are none. */
function frontMatterBlock(text: string): string | null {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0]?.trim() !== "---") return null;
  const end = lines.findIndex((line, i) => i > 0 && line.trim() === "---");
  if (end === -1) return null;
  return lines.slice(1, end).join("\n");
}

/**
 * YAML first; when the block is not valid YAML, `key: value` lines are taken literally, as Codex
 * does (`name: [unclosed` is the name `[unclosed`).
 */
function readFields(block: string): Record<string, unknown> {
  try {
    const doc: unknown = parseYaml(block);
    if (doc && typeof doc === "object" && !Array.isArray(doc)) return doc as Record<string, unknown>;
    if (doc === null || doc === undefined) return {};
  } catch {
    // fall through to the literal reading
  }
  return literalFields(block);
}

function literalFields(block: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  let nested: Record<string, string> | null = null;
  for (const line of block.split("\n")) {
    const match = /^(\s*)([A-Za-z0-9_-]+):\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, indent, key, value] = match as unknown as [string, string, string, string];
    if (indent === "") {
      nested = value === "" ? {} : null;
      fields[key] = nested ?? value;
    } else if (nested) {
      nested[key] = value;
    }
  }
  return fields;
}

/** A scalar as one line of text (whitespace runs collapsed); null when absent or not a scalar. */
function scalarText(value: unknown): string | null {
  if (typeof value === "string") return value.split(/\s+/).filter(Boolean).join(" ");
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}
