import path from "node:path";
import type { Skill } from "./types.js";

/** The input items that can name a skill (other kinds are ignored). */
export type MentionInput =
  | { type: "text"; text: string }
  | { type: "skill"; name: string; path: string }
  | { type: string };

const NAME_CHAR = "[A-Za-z0-9_:-]";
/** `[$name](path)`: a mention resolved by path. */
const LINK = new RegExp(`\\[\\$(${NAME_CHAR}+)\\]\\(([^)\\s]+)\\)`, "g");
/** `$name`, the name running over name characters (no left boundary needed). */
const PLAIN = new RegExp(`\\$(${NAME_CHAR}+)`, "g");

/**
 * The skills a user input invokes explicitly (spec skills.md §5), deduplicated, in order:
 * `skill` items (selected by path), then mentions in text order. A bare `$name` shared by two
 * skills or naming none is ignored; disabled skills are never invoked.
 */
export function invokedSkills(input: readonly MentionInput[], skills: readonly Skill[]): Skill[] {
  const enabled = skills.filter((s) => s.enabled);
  const byPath = (p: string) => {
    const wanted = path.resolve(p);
    return enabled.find((s) => path.resolve(s.path) === wanted) ?? null;
  };
  const picked: Skill[] = [];
  const add = (skill: Skill | null) => {
    if (skill && !picked.includes(skill)) picked.push(skill);
  };
  for (const item of input) {
    if (item.type === "skill" && "path" in item) add(byPath(item.path));
  }
  for (const item of input) {
    if (item.type !== "text" || !("text" in item)) continue;
    for (const mention of textMentions(item.text)) {
      if (mention.path !== null) {
        const skill = byPath(mention.path);
        add(skill && skill.name === mention.name ? skill : null);
      } else {
        const named = enabled.filter((s) => s.name === mention.name);
        if (named.length === 1) add(named[0]!);
      }
    }
  }
  return picked;
}

interface Mention {
  name: string;
  /** The link target of `[$name](path)`; null for a bare `$name`. */
  path: string | null;
  at: number;
}

/** Mentions in text order; a link's own `$name` is not also read as a bare mention. */
export function textMentions(text: string): Mention[] {
  const mentions: Mention[] = [];
  const covered: [number, number][] = [];
  for (const m of text.matchAll(LINK)) {
    mentions.push({ name: m[1]!, path: m[2]!, at: m.index });
    covered.push([m.index, m.index + m[0].length]);
  }
  for (const m of text.matchAll(PLAIN)) {
    if (covered.some(([from, to]) => m.index >= from && m.index < to)) continue;
    mentions.push({ name: m[1]!, path: null, at: m.index });
  }
  return mentions.sort((a, b) => a.at - b.at);
}
