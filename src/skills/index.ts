export { skillInjectionText } from "./injection.js";
export { renderSkillsInstructions } from "./instructions.js";
export { loadSkills } from "./loader.js";
export { SkillsManager, type SkillsManagerOptions } from "./manager.js";
export { invokedSkills, type MentionInput } from "./mentions.js";
export { DEFAULT_SKILLS_SETTINGS, type SkillsSettings, skillsSettingsFromToml } from "./settings.js";
export type { Skill, SkillError, SkillRoot, SkillScope, SkillsOutcome } from "./types.js";
export { SkillsWatcher } from "./watcher.js";
