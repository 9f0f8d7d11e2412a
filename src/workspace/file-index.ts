import fs from "node:fs";
import path from "node:path";
import { type IgnoreRule, parseGitignore, ruleVerdict } from "./gitignore.js";

/** One file or directory found under a search root. */
export interface IndexedPath {
  /** Index into the roots the index was built from. */
  readonly root: number;
  /** Relative to its root, `/`-separated. */
  readonly path: string;
  readonly isDirectory: boolean;
}

interface RuleFile {
  /** The rule file's directory, relative to the walk root ("" for the root). */
  readonly base: string;
  readonly rules: readonly IgnoreRule[];
}

/**
 * Walks search roots as Codex's file search does: hidden entries included, symlinks followed
 * (each real directory once), `.gitignore` and `.ignore` files honoured at every level (whether
 * or not the tree is a git repository) plus `.git/info/exclude`. A path under several roots is
 * listed once, under the deepest root. Roots that are not directories contribute nothing.
 */
export async function indexRoots(
  roots: readonly string[],
  shouldStop: () => boolean = () => false,
): Promise<IndexedPath[]> {
  const out: IndexedPath[] = [];
  const seen = new Set<string>();
  const rootSet = new Set(roots);
  for (const [rootIndex, root] of roots.entries()) {
    if (!path.isAbsolute(root) || !isDirectory(root)) continue;
    const initial = loadRules(root, "");
    const exclude = readText(path.join(root, ".git", "info", "exclude"));
    if (exclude !== null) initial.unshift({ base: "", rules: parseGitignore(exclude) });
    const pending: { dir: string; rel: string; ruleFiles: RuleFile[] }[] = [
      { dir: root, rel: "", ruleFiles: initial },
    ];
    let visited = 0;
    while (pending.length > 0) {
      if (shouldStop()) return out;
      // Directories are read synchronously (fast) in slices, so other connections keep being served.
      if (++visited % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
      const { dir, rel, ruleFiles } = pending.pop()!;
      for (const child of readChildren(dir, rel, ruleFiles, seen)) {
        if (child.isDirectory && rootSet.has(child.full) && child.full !== root) continue;
        out.push({ root: rootIndex, path: child.rel, isDirectory: child.isDirectory });
        if (child.isDirectory) {
          const nested = loadRules(child.full, child.rel);
          pending.push({
            dir: child.full,
            rel: child.rel,
            ruleFiles: nested.length > 0 ? [...ruleFiles, ...nested] : ruleFiles,
          });
        }
      }
    }
  }
  return out;
}

/** The entries of one directory that are not ignored; nothing for a directory already walked. */
function readChildren(
  dir: string,
  relDir: string,
  ruleFiles: readonly RuleFile[],
  seen: Set<string>,
): { full: string; rel: string; isDirectory: boolean }[] {
  let dirents: fs.Dirent[];
  try {
    const real = fs.realpathSync(dir);
    if (seen.has(real)) return [];
    seen.add(real);
    dirents = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const children: { full: string; rel: string; isDirectory: boolean }[] = [];
  for (const dirent of dirents) {
    const full = path.join(dir, dirent.name);
    const rel = relDir === "" ? dirent.name : `${relDir}/${dirent.name}`;
    const directory = dirent.isSymbolicLink() ? isDirectory(full) : dirent.isDirectory();
    if (!ignored(ruleFiles, rel, directory)) children.push({ full, rel, isDirectory: directory });
  }
  return children;
}

function ignored(ruleFiles: readonly RuleFile[], rel: string, isDir: boolean): boolean {
  // Deeper files override shallower ones; within a file the last matching rule wins.
  for (let i = ruleFiles.length - 1; i >= 0; i--) {
    const file = ruleFiles[i]!;
    const local = file.base === "" ? rel : rel.slice(file.base.length + 1);
    const verdict = ruleVerdict(file.rules, local, isDir);
    if (verdict !== null) return verdict;
  }
  return false;
}

function loadRules(dir: string, rel: string): RuleFile[] {
  const files: RuleFile[] = [];
  for (const name of [".gitignore", ".ignore"]) {
    const text = readText(path.join(dir, name));
    if (text !== null) files.push({ base: rel, rules: parseGitignore(text) });
  }
  return files;
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
