import fs from "node:fs";
import path from "node:path";

/** How long changes are gathered into one report: an editor's save is several events. */
const BATCH_MS = 50;

/**
 * Watches one absolute path, which need not exist yet: the path itself (created, changed,
 * removed) and, while it is a directory, its direct children (not deeper, as Codex). The
 * nearest existing ancestor is watched for the path's appearance, so a watch on a path that is
 * created later starts reporting when it appears. Changes arrive in batches of unique paths.
 */
export class PathWatch {
  private ancestor: fs.FSWatcher | null = null;
  private self: fs.FSWatcher | null = null;
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    readonly target: string,
    private readonly report: (paths: string[]) => void,
  ) {
    this.arm();
  }

  close(): void {
    this.closed = true;
    this.ancestor?.close();
    this.self?.close();
    if (this.timer) clearTimeout(this.timer);
  }

  /** (Re)starts both watchers from what exists now. */
  private arm(): void {
    if (this.closed) return;
    this.ancestor?.close();
    this.ancestor = null;
    let dir = path.dirname(this.target);
    let next = path.basename(this.target);
    while (dir !== this.target && !isDirectory(dir)) {
      next = path.basename(dir);
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    const parentOfTarget = dir === path.dirname(this.target);
    if (dir !== this.target) {
      this.ancestor = open(dir, (name) => {
        if (name !== null && name !== next) return;
        if (parentOfTarget) this.changed(this.target);
        this.rearmSelf();
        if (!parentOfTarget) this.arm();
      });
    }
    this.rearmSelf();
  }

  private rearmSelf(): void {
    this.self?.close();
    this.self = null;
    if (this.closed || !isDirectory(this.target)) return;
    this.self = open(this.target, (name) => {
      this.changed(name === null ? this.target : path.join(this.target, name));
      if (name === null && !isDirectory(this.target)) this.rearmSelf();
    });
  }

  private changed(changedPath: string): void {
    this.pending.add(changedPath);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      const paths = [...this.pending];
      this.pending.clear();
      if (!this.closed && paths.length > 0) this.report(paths);
    }, BATCH_MS);
  }
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** `fs.watch` that never throws: a directory that vanished or cannot be read is not watched. */
function open(dir: string, onEvent: (name: string | null) => void): fs.FSWatcher | null {
  try {
    const watcher = fs.watch(dir, { persistent: false }, (_event, name) => onEvent(name ?? null));
    watcher.on("error", () => watcher.close());
    return watcher;
  } catch {
    return null;
  }
}
