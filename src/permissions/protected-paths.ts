import fs from "node:fs";
import path from "node:path";
import type { AbsPath } from "../protocol/permissions.js";
import { isExistingDirectory, isExistingFile, joinAbsPath } from "./abs-path.js";

/**
 * Folders keel (and Codex) read configuration, rules, hooks or skills from. A project's folder
 * is honoured in every directory from the git root down to the cwd, so they are protected at any
 * depth inside a writable root, existing or not.
 */
export const PROTECTED_NAMES: readonly string[] = [".agents", ".codex", ".keel"];

/**
 * Metadata paths under a writable root that stay read-only (spec §2.7): `.git` (plus the target
 * of a `gitdir:` pointer file), `.agents`, `.codex` and keel's own `.keel` — all of them whether
 * they exist or not, so a command cannot `git init` or create a config folder for the first time.
 *
 * `.git` is protected only directly under the root: nested repositories are ordinary work. The
 * config folders below the root are covered by `protectedNameUnder`.
 */
export function protectedSubpaths(root: AbsPath): AbsPath[] {
  const result: AbsPath[] = [];
  const dotGit = joinAbsPath(root, ".git");
  const gitIsDirectory = isExistingDirectory(dotGit);
  const gitIsFile = !gitIsDirectory && isExistingFile(dotGit);
  if (gitIsFile) {
    const gitdir = readGitdirPointer(dotGit);
    if (gitdir !== null) result.push(gitdir);
  }
  // A missing `.git` in `/tmp` or `/` is left alone (see `protectsNestedNames`): anyone can create
  // it there anyway, and its placeholder would make every directory below look like a repository
  // to other programs while a command runs.
  if (gitIsDirectory || gitIsFile || protectsNestedNames(root)) result.push(dotGit);
  for (const name of PROTECTED_NAMES) result.push(joinAbsPath(root, name));
  return result;
}

/**
 * The carve-outs Codex writes into a legacy-derived policy as explicit `read` entries (§2.7,
 * §3.2): existing `.git` (and gitdir target) and `.agents`, plus `.codex` and `.keel` when they
 * exist or `protectMissingConfig`. Kept spec-exact because it shapes the wire form of a
 * profile; the sandbox and apply_patch enforce the wider `protectedSubpaths` on top of it.
 */
export function specProtectedSubpaths(root: AbsPath, protectMissingConfig: boolean): AbsPath[] {
  const dotGit = joinAbsPath(root, ".git");
  return protectedSubpaths(root).filter((p) => {
    if (p === dotGit) return isExistingDirectory(p) || isExistingFile(p);
    if (path.posix.dirname(p) !== root) return true; // the gitdir target, which exists
    if (p.endsWith("/.agents")) return isExistingDirectory(p);
    return protectMissingConfig || isExistingDirectory(p);
  });
}

/**
 * Whether config folders below `root` are protected. Not below `/` (a writable `/` already lets a
 * command rewrite the user's own `$KEEL_HOME/config.toml`, and the tree cannot be scanned per
 * command) nor below a world-writable sticky directory such as `/tmp` (every local user can plant
 * folders there, so keel cannot treat what it finds there as the user's; the sandbox leaves other
 * programs' files there alone). Their top-level names stay protected.
 */
export function protectsNestedNames(root: AbsPath): boolean {
  if (root === "/") return false;
  try {
    const mode = fs.statSync(root).mode;
    return (mode & 0o1002) !== 0o1002;
  } catch {
    return true;
  }
}

/**
 * The protected config folder (`.keel`, `.codex`, `.agents` at any depth) that contains `p`
 * below `root` — the outermost one, or the innermost with `which = "deepest"` — or null. Whether
 * the folder exists does not matter.
 */
export function protectedNameUnder(
  root: AbsPath,
  p: AbsPath,
  which: "outermost" | "deepest" = "outermost",
): AbsPath | null {
  const prefix = root === "/" ? "/" : `${root}/`;
  if (!p.startsWith(prefix) || !protectsNestedNames(root)) return null;
  const parts = p.slice(prefix.length).split("/");
  let found: AbsPath | null = null;
  for (let i = 0; i < parts.length; i++) {
    if (!PROTECTED_NAMES.includes(parts[i]!)) continue;
    found = prefix + parts.slice(0, i + 1).join("/");
    if (which === "outermost") return found;
  }
  return found;
}

/** Target of a worktree/submodule `.git` file (`gitdir: <path>`) when it exists. */
export function readGitdirPointer(dotGitFile: AbsPath): AbsPath | null {
  let text: string;
  try {
    text = fs.readFileSync(dotGitFile, "utf8");
  } catch {
    return null;
  }
  const match = /^gitdir:\s*(.+?)\s*$/m.exec(text);
  if (match?.[1] === undefined) return null;
  const target = joinAbsPath(path.posix.dirname(dotGitFile), match[1]);
  return fs.existsSync(target) ? target : null;
}
