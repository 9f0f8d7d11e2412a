import fs from "node:fs";
import path from "node:path";
import { GlobCompileError, globToRegExp } from "../../permissions/glob.js";
import { directoryGlobMatcher, splitGlob } from "../glob.js";
import { SandboxSetupError } from "../errors.js";
import { canonicalIfExists } from "../../permissions/abs-path.js";

/**
 * Pre-launch expansion of deny globs (sandbox-linux.md §3.5): an iterative walk from each glob's
 * literal prefix that never follows symlinks, bounded by `glob_scan_max_depth` (a match may have
 * at most N components below the prefix). Directories a glob denies whole are reported as
 * directories and not descended. Every directory listing read is kept, so the collapse step can
 * tell which directories are entirely denied.
 */

export interface ListedEntry {
  name: string;
  isDirectory: boolean;
  isSymlink: boolean;
}

export interface DenyScan {
  /** Matched non-directories (regular files, symlinks, sockets …), by real path. */
  files: Set<string>;
  /** Matched directories, masked whole. */
  dirs: Set<string>;
  /** The subset of `files` that are symlinks (a mount on them would land on their target). */
  symlinks: Set<string>;
  /** Listing of every directory read during the walk. */
  listings: Map<string, ListedEntry[]>;
  /** Directories not descended because of the depth bound. */
  unscannedDirs: number;
  /** Directory entries visited. */
  visited: number;
}

export interface DenyScanOptions {
  globs: readonly string[];
  maxDepth: number | null;
  /** Directories the walk must not enter (already masked whole, or not visible in the sandbox). */
  skipDir: (realPath: string) => boolean;
  /** Fail closed above this many visited entries (a glob rooted at `/` without a depth bound). */
  maxVisited: number;
}

interface GlobGroup {
  lexicalPrefix: string;
  patterns: string[];
  matchers: { file: RegExp; dir: RegExp | "prefix" | null; maxDepth: number | null }[];
}

/** Deepest match a pattern can produce below its prefix, or null when it contains `**`. */
function patternDepth(rest: string): number | null {
  if (rest.includes("**")) return null;
  return rest.split("/").length;
}

function compile(pattern: string): { file: RegExp; dir: RegExp | "prefix" | null } {
  try {
    return { file: globToRegExp(pattern), dir: directoryGlobMatcher(pattern) };
  } catch (error) {
    if (error instanceof GlobCompileError) {
      throw new SandboxSetupError(`deny-read pattern is invalid, refusing to run: ${error.message}`);
    }
    throw error;
  }
}

function groupByPrefix(globs: readonly string[], policyDepth: number | null): GlobGroup[] {
  const groups = new Map<string, GlobGroup>();
  for (const pattern of globs) {
    const { prefix, rest } = splitGlob(pattern);
    const compiled = compile(pattern);
    const own = rest === null ? 0 : patternDepth(rest);
    const maxDepth = own === null ? policyDepth : policyDepth === null ? own : Math.min(own, policyDepth);
    let group = groups.get(prefix);
    if (group === undefined) {
      group = { lexicalPrefix: prefix, patterns: [], matchers: [] };
      groups.set(prefix, group);
    }
    group.patterns.push(pattern);
    group.matchers.push({ ...compiled, maxDepth });
  }
  return [...groups.values()];
}

export function scanDenyGlobs(options: DenyScanOptions): DenyScan {
  const scan: DenyScan = {
    files: new Set(),
    dirs: new Set(),
    symlinks: new Set(),
    listings: new Map(),
    unscannedDirs: 0,
    visited: 0,
  };
  for (const group of groupByPrefix(options.globs, options.maxDepth)) walkGroup(group, options, scan);
  return scan;
}

