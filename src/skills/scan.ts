import fs from "node:fs/promises";
import path from "node:path";
import type { SkillRoot } from "./types.js";

export const MAX_SCAN_DEPTH = 6;
export const MAX_DIRS_PER_ROOT = 2000;
export const SKILL_FILE = "SKILL.md";

/**
 * The `SKILL.md` files under one root (spec skills.md §1): breadth first, at most
 * MAX_SCAN_DEPTH levels and MAX_DIRS_PER_ROOT folders, hidden entries skipped, directory symlinks
 * followed except in the system root. Each folder is visited once (symlink loops end).
 */
export async function scanRoot(root: SkillRoot): Promise<string[]> {
  const found: string[] = [];
  const visited = new Set<string>();
  let queue: string[] = [root.path];
  for (let depth = 0; depth <= MAX_SCAN_DEPTH && queue.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of queue) {
      if (visited.size >= MAX_DIRS_PER_ROOT) return found;
      const real = await fs.realpath(dir).catch(() => null);
      if (real === null || visited.has(real)) continue;
      visited.add(real);
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (entry.name.startsWith(".")) continue;
        const full = path.join(dir, entry.name);
        if (entry.name === SKILL_FILE && (entry.isFile() || entry.isSymbolicLink())) {
          if (await isFile(full)) found.push(full);
        } else if (entry.isDirectory()) {
          next.push(full);
        } else if (entry.isSymbolicLink() && root.scope !== "system" && (await isDirectory(full))) {
          next.push(full);
        }
      }
    }
    queue = next;
  }
  return found;
}

async function isFile(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => null))?.isFile() === true;
}

async function isDirectory(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => null))?.isDirectory() === true;
}
