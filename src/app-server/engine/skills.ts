import path from "node:path";
import { appendSkillConfigEntry, type SkillSelector } from "../../config/skills-edit.js";
import { DEFAULT_SYSTEM_CONFIG_FILE } from "../../config/layers.js";
import type { SkillMetadata } from "../../protocol/v2/misc.js";
import {
  DEFAULT_SKILLS_SETTINGS,
  type Skill,
  SkillsManager,
  type SkillsSettings,
  SkillsWatcher,
  skillsSettingsFromToml,
} from "../../skills/index.js";
import { skillEnabled } from "../../skills/settings.js";
import { invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";
import type { AppServer } from "../server.js";
import { type EngineConfigSource, loadEngineConfig } from "./config-loader.js";
import { wire } from "./wire-errors.js";

/**
 * The app-server's skills: one manager for every thread and `skills/*` request, and the watcher
 * that turns edits of the user's skill folders into `skills/changed` (started with the first
 * session, closed at shutdown).
 */
export class EngineSkills {
  readonly manager: SkillsManager;
  private watcher: SkillsWatcher | null = null;
  private closed = false;

  constructor(
    private readonly config: EngineConfigSource,
    private readonly server: AppServer,
  ) {
    this.manager = new SkillsManager({
      keelHome: config.keelHome,
      home: config.env.HOME ?? null,
      adminRoot: path.join(path.dirname(config.systemConfigFile ?? DEFAULT_SYSTEM_CONFIG_FILE), "skills"),
      settings: (cwd) => this.settings(cwd),
    });
  }

  /** The `[skills]` settings for `cwd`; a configuration that does not load means the defaults. */
  settings(cwd: string): SkillsSettings {
    try {
      return skillsSettingsFromToml(loadEngineConfig(this.config, { cwd }).toml as Record<string, unknown>);
    } catch {
      return DEFAULT_SKILLS_SETTINGS;
    }
  }

  /** Starts the watcher once (Codex starts it right after the first `SessionConfigured`). */
  startWatching(): void {
    if (this.watcher || this.closed) return;
    this.watcher = new SkillsWatcher(() => this.changed());
    this.watcher.watch(this.manager.watchedRoots());
  }

  setExtraRoots(roots: readonly string[]): void {
    this.manager.setExtraRoots(roots);
    this.watcher?.watch(this.manager.watchedRoots());
    this.changed();
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = null;
  }

  private changed(): void {
    this.manager.invalidate();
    this.server.subscriptions.notifyAll("skills/changed", {});
  }
}

/** `skills/list`, `skills/extraRoots/set` and `skills/config/write` (spec skills.md §6). */
export function skillsHandlers(
  skills: EngineSkills,
  server: AppServer,
  config: EngineConfigSource,
): HandlerModule {
  return {
    resource: "skills",
    handlers: {
      "skills/list": async (params) => {
        const cwds = params.cwds && params.cwds.length > 0 ? params.cwds : [server.cwd];
        const data = await Promise.all(
          cwds.map(async (cwd) => {
            const outcome = await skills.manager.list(path.resolve(server.cwd, cwd), {
              forceReload: params.forceReload === true,
            });
            return { cwd, skills: outcome.skills.map(skillMetadata), errors: outcome.errors };
          }),
        );
        return { data };
      },
      "skills/extraRoots/set": (params) => {
        skills.setExtraRoots(params.extraRoots);
        return {};
      },
      "skills/config/write": (params) =>
        wire(() => {
          const selector = selectorOf(params.name, params.path);
          appendSkillConfigEntry(config.keelHome, selector, params.enabled);
          skills.manager.invalidate();
          const identity =
            "name" in selector ? { name: selector.name, path: "" } : { name: "", path: selector.path };
          return { effectiveEnabled: skillEnabled(identity, skills.settings(server.cwd).rules) };
        }),
    },
  };
}

function selectorOf(name: string | null | undefined, file: string | null | undefined): SkillSelector {
  const hasName = typeof name === "string" && name !== "";
  const hasPath = typeof file === "string" && file !== "";
  if (hasName === hasPath) throw invalidRequest("skills/config/write needs exactly one of `name` and `path`");
  return hasName ? { name: name as string } : { path: file as string };
}

/** A discovered skill on the wire: optional parts absent when the skill has none. */
export function skillMetadata(skill: Skill): SkillMetadata {
  return {
    name: skill.name,
    description: skill.description,
    ...(skill.shortDescription !== null ? { shortDescription: skill.shortDescription } : {}),
    ...(skill.interface ? { interface: wireInterface(skill.interface) } : {}),
    ...(skill.dependencies ? { dependencies: skill.dependencies } : {}),
    path: skill.path,
    scope: skill.scope,
    enabled: skill.enabled,
    pluginId: null,
  };
}

/** Codex's field order; the URL fields belong to plugin catalogs, which keel does not have. */
function wireInterface(ui: NonNullable<Skill["interface"]>): NonNullable<SkillMetadata["interface"]> {
  return {
    displayName: ui.displayName,
    shortDescription: ui.shortDescription,
    iconSmall: ui.iconSmall,
    iconLarge: ui.iconLarge,
    iconSmallUrl: null,
    iconLargeUrl: null,
    brandColor: ui.brandColor,
    defaultPrompt: ui.defaultPrompt,
  };
}
