import fs from "node:fs";
import path from "node:path";
import { charMask, type Haystack } from "./fuzzy-match.js";
import { type IgnoreRule, parseGitignore, ruleVerdict } from "./gitignore.js";

/** One file or directory found under a search root. */
export interface IndexedPath {
  /** Index into the roots the index was built from. */
  readonly root: number;
  /** Relative to its root, `/`-separated. */
  readonly path: string;
  /** `path` lowered once, for the matcher's quick test. */
  readonly lower: string;
  /** `charMask(lower)`, computed once here rather than on every query. */
  readonly mask: number;
  readonly isDirectory: boolean;
  /** The path prepared for scoring, kept by a search over an unchanging index (see fuzzySearch). */
  hay?: Haystack;
}

/** Path order (UTF-16 code units, as the ranking breaks ties): an index sorted so can cut early. */
export function byPath(a: IndexedPath, b: IndexedPath): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export function indexedPath(root: number, rel: string, isDirectory: boolean): IndexedPath {
  const lower = rel.toLowerCase();
  // `hay` is there from the start: entries keep one shape, so the search loops stay monomorphic.
  return { root, path: rel, lower, mask: charMask(lower), isDirectory, hay: undefined };
}

interface RuleFile {
  /** The rule file's directory, relative to the walk root ("" for the root or above it). */
  readonly base: string;
  /** For a rule file above the root: the root's path relative to the file's directory, plus `/`. */
  readonly prefix?: string;
  readonly rules: readonly IgnoreRule[];
}

/**
 * Walks search roots as Codex's file search does: hidden entries included, symlinks followed
 * (not into a directory the walk is already inside), `.gitignore` and `.ignore` files honoured
 * at every level (whether or not the tree is a git repository) plus `.git/info/exclude`.
 * A path under several roots is listed once, under the deepest root. Roots that are not directories contribute nothing.
 * Unlike Codex, a directory reached by many links is walked at most MAX_EXPANSIONS times.
 */
export async function indexRoots(
  roots: readonly string[],
  shouldStop: () => boolean = () => false,
  /** Filled as the walk goes, for callers that search a partial index meanwhile. */
  out: IndexedPath[] = [],
): Promise<IndexedPath[]> {
  const rootSet = new Set(roots);
  for (const [rootIndex, root] of roots.entries()) {
    if (!path.isAbsolute(root) || !isDirectory(root)) continue;
    const initial = ancestorRules(root);
    const exclude = readText(path.join(root, ".git", "info", "exclude"));
    if (exclude !== null) initial.push({ base: "", rules: parseGitignore(exclude) });
    const pending: Pending[] = [
      { dir: root, rel: "", real: fs.realpathSync(root), ruleFiles: initial, up: null },
    ];
    let visited = 0;
    const expansions = new Map<string, number>();
    while (pending.length > 0) {
      if (shouldStop()) return out;
      // Directories are read synchronously (fast) in slices, so other connections keep being served.
      if (++visited % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
      const parent = pending.pop()!;
      for (const child of readChildren(parent)) {
        if (child.directory && rootSet.has(child.dir) && child.dir !== root) continue;
        out.push(indexedPath(rootIndex, child.rel, child.directory));
        if (!child.directory) continue;
        // Links that are no loop can still multiply a tree: two links to the next level at each
        // of 30 levels name 2^30 paths. Each real directory is listed a bounded number of times.
        const times = (expansions.get(child.real) ?? 0) + 1;
        expansions.set(child.real, times);
        if (times <= MAX_EXPANSIONS) pending.push(child);
      }
    }
  }
  return out;
}

/**
 * How often one real directory is walked (once directly, the rest through links). Codex's walker
 * has no bound; a handful keeps every path of ordinary trees with a few links to one folder.
 */
const MAX_EXPANSIONS = 8;

interface Pending {
  readonly dir: string;
  readonly rel: string;
  /** The directory's real path, to stop at symlink loops. */
  readonly real: string;
  readonly ruleFiles: RuleFile[];
  /** The directory the walk came from (null at the root): a link back to any of them is a loop. */
  readonly up: Pending | null;
}

type Child = Pending & { readonly directory: boolean };

/** The entries of one directory that are not ignored, its own rule files applied. */
function readChildren(parent: Pending): Child[] {
  let dirents: fs.Dirent[];
  try {
    dirents = fs.readdirSync(parent.dir, { withFileTypes: true });
  } catch {
    return [];
  }
  let ruleFiles = parent.ruleFiles;
  // Only rule files that are there are read: a failed read per directory costs more than the walk.
  for (const name of RULE_FILES) {
    if (!dirents.some((d) => d.name === name)) continue;
    const text = readText(`${parent.dir}/${name}`);
    if (text !== null) ruleFiles = [...ruleFiles, { base: parent.rel, rules: parseGitignore(text) }];
  }
  const children: Child[] = [];
  for (const dirent of dirents) {
    const dir = `${parent.dir}/${dirent.name}`;
    const rel = parent.rel === "" ? dirent.name : `${parent.rel}/${dirent.name}`;
    let real = `${parent.real}/${dirent.name}`;
    let directory = dirent.isDirectory();
    if (dirent.isSymbolicLink()) {
      directory = isDirectory(dir);
      if (directory) {
        real = realPath(dir);
        if (real === "" || loops(parent, real)) continue;
      }
    }
    if (!ignored(ruleFiles, rel, directory))
      children.push({ dir, rel, real, ruleFiles, directory, up: parent });
  }
  return children;
}

/**
 * Whether a link to `real` from `parent` leads back into the walk: to a directory the walk is
 * inside (Codex's walker checks the same, so `a/to-b` and `b/to-a` stop after one step) or to
 * one above the walk's directory on disk (`/` included, which would walk the whole host).
 */
function loops(parent: Pending, real: string): boolean {
  const above = real === "/" ? "/" : `${real}/`;
  if (parent.real === real || parent.real.startsWith(above)) return true;
  for (let dir = parent.up; dir !== null; dir = dir.up) if (dir.real === real) return true;
  return false;
}

const RULE_FILES = [".gitignore", ".ignore"];

/**
 * Rule files in the directories above a root apply to it too (Codex's walker reads parents'
 * ignore files, git repository or not), outermost first.
 */
function ancestorRules(root: string): RuleFile[] {
  const files: RuleFile[] = [];
  for (let dir = path.dirname(root); ; dir = path.dirname(dir)) {
    const prefix = `${path.relative(dir, root)}/`;
    for (const name of [...RULE_FILES].reverse()) {
      const text = readText(path.join(dir, name));
      if (text !== null) files.unshift({ base: "", prefix, rules: parseGitignore(text) });
    }
    if (path.dirname(dir) === dir) break;
  }
  return files;
}

function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return "";
  }
}

function ignored(ruleFiles: readonly RuleFile[], rel: string, isDir: boolean): boolean {
  // Deeper files override shallower ones; within a file the last matching rule wins.
  for (let i = ruleFiles.length - 1; i >= 0; i--) {
    const file = ruleFiles[i]!;
    const local = (file.prefix ?? "") + (file.base === "" ? rel : rel.slice(file.base.length + 1));
    const verdict = ruleVerdict(file.rules, local, isDir);
    if (verdict !== null) return verdict;
  }
  return false;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
