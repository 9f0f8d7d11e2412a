import fs from "node:fs";

export const SKILLS_WATCH_DEBOUNCE_MS = 250;

/**
 * Watches skill roots for changes and reports them once per burst of file events (editors write
 * a file in several steps). Roots that do not exist are skipped; `close` releases everything.
 */
export class SkillsWatcher {
  private watchers: fs.FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly onChange: () => void,
    private readonly debounceMs = SKILLS_WATCH_DEBOUNCE_MS,
  ) {}

  /** Replaces the watched set with `roots`. */
  watch(roots: readonly string[]): void {
    if (this.closed) return;
    this.stopWatchers();
    for (const root of new Set(roots)) {
      try {
        const watcher = fs.watch(root, { recursive: true, persistent: false }, () => this.schedule());
        watcher.on("error", () => watcher.close());
        this.watchers.push(watcher);
      } catch {
        // missing or unreadable root: nothing to watch
      }
    }
  }

  close(): void {
    this.closed = true;
    this.stopWatchers();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.closed) this.onChange();
    }, this.debounceMs);
    this.timer.unref();
  }

  private stopWatchers(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
  }
}