function walkGroup(group: GlobGroup, options: DenyScanOptions, scan: DenyScan): void {
  const realPrefix = canonicalIfExists(group.lexicalPrefix);
  if (realPrefix === null) return;
  let prefixStat: fs.Stats;
  try {
    prefixStat = fs.statSync(realPrefix);
  } catch {
    return;
  }
  // A glob whose literal part names a file can only match that file: nothing to scan.
  if (!prefixStat.isDirectory()) return;
  if (group.matchers.some((m) => m.dir === "prefix")) {
    scan.dirs.add(realPrefix);
    return;
  }
  const lexicalBase = group.lexicalPrefix === "/" ? "" : group.lexicalPrefix;
  const realBase = realPrefix === "/" ? "" : realPrefix;
  // Matching uses the lexical spelling of the pattern, and the real one too when they differ.
  const twoSpellings = lexicalBase !== realBase;
  const matchers = group.matchers;
  const walkDepth = matchers.some((m) => m.maxDepth === null)
    ? null
    : Math.max(...matchers.map((m) => m.maxDepth ?? 0));

  const matches = (rel: string, depth: number, isDirectory: boolean): boolean => {
    const lexical = `${lexicalBase}/${rel}`;
    const real = twoSpellings ? `${realBase}/${rel}` : lexical;
    for (const m of matchers) {
      if (m.maxDepth !== null && depth > m.maxDepth) continue;
      if (m.file.test(lexical) || (twoSpellings && m.file.test(real))) return true;
      if (
        isDirectory &&
        m.dir instanceof RegExp &&
        (m.dir.test(lexical) || (twoSpellings && m.dir.test(real)))
      ) {
        return true;
      }
    }
    return false;
  };

  const stack: { real: string; rel: string; depth: number }[] = [{ real: realPrefix, rel: "", depth: 0 }];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    if (options.skipDir(dir.real)) continue;
    let dirents: fs.Dirent[];
    try {
      dirents = fs.readdirSync(dir.real, { withFileTypes: true });
    } catch {
      continue; // unreadable for us means unreadable for the sandbox too
    }
    const listing: ListedEntry[] = new Array(dirents.length);
    const childDepth = dir.depth + 1;
    const realDir = dir.real === "/" ? "" : dir.real;
    const relDir = dir.rel === "" ? "" : `${dir.rel}/`;
    for (let i = 0; i < dirents.length; i++) {
      const dirent = dirents[i]!;
      const name = dirent.name;
      const isDirectory = dirent.isDirectory();
      const isSymlink = !isDirectory && dirent.isSymbolicLink();
      listing[i] = { name, isDirectory, isSymlink };
      const rel = relDir + name;
      const matched = matches(rel, childDepth, isDirectory);
      if (isDirectory) {
        const real = `${realDir}/${name}`;
        if (matched) scan.dirs.add(real);
        else if (walkDepth === null || childDepth < walkDepth) stack.push({ real, rel, depth: childDepth });
        else scan.unscannedDirs++;
      } else if (matched) {
        const real = `${realDir}/${name}`;
        scan.files.add(real);
        if (isSymlink) scan.symlinks.add(real);
      }
    }
    scan.visited += dirents.length;
    scan.listings.set(dir.real, listing);
    if (scan.visited > options.maxVisited) {
      throw new SandboxSetupError(
        `expanding deny-read pattern(s) ${group.patterns.join(", ")} needs more than ` +
          `${options.maxVisited} directory entries below ${group.lexicalPrefix}; ` +
          "refusing to run. Set glob_scan_max_depth or deny a directory instead of a pattern.",
      );
    }
  }
}

/**
 * Hard-link aliases (§3.5): files in `roots` that share (dev, inode) with a denied file whose link
 * count is above one. Only walks when such a file exists.
 */
export function findHardLinkAliases(
  denied: readonly string[],
  roots: readonly string[],
  options: { maxDepth: number | null; skipDir: (p: string) => boolean; maxVisited: number },
): { aliases: string[]; truncated: boolean } {
  const wanted = new Set<string>();
  for (const file of denied) {
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (st?.isFile() && st.nlink > 1) wanted.add(`${st.dev}:${st.ino}`);
  }
  if (wanted.size === 0) return { aliases: [], truncated: false };
  const deniedSet = new Set(denied);
  const aliases: string[] = [];
  let visited = 0;
  for (const root of roots) {
    const stack: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
    while (stack.length > 0) {
      const { dir, depth } = stack.pop()!;
      if (options.skipDir(dir)) continue;
      let dirents: fs.Dirent[];
      try {
        dirents = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const dirent of dirents) {
        if (++visited > options.maxVisited) return { aliases, truncated: true };
        const child = path.posix.join(dir, dirent.name);
        if (dirent.isDirectory()) {
          if (options.maxDepth === null || depth + 1 < options.maxDepth)
            stack.push({ dir: child, depth: depth + 1 });
        } else if (dirent.isFile() && !deniedSet.has(child)) {
          const st = fs.lstatSync(child, { throwIfNoEntry: false });
          if (st !== undefined && st.nlink > 1 && wanted.has(`${st.dev}:${st.ino}`)) aliases.push(child);
        }
      }
    }
  }
  return { aliases, truncated: false };
}
