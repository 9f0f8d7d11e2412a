import fs from "node:fs";
import path from "node:path";
import { PROTECTED_NAMES, protectsNestedNames } from "../../permissions/protected-paths.js";
import { SandboxSetupError } from "../errors.js";
import type { SandboxPlan } from "../plan.js";

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

export function scanProtectedNames(options: ProtectedScanOptions): ProtectedScan {
  const scan: ProtectedScan = { entries: [], visited: 0 };
  for (const root of options.roots) {
    if (!protectsNestedNames(root)) continue;
    const stack = [root];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      let dirents: fs.Dirent[];
      try {
        dirents = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        continue; // unreadable or gone: nothing keel could read config from either
      }
      scan.visited += dirents.length;
      if (scan.visited > options.maxVisited) {
        throw new SandboxSetupError(
          `looking for .keel, .codex and .agents folders in the writable root ${root} needs more than ` +
            `${options.maxVisited} directory entries; refusing to run, because folders that are not found ` +
            "cannot be kept read-only. Run from a smaller directory or narrow the writable roots.",
        );
      }
      for (const dirent of dirents) {
        const child = dir === "/" ? `/${dirent.name}` : `${dir}/${dirent.name}`;
        if (PROTECTED_NAMES.includes(dirent.name)) {
          const st = fs.lstatSync(child, { bigint: true, throwIfNoEntry: false });
          if (st) scan.entries.push({ path: child, id: identity(st), isSymlink: st.isSymbolicLink() });
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

function realpathOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

/** `cwdChainTargets` for a plan, with its roots and cwd resolved to real paths. */
export function planChainTargets(plan: SandboxPlan): string[] {
  const cwd = realpathOrNull(plan.cwd);
  if (cwd === null || plan.write.kind !== "roots") return [];
  const roots = plan.write.roots.flatMap((r) => realpathOrNull(r.root) ?? []);
  return cwdChainTargets(roots, cwd);
}
