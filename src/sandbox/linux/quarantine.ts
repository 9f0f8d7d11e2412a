import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { errorMessage } from "../../lib/errors.js";
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
  /**
   * Where it is now: in the quarantine, or (with `error`) renamed beside the original to a name keel
   * does not read; null when even that rename failed (see `error`).
   */
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

/**
 * Another filesystem: copy, then remove the original only once the copy is complete. A copy that
 * fails (a FIFO inside, say) is removed again and the folder stays where it is.
 */
function moveAcross(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o700 });
  try {
    fs.renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    try {
      fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
    } catch (copyError) {
      fs.rmSync(to, { recursive: true, force: true });
      throw copyError;
    }
    fs.rmSync(from, { recursive: true, force: true });
  }
}

/**
 * First a rename in the same directory to a name keel never reads (cannot fail with EXDEV), so the
 * folder is harmless even when the move into the quarantine then fails.
 */
function quarantineOne(p: string, runDir: string, suffix: string): QuarantinedFolder {
  const harmless = `${p}.quarantined-${suffix}`;
  try {
    fs.renameSync(p, harmless);
  } catch (error) {
    return { path: p, movedTo: null, error: errorMessage(error) };
  }
  const to = path.join(runDir, p.replace(/^\/+/, ""));
  try {
    moveAcross(harmless, to);
    return { path: p, movedTo: to };
  } catch (error) {
    return { path: p, movedTo: harmless, error: errorMessage(error) };
  }
}

export function quarantineNewConfigFolders(input: QuarantineInput): QuarantinedFolder[] {
  const found = newConfigFolders(input);
  if (found.length === 0) return [];
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const suffix = `${stamp}-${crypto.randomBytes(4).toString("hex")}`;
  const runDir = path.join(input.stateDir, "quarantine", suffix);
  return found.map((p) => quarantineOne(p, runDir, suffix));
}

/** Folders still under a name keel reads: the command must not count as a success. */
export function unquarantined(folders: readonly QuarantinedFolder[]): QuarantinedFolder[] {
  return folders.filter((q) => q.movedTo === null);
}

/** The line shown to the user and the model for each quarantined folder. */
export function quarantineNotice(q: QuarantinedFolder): string {
  const what = `the sandbox does not let commands create ${path.basename(q.path)} folders: ${q.path}`;
  if (q.movedTo === null)
    return `${what} could not be renamed or moved (${q.error}); remove it before starting keel there`;
  if (q.error === undefined) return `${what} was moved to ${q.movedTo}`;
  return `${what} was renamed to ${q.movedTo}, a name keel does not read (moving it to the quarantine failed: ${q.error})`;
}
