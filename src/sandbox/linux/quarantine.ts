import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { type ProtectedEntry, scanProtectedNames } from "./protected-scan.js";

/**
 * After a sandboxed command exits (its whole process tree is gone by then): config folders
 * (`.keel`, `.codex`, `.agents`) inside the writable roots that were not there at launch — created
 * in a directory that could not be masked beforehand, or put in place of an old one — are moved
 * out of the tree into `<state dir>/quarantine/<run>/<original absolute path>`. Nothing is deleted.
 */

export interface QuarantinedFolder {
  /** Where the command created it. */
  path: string;
  /** Where it is now; null when it could not be moved (see `error`). */
  movedTo: string | null;
  error?: string;
}

export interface QuarantineInput {
  launch: { roots: readonly string[]; entries: readonly ProtectedEntry[]; skipDirs: readonly string[] };
  stateDir: string;
  /** Empty directories another running sandbox mounts on (its placeholders): left alone. */
  liveTargets: ReadonlySet<string>;
  maxVisited: number;
}

function isEmptyDirectory(p: string): boolean {
  try {
    return fs.readdirSync(p).length === 0;
  } catch {
    return false;
  }
}

/** Folders to move: present now, absent (by identity) at launch, not another sandbox's placeholder. */
export function newConfigFolders(input: Omit<QuarantineInput, "stateDir">): string[] {
  const known = new Set(input.launch.entries.map((e) => e.id));
  const skip = new Set(input.launch.skipDirs);
  const now = scanProtectedNames({
    roots: input.launch.roots,
    skipDir: (d) => skip.has(d),
    maxVisited: input.maxVisited,
  });
  return now.entries
    .filter((e) => !known.has(e.id))
    .filter((e) => !(input.liveTargets.has(e.path) && isEmptyDirectory(e.path)))
    .map((e) => e.path);
}

function moveOut(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o700 });
  try {
    fs.renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    // Another filesystem: copy, then remove the original only once the copy is complete.
    fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
    fs.rmSync(from, { recursive: true, force: true });
  }
}

export function quarantineNewConfigFolders(input: QuarantineInput): QuarantinedFolder[] {
  const found = newConfigFolders(input);
  if (found.length === 0) return [];
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const runDir = path.join(input.stateDir, "quarantine", `${stamp}-${crypto.randomBytes(4).toString("hex")}`);
  const moved: QuarantinedFolder[] = [];
  for (const p of found) {
    const to = path.join(runDir, p.replace(/^\/+/, ""));
    try {
      moveOut(p, to);
      moved.push({ path: p, movedTo: to });
    } catch (error) {
      moved.push({ path: p, movedTo: null, error: (error as Error).message });
    }
  }
  return moved;
}

/** The line shown to the user and the model for each quarantined folder. */
export function quarantineNotice(q: QuarantinedFolder): string {
  const what = `the sandbox does not let commands create ${path.basename(q.path)} folders: ${q.path}`;
  if (q.movedTo !== null) return `${what} was moved to ${q.movedTo}`;
  return `${what} could not be moved away (${q.error}); remove it before starting keel there`;
}
