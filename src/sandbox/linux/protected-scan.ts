import fs from "node:fs";
import path from "node:path";
import { PROTECTED_NAMES, protectsNestedNames } from "../../permissions/protected-paths.js";
import { SandboxSetupError } from "../errors.js";
import type { SandboxPlan } from "../plan.js";
import { canonicalIfExists } from "../../permissions/abs-path.js";

/**
 * Finds the config folders keel would honour (`.keel`, `.codex`, `.agents`) at any depth inside
 * the writable roots: an iterative walk that never follows symlinks and does not descend into
 * the folders it finds. Run before a command (to mount each one read-only) and after it (to find
 * the ones the command created), comparing by file identity so a folder replaced under the same
 * name counts as new.
 */

export interface ProtectedEntry {
  path: string;
  /** Stable while the entry exists and across renames; differs for a replacement (see `identity`). */
  id: string;
  isSymlink: boolean;
}

export interface ProtectedScanOptions {
  /** Real paths of writable roots (those that do not protect nested names are skipped). */
  roots: readonly string[];
  /** Directories not to enter: read-only or denied places, and other roots (walked on their own). */
  skipDir: (dir: string) => boolean;
  /** Fail closed above this many directory entries. */
  maxVisited: number;
}

export interface ProtectedScan {
  entries: ProtectedEntry[];
  visited: number;
}

/**
 * Device, inode, file type and birth time: a freed inode is often reused at once (`rm .keel &&
 * mkdir .keel` can get the same number), the birth time tells the two apart where the file system
 * records it, and the type at least tells a replaced link or file from a directory elsewhere.
 */
function identity(st: fs.BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.mode & BigInt(fs.constants.S_IFMT)}:${st.birthtimeNs}`;
}

/** The scan needed more entries than allowed: callers say what that means for them. */
export class ScanLimitError extends SandboxSetupError {
  constructor(
    readonly root: string,
    readonly limit: number,
  ) {
    super(
      `looking for .keel, .codex and .agents folders in the writable root ${root} needs more than ` +
        `${limit} directory entries`,
    );
  }
}

function lstatOrNull(p: string): fs.BigIntStats | undefined {
  return fs.lstatSync(p, { bigint: true, throwIfNoEntry: false });
}

function entryOf(p: string, st: fs.BigIntStats): ProtectedEntry {
  return { path: p, id: identity(st), isSymlink: st.isSymbolicLink() };
}

/**
 * The directory's entries; null when it is gone; "unlistable" when it exists but cannot be read
 * and is not ours. One of ours without read permission (`chmod 311 dir` — the sandboxed command
 * runs as our uid, so it can do that) gets u+rx just long enough to list it: skipping it would let
 * a `.keel` inside it escape both the mounts and the quarantine.
 */
function listDirectory(dir: string): fs.Dirent[] | null | "unlistable" {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    if (code !== "EACCES" && code !== "EPERM")
      throw new SandboxSetupError(
        `cannot list ${dir} to look for .keel, .codex and .agents folders: ${code}`,
      );
  }
  const st = lstatOrNull(dir);
  if (st === undefined) return null;
  if (!st.isDirectory() || st.uid !== BigInt(process.getuid?.() ?? -1)) return "unlistable";
  return listWithTemporaryAccess(dir, st);
}

/** Linux's O_PATH (not in fs.constants): a handle that needs no permission on the directory itself. */
const O_PATH = 0o10000000;

/**
 * Pins the directory first (no symlink followed, same inode as the lstat) and works through
 * /proc/self/fd, so a path swapped meanwhile cannot redirect the chmod anywhere else.
 */
function listWithTemporaryAccess(dir: string, st: fs.BigIntStats): fs.Dirent[] | "unlistable" {
  let fd: number;
  try {
    fd = fs.openSync(dir, O_PATH | fs.constants.O_NOFOLLOW | fs.constants.O_DIRECTORY);
  } catch {
    return "unlistable";
  }
  try {
    const pinned = fs.fstatSync(fd, { bigint: true });
    if (pinned.dev !== st.dev || pinned.ino !== st.ino) return "unlistable";
    const handle = `/proc/self/fd/${fd}`;
    const mode = Number(pinned.mode & 0o7777n);
    try {
      fs.chmodSync(handle, mode | 0o500);
    } catch {
      return "unlistable"; // a read-only file system, say: nobody changed it during the run either
    }
    try {
      return fs.readdirSync(handle, { withFileTypes: true });
    } finally {
      fs.chmodSync(handle, mode);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A directory someone else owns that we cannot list: it existed before the command (which cannot
 * chmod it either), and lstat by name needs only search permission, so the config names are
 * looked up directly. Its subdirectories stay unknown to keel too, so keel cannot read config there.
 */
function probeProtectedNames(dir: string, scan: ProtectedScan): void {
  for (const name of PROTECTED_NAMES) {
    const child = dir === "/" ? `/${name}` : `${dir}/${name}`;
    let st: fs.BigIntStats | undefined;
    try {
      st = lstatOrNull(child);
    } catch {
      continue; // not even searchable: keel cannot reach a config there either
    }
    if (st) scan.entries.push(entryOf(child, st));
  }
}

export function scanProtectedNames(options: ProtectedScanOptions): ProtectedScan {
  const scan: ProtectedScan = { entries: [], visited: 0 };
  for (const root of options.roots) {
    if (!protectsNestedNames(root)) continue;
    const stack = [root];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      const dirents = listDirectory(dir);
      if (dirents === null) continue; // gone
      if (dirents === "unlistable") {
        probeProtectedNames(dir, scan);
        continue;
      }
      scan.visited += dirents.length;
      if (scan.visited > options.maxVisited) throw new ScanLimitError(root, options.maxVisited);
      for (const dirent of dirents) {
        const child = dir === "/" ? `/${dirent.name}` : `${dir}/${dirent.name}`;
        if (PROTECTED_NAMES.includes(dirent.name)) {
          const st = lstatOrNull(child);
          if (st) scan.entries.push(entryOf(child, st));
        } else if (dirent.isDirectory() && !options.skipDir(child)) {
          stack.push(child);
        }
      }
    }
  }
  return scan;
}

/**
 * Missing config folders to mask in every directory from each writable root down to the cwd:
 * where a keel started in that cwd would look for them. `roots` and `cwd` are real paths.
 */
export function cwdChainTargets(roots: readonly string[], cwd: string): string[] {
  const targets: string[] = [];
  for (const root of roots) {
    if (cwd === root || !cwd.startsWith(root === "/" ? "/" : `${root}/`)) continue;
    if (!protectsNestedNames(root)) continue;
    let dir = cwd;
    while (dir !== root) {
      for (const name of PROTECTED_NAMES) targets.push(path.posix.join(dir, name));
      dir = path.posix.dirname(dir);
    }
  }
  return [...new Set(targets)];
}

/** `cwdChainTargets` for a plan, with its roots and cwd resolved to real paths. */
export function planChainTargets(plan: SandboxPlan): string[] {
  const cwd = canonicalIfExists(plan.cwd);
  if (cwd === null || plan.write.kind !== "roots") return [];
  const roots = plan.write.roots.flatMap((r) => canonicalIfExists(r.root) ?? []);
  return cwdChainTargets(roots, cwd);
}
