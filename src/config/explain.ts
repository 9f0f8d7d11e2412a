import {
  canonicalIfExists,
  canRead,
  canWrite,
  GlobCompileError,
  globToRegExp,
  isPathPrefix,
  isWritableUnderRoots,
  protectedNameUnder,
  protectedSubpaths,
  resolveAccessDetailed,
  resolveGlobPattern,
  toAbsPath,
  writableRootsWithCwd,
} from "../permissions/index.js";
import { entryWithDenySpelling } from "../permissions/serialization.js";
import type { FileSystemSandboxEntry } from "../protocol/permissions.js";
import type { ConfigLayerSource } from "./layer-source.js";
import type { LoadedConfig } from "./load.js";
import { originOf } from "./merge.js";
import { entryKey } from "./permission-profiles.js";

/** What decided an access answer in `keel permissions explain`. */
export type AccessDecider =
  | { type: "entry"; entry: ReturnType<typeof entryWithDenySpelling>; resolvedPath: string | null }
  | { type: "denyGlob"; entry: ReturnType<typeof entryWithDenySpelling>; pattern: string; invalid?: true }
  | { type: "protectedPath"; path: string; writableRoot: string }
  | { type: "unrestricted"; kind: "unrestricted" | "external-sandbox" };

export interface PathExplanation {
  path: string;
  read: boolean;
  write: boolean;
  /** The deciding entry for the most restrictive answer; null = no entry matched (denied). */
  decidedBy: AccessDecider | null;
  /** Layer the deciding entry came from; null for built-in defaults. */
  source: ConfigLayerSource | null;
}

/**
 * Explains access to `target` under the loaded runtime policy: the most specific entry decides
 * (§2.3), a matching deny glob then denies reads (§2.6), and a protected metadata path inside a
 * writable root denies writes (§2.7).
 */
export function explainPath(loaded: LoadedConfig, target: string): PathExplanation {
  const fs = loaded.fileSystemSandboxPolicy;
  const cwd = loaded.cwd;
  const env = loaded.permissionEnv;
  const absolute = toAbsPath(target, { base: cwd }) ?? target;
  if (fs.kind !== "restricted") {
    return {
      path: absolute,
      read: true,
      write: true,
      decidedBy: { type: "unrestricted", kind: fs.kind },
      source: loaded.permissions.source,
    };
  }

  const decision = resolveAccessDetailed(fs, absolute, cwd, env);
  let read = canRead(decision.access);
  let write = canWrite(decision.access);
  let decidedBy: AccessDecider | null = decision.entry
    ? { type: "entry", entry: entryWithDenySpelling(decision.entry), resolvedPath: decision.resolvedPath }
    : null;
  let decidingEntry: FileSystemSandboxEntry | null = decision.entry;

  if (read) {
    const glob = matchingDenyGlob(fs.entries, absolute, cwd);
    if (glob) {
      read = false;
      write = false;
      decidedBy = { type: "denyGlob", entry: entryWithDenySpelling(glob.entry), pattern: glob.pattern };
      if (glob.invalid) decidedBy.invalid = true;
      decidingEntry = glob.entry;
    }
  }
  const carveOut =
    decidedBy?.type === "entry"
      ? generatedCarveOut(loaded, decision.entry, decision.resolvedPath, absolute)
      : null;
  if (carveOut) {
    // The legacy bridge spells metadata protection as a plain read entry; report it as such.
    return { path: absolute, read, write, decidedBy: { type: "protectedPath", ...carveOut }, source: null };
  }
  if (write) {
    const protection = protectingPath(loaded, absolute);
    if (protection) {
      write = false;
      return {
        path: absolute,
        read,
        write,
        decidedBy: { type: "protectedPath", path: protection.path, writableRoot: protection.root },
        source: null,
      };
    }
  }
  return {
    path: absolute,
    read,
    write,
    decidedBy,
    source: decidingEntry ? entrySource(loaded, decidingEntry) : null,
  };
}

function matchingDenyGlob(
  entries: readonly FileSystemSandboxEntry[],
  absolute: string,
  cwd: string,
): { entry: FileSystemSandboxEntry; pattern: string; invalid: boolean } | null {
  const candidates = [absolute];
  const canonical = canonicalIfExists(absolute);
  if (canonical !== null && canonical !== absolute) candidates.push(canonical);
  for (const entry of entries) {
    if (entry.path.type !== "glob_pattern" || entry.access !== "none") continue;
    const pattern = resolveGlobPattern(entry.path.pattern, cwd);
    try {
      const regex = globToRegExp(pattern);
      if (candidates.some((c) => regex.test(c))) return { entry, pattern, invalid: false };
    } catch (error) {
      // A deny pattern that does not compile denies every read (fail closed, §2.6).
      if (error instanceof GlobCompileError) return { entry, pattern, invalid: true };
      throw error;
    }
  }
  return null;
}

function generatedCarveOut(
  loaded: LoadedConfig,
  entry: FileSystemSandboxEntry | null,
  resolved: string | null,
  absolute: string,
): { path: string; writableRoot: string } | null {
  if (entry?.access !== "read" || entry.path.type !== "path" || resolved === null) return null;
  if (loaded.permissions.compiledProfile?.entryKeys.has(entryKey(entry))) return null;
  const roots = writableRootsWithCwd(loaded.fileSystemSandboxPolicy, loaded.cwd, loaded.permissionEnv);
  for (const root of roots) {
    if (!isPathPrefix(root.root, absolute)) continue;
    if (protectedSubpaths(root.root).includes(resolved)) {
      return { path: resolved, writableRoot: root.root };
    }
  }
  return null;
}

function protectingPath(loaded: LoadedConfig, absolute: string): { path: string; root: string } | null {
  const roots = writableRootsWithCwd(loaded.fileSystemSandboxPolicy, loaded.cwd, loaded.permissionEnv);
  if (isWritableUnderRoots(roots, absolute)) return null; // e.g. a more specific writable root
  for (const root of roots) {
    if (!isPathPrefix(root.root, absolute)) continue;
    const protectedPath =
      root.readOnlySubpaths.find((p) => isPathPrefix(p, absolute)) ?? protectedNameUnder(root.root, absolute);
    if (protectedPath) return { path: protectedPath, root: root.root };
  }
  return null;
}

/**
 * The layer an entry came from: its own key in a `[permissions.<id>]` table, else the
 * `[sandbox_workspace_write]` writable root that produced it, else the layer that chose the
 * permissions (sandbox_mode / default_permissions / trust entry); null for built-in defaults.
 */
function entrySource(loaded: LoadedConfig, entry: FileSystemSandboxEntry): ConfigLayerSource | null {
  const keyPath = loaded.permissions.compiledProfile?.entryKeys.get(entryKey(entry));
  if (keyPath) return originOf(loaded.origins, keyPath)?.name ?? null;
  const policy = loaded.sandboxPolicy.value;
  if (
    entry.path.type === "path" &&
    policy.type === "workspace-write" &&
    policy.writable_roots.includes(entry.path.path)
  ) {
    const origin = originOf(loaded.origins, ["sandbox_workspace_write", "writable_roots"]);
    if (origin) return origin.name;
  }
  if (loaded.permissions.choice === "trustDefault") {
    return loaded.trust.key ? (originOf(loaded.origins, ["projects", loaded.trust.key])?.name ?? null) : null;
  }
  return loaded.permissions.source;
}
