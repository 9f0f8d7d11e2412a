import type { UserInput } from "../protocol/events.js";
import type { MessageItem } from "../protocol/items.js";
import {
  invokedSkills,
  renderSkillsInstructions,
  skillInjectionText,
  type SkillsOutcome,
} from "../skills/index.js";

/** Where a session gets the skills of its cwd (a fresh scan each turn). */
export interface SkillsSource {
  reload(cwd: string): Promise<SkillsOutcome>;
}

/** The turn's skills; a failed scan means no skills for this turn rather than a failed turn. */
export async function turnSkills(source: SkillsSource | null, cwd: string): Promise<SkillsOutcome | null> {
  if (!source) return null;
  try {
    return await source.reload(cwd);
  } catch {
    return null;
  }
}

/** The `<skills_instructions>` part of the developer message, unless `include_instructions = false`. */
export function skillsInstructionsText(outcome: SkillsOutcome | null): string | null {
  return outcome?.includeInstructions ? renderSkillsInstructions(outcome) : null;
}

/** One user message per skill the input invokes (`$name`, `skill` items), in invocation order. */
export async function invokedSkillMessages(
  input: readonly UserInput[],
  outcome: SkillsOutcome | null,
): Promise<MessageItem[]> {
  if (!outcome) return [];
  const texts = await Promise.all(invokedSkills(input, outcome.skills).map(skillInjectionText));
  return texts
    .filter((text): text is string => text !== null)
    .map((text) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] }));
}
