import path from "node:path";
import { loadSkills, type SkillFileCache } from "./loader.js";
import type { SkillsSettings } from "./settings.js";
import type { SkillsOutcome } from "./types.js";

export interface SkillsManagerOptions {
  keelHome: string;
  /** `$HOME` for `~/.agents/skills`; null = none. */
  home: string | null;
  /** The admin folder (`/etc/keel/skills`); null = none. */
  adminRoot: string | null;
  /** The `[skills]` settings in effect for a cwd; read again after every invalidation. */
  settings: (cwd: string) => SkillsSettings;
}

/**
 * Skills per cwd for one process: `skills/list` answers from a cache (spec §6), turns rescan so
 * a SKILL.md created mid-thread is offered in the next turn. Extra roots apply to every cwd.
 */
export class SkillsManager {
  private extra: string[] = [];
  private readonly cache = new Map<string, Promise<SkillsOutcome>>();
  private readonly files: SkillFileCache = new Map();

  constructor(private readonly options: SkillsManagerOptions) {}

  get extraRoots(): readonly string[] {
    return this.extra;
  }

  setExtraRoots(roots: readonly string[]): void {
    this.extra = roots.map((root) => path.resolve(root));
    this.invalidate();
  }

  /** Forgets every cached result (a skill file or the configuration changed). */
  invalidate(): void {
    this.cache.clear();
  }

  list(cwd: string, options: { forceReload?: boolean } = {}): Promise<SkillsOutcome> {
    const cached = this.cache.get(cwd);
    if (cached && options.forceReload !== true) return cached;
    return this.reload(cwd);
  }

  /** A fresh scan (what a turn sees); the cache is updated with it. */
  reload(cwd: string): Promise<SkillsOutcome> {
    const outcome = loadSkills(
      {
        keelHome: this.options.keelHome,
        home: this.options.home,
        cwd,
        adminRoot: this.options.adminRoot,
        extraRoots: this.extra,
      },
      this.options.settings(cwd),
      this.files,
    );
    this.cache.set(cwd, outcome);
    outcome.catch(() => this.cache.delete(cwd));
    return outcome;
  }

  /** The roots whose edits `skills/changed` reports: the user's own folders and the extra roots. */
  watchedRoots(): string[] {
    const home = this.options.home ? [path.join(this.options.home, ".agents", "skills")] : [];
    return [path.join(this.options.keelHome, "skills"), ...home, ...this.extra];
  }
}
