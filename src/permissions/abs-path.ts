import fs from "node:fs";
import path from "node:path";
import { isAbsolutePath, normalizeAbsolutePath } from "../lib/abs-path.js";
import type { AbsPath } from "../protocol/permissions.js";

export { isAbsolutePath, normalizeAbsolutePath };

/** Expands `~` and `~/x` against `home`; other paths are returned unchanged. */
export function expandHome(p: string, home: string): string {
  if (p === "~") return home;
  if (p.startsWith("~/")) return path.posix.join(home, p.slice(2));
  return p;
}

/**
 * Turns `p` into an AbsPath: `~` expanded against `home` (when given), relative paths joined onto
 * `base`. Returns null when the path stays relative (no base) or is empty.
 */
export function toAbsPath(p: string, options: { base?: string; home?: string } = {}): AbsPath | null {
  if (p === "") return null;
  const expanded = options.home === undefined ? p : expandHome(p, options.home);
  if (isAbsolutePath(expanded)) return normalizeAbsolutePath(expanded);
  if (options.base === undefined || !isAbsolutePath(options.base)) return null;
  return normalizeAbsolutePath(path.posix.join(options.base, expanded));
}

/** Lexical join; an absolute `sub` replaces `base` (like Rust's `Path::join`). */
export function joinAbsPath(base: AbsPath, sub: string): AbsPath {
  return normalizeAbsolutePath(path.posix.resolve(base, sub));
}

/** Component-wise prefix test: `/a` is a prefix of `/a/b` but not of `/ab`. */
export function isPathPrefix(prefix: AbsPath, p: AbsPath): boolean {
  if (prefix === p || prefix === "/") return true;
  return p.startsWith(`${prefix}/`);
}

/** `prefix` strictly contains `p`. */
export function isStrictlyInside(prefix: AbsPath, p: AbsPath): boolean {
  return prefix !== p && isPathPrefix(prefix, p);
}

/** Number of path components below the root (`/` → 0, `/a/b` → 2). */
export function componentCount(p: AbsPath): number {
  return p.split("/").filter((part) => part !== "").length;
}

/** More link hops than this is a loop; the kernel gives up at 40 too. */
const MAX_LINK_HOPS = 40;

/**
 * Resolves symlinks in the longest existing ancestor of `p` and re-appends the rest, so two
 * spellings of one location (e.g. macOS `/tmp` and `/private/tmp`) compare equal. A dangling
 * symlink anywhere in `p` (the last component included) is followed to where it points: writing
 * through it creates its target, so the target is what a permission check must see.
 */
export function normalizeExistingAncestors(p: AbsPath): AbsPath {
  return resolveFrom(p, 0);
}

function resolveFrom(p: AbsPath, hops: number): AbsPath {
  let existing = p;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = fs.realpathSync(existing);
      return rest.length === 0 ? real : normalizeAbsolutePath(path.posix.join(real, ...rest.reverse()));
    } catch {
      const link = danglingLinkTarget(existing);
      if (link !== null && hops < MAX_LINK_HOPS) {
        const target = path.posix.resolve(path.posix.dirname(existing), link);
        return resolveFrom(normalizeAbsolutePath(path.posix.join(target, ...rest.reverse())), hops + 1);
      }
      const parent = path.posix.dirname(existing);
      if (parent === existing) return p;
      rest.push(path.posix.basename(existing));
      existing = parent;
    }
  }
}

/** The text of `p` if it is a symlink (realpath already failed on it, so it dangles or loops). */
function danglingLinkTarget(p: string): string | null {
  try {
    return fs.readlinkSync(p);
  } catch {
    return null;
  }
}

/** Canonical target of `p` if it exists, else null. */
export function canonicalIfExists(p: AbsPath): AbsPath | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

export function isExistingDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function isExistingFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export function dedupePaths(paths: readonly AbsPath[]): AbsPath[] {
  return [...new Set(paths)];
}
