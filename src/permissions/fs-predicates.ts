import type { AbsPath, FileSystemSandboxEntry, FileSystemSandboxPolicy } from "../protocol/permissions.js";
import { isStrictlyInside, normalizeExistingAncestors } from "./abs-path.js";
import type { PermissionEnv } from "./env.js";
import {
  accessPrecedence,
  canRead,
  canWrite,
  resolveAccess,
  resolvedEntries,
  sameTarget,
} from "./fs-policy.js";
import type { WritableRoot } from "./legacy-sandbox.js";
import { protectedSubpaths } from "./protected-paths.js";

/** Whole-policy predicates and derived root lists (spec §2.4, §2.5). */

export function hasDeniedReadRestrictions(policy: FileSystemSandboxPolicy): boolean {
  return policy.kind === "restricted" && policy.entries.some((e) => e.access === "none");
}

export function hasFullDiskRead(policy: FileSystemSandboxPolicy): boolean {
  if (policy.kind !== "restricted") return true;
  return (
    policy.entries.some((e) => isRootEntry(e) && canRead(e.access)) &&
    !policy.entries.some((e) => e.access === "none")
  );
}

export function hasFullDiskWrite(policy: FileSystemSandboxPolicy): boolean {
  if (policy.kind !== "restricted") return true;
  const hasRootWrite = policy.entries.some((e) => isRootEntry(e) && e.access === "write");
  return hasRootWrite && !policy.entries.some((e) => narrowsWrites(e, policy.entries));
}

function isRootEntry(entry: FileSystemSandboxEntry): boolean {
  return entry.path.type === "special" && entry.path.value.kind === "root";
}

/** A non-write entry that takes write access away somewhere below a `root:write`. */
function narrowsWrites(entry: FileSystemSandboxEntry, all: readonly FileSystemSandboxEntry[]): boolean {
  if (entry.access === "write") return false;
  const overridden = () =>
    all.some(
      (other) =>
        other.access === "write" &&
        accessPrecedence("write") > accessPrecedence(entry.access) &&
        sameTarget(other.path, entry.path),
    );
  switch (entry.path.type) {
    case "glob_pattern":
      return true;
    case "path":
      return !overridden();
    case "special":
      switch (entry.path.value.kind) {
        case "root":
          return entry.access === "none";
        case "minimal":
        case "unknown":
          return false;
        default:
          return !overridden();
      }
  }
}

export function includePlatformDefaults(policy: FileSystemSandboxPolicy): boolean {
  return (
    policy.kind === "restricted" &&
    !hasFullDiskRead(policy) &&
    policy.entries.some(
      (e) => e.path.type === "special" && e.path.value.kind === "minimal" && canRead(e.access),
    )
  );
}

function dedupeByNormalized(paths: readonly AbsPath[]): AbsPath[] {
  const seen = new Set<string>();
  const out: AbsPath[] = [];
  for (const p of paths) {
    const normalized = normalizeExistingAncestors(p);
    if (seen.has(normalized)) continue;
    seen.add(normalized);
    out.push(normalized);
  }
  return out;
}

/** Readable roots (symlink-normalised, deduped); empty when the policy reads everything. */
export function readableRootsWithCwd(
  policy: FileSystemSandboxPolicy,
  cwd: AbsPath,
  env: PermissionEnv = {},
): AbsPath[] {
  if (hasFullDiskRead(policy)) return [];
  const roots = resolvedEntries(policy, cwd, env)
    .filter(
      ({ entry, resolved }) => canRead(entry.access) && canRead(resolveAccess(policy, resolved, cwd, env)),
    )
    .map(({ resolved }) => resolved);
  return dedupeByNormalized(roots);
}

/** Denied roots (never the filesystem root itself: a `root:none` is implicit). */
export function unreadableRootsWithCwd(
  policy: FileSystemSandboxPolicy,
  cwd: AbsPath,
  env: PermissionEnv = {},
): AbsPath[] {
  if (policy.kind !== "restricted") return [];
  const roots = resolvedEntries(policy, cwd, env)
    .filter(
      ({ entry, resolved }) =>
        entry.access === "none" && resolved !== "/" && !canRead(resolveAccess(policy, resolved, cwd, env)),
    )
    .map(({ resolved }) => resolved);
  return dedupeByNormalized(roots);
}

/** Resolves a glob against `cwd` unless it is already absolute. */
export function resolveGlobPattern(pattern: string, cwd: AbsPath): string {
  if (pattern.startsWith("/")) return pattern;
  return cwd === "/" ? `/${pattern}` : `${cwd}/${pattern}`;
}

/** Deny globs resolved against `cwd`, sorted and deduped. */
export function unreadableGlobsWithCwd(policy: FileSystemSandboxPolicy, cwd: AbsPath): string[] {
  if (policy.kind !== "restricted") return [];
  const globs = policy.entries.flatMap((e) =>
    e.path.type === "glob_pattern" && e.access === "none" ? [resolveGlobPattern(e.path.pattern, cwd)] : [],
  );
  return [...new Set(globs)].sort();
}

/**
 * Writable roots with read-only carve-outs (§2.5). Each resolved `write` entry whose own path is
 * writable becomes a root (literal spelling kept, deduped after symlink normalisation). Carve-outs:
 * the protected metadata paths (existing or not) unless an entry names that path itself, plus
 * every non-writable non-write entry strictly inside the root. Config folders deeper down are
 * protected by `isWritableUnderRoot` (and by the sandbox's scan), not listed here.
 */
export function writableRootsWithCwd(
  policy: FileSystemSandboxPolicy,
  cwd: AbsPath,
  env: PermissionEnv = {},
): WritableRoot[] {
  if (hasFullDiskWrite(policy)) return [];
  const resolved = resolvedEntries(policy, cwd, env);
  const explicitPaths = new Set(resolved.map((r) => r.resolved));
  const seen = new Set<string>();
  const roots: WritableRoot[] = [];
  for (const { entry, resolved: root } of resolved) {
    if (entry.access !== "write" || !canWrite(resolveAccess(policy, root, cwd, env))) continue;
    const key = normalizeExistingAncestors(root);
    if (seen.has(key)) continue;
    seen.add(key);
    const subpaths = protectedSubpaths(root).filter((p) => !explicitPaths.has(p));
    for (const other of resolved) {
      if (
        other.entry.access !== "write" &&
        isStrictlyInside(root, other.resolved) &&
        !canWrite(resolveAccess(policy, other.resolved, cwd, env))
      ) {
        subpaths.push(other.resolved);
      }
    }
    roots.push({ root, readOnlySubpaths: [...new Set(subpaths)] });
  }
  return roots;
}
