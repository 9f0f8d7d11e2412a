import fs from "node:fs";
import path from "node:path";
import { directoriesFromTo } from "../config/project.js";
import type { SkillRoot } from "./types.js";

export const DEFAULT_PROJECT_ROOT_MARKERS: readonly string[] = [".git"];

export interface RootInputs {
  keelHome: string;
  /** The user's home (`$HOME`) for `~/.agents/skills`; null = none. */
  home: string | null;
  cwd: string;
  /** `project_root_markers`: the project root is the nearest ancestor holding one. */
  projectRootMarkers: readonly string[];
  /** The admin folder (`/etc/keel/skills`); null = none. */
  adminRoot: string | null;
  /** `skills/extraRoots/set` roots. */
  extraRoots: readonly string[];
  /** `[skills.bundled] enabled`: false drops the system root. */
  bundledEnabled: boolean;
}

/**
 * The roots to scan, in Codex's alias order (spec skills.md §1): project `.keel/skills`, the
 * user roots, the system root, admin, extra roots, then `.agents/skills` from the project root
 * down to the cwd. Roots that do not exist are left out.
 */
export function skillRoots(inputs: RootInputs): SkillRoot[] {
  const projectDirs = directoriesFromTo(projectRoot(inputs.cwd, inputs.projectRootMarkers), inputs.cwd);
  const home = path.resolve(inputs.keelHome);
  const roots: SkillRoot[] = [
    ...projectDirs
      .map((dir) => path.join(dir, ".keel"))
      // KEEL_HOME inside the project is the user's folder, not a project layer.
      .filter((folder) => folder !== home)
      .map((folder) => ({ path: path.join(folder, "skills"), scope: "repo" as const })),
    { path: path.join(home, "skills"), scope: "user" },
    ...(inputs.home ? [{ path: path.join(inputs.home, ".agents", "skills"), scope: "user" as const }] : []),
    ...(inputs.bundledEnabled
      ? [{ path: path.join(home, "skills", ".system"), scope: "system" as const }]
      : []),
    ...(inputs.adminRoot ? [{ path: inputs.adminRoot, scope: "admin" as const }] : []),
    ...inputs.extraRoots.map((root) => ({ path: root, scope: "user" as const })),
    ...projectDirs.map((dir) => ({ path: path.join(dir, ".agents", "skills"), scope: "repo" as const })),
  ];
  const seen = new Set<string>();
  return roots.filter((root) => {
    if (seen.has(root.path) || !isDirectory(root.path)) return false;
    seen.add(root.path);
    return true;
  });
}

/** Nearest ancestor of `cwd` (inclusive) holding a marker; the cwd itself when none does. */
export function projectRoot(cwd: string, markers: readonly string[]): string {
  if (markers.length === 0) return cwd;
  for (let dir = cwd; ; ) {
    if (markers.some((marker) => fs.existsSync(path.join(dir, marker)))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return cwd;
    dir = parent;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
