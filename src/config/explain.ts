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
import { compileSandboxPlan } from "../sandbox/compile-plan.js";
import { DEFAULT_MASK_LIMITS } from "../sandbox/linux/bwrap-command.js";
import { type ProtectedEntry, scanProtectedNames } from "../sandbox/linux/protected-scan.js";
import type { ConfigLayerSource } from "./layer-source.js";
import type { LoadedConfig } from "./load.js";
import { originOf } from "./merge.js";
import { entryKey } from "./permission-profiles.js";

/** What decided an access answer in `keel permissions explain`. */
export type AccessDecider =
  | { type: "entry"; entry: ReturnType<typeof entryWithDenySpelling>; resolvedPath: string | null }
  | { type: "denyGlob"; entry: ReturnType<typeof entryWithDenySpelling>; pattern: string; invalid?: true }
  | { type: "protectedPath"; path: string; writableRoot: string }
  | { type: "hiddenHostSocket"; path: string }
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
export function explainPath(
  loaded: LoadedConfig,
  target: string,
  host: { uid?: number | undefined } = {},
): PathExplanation {
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
  if (read || write) {
    const socket = hiddenHostSocket(loaded, absolute, host.uid);
    if (socket) {
      return { path: absolute, read: false, write: false, decidedBy: socket, source: null };
    }
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

/**
 * With the network on, the sandbox hides host control sockets (Docker, the user's runtime
 * folder, X11, tmux) whatever the entries say; the same list the sandbox plan uses.
 */
function hiddenHostSocket(
  loaded: LoadedConfig,
  absolute: string,
  uid: number | undefined,
): { type: "hiddenHostSocket"; path: string } | null {
  if (loaded.networkSandboxPolicy !== "enabled") return null;
  const plan = compileSandboxPlan(loaded.fileSystemSandboxPolicy, loaded.networkSandboxPolicy, loaded.cwd, {
    ...loaded.permissionEnv,
    uid,
  });
  const socket = plan.hiddenHostSockets.find((p) => isPathPrefix(p, absolute));
  return socket ? { type: "hiddenHostSocket", path: socket } : null;
}

/**
 * The read-only subpath that keeps `absolute` from being written, decided as the sandbox mounts
 * them: every writable root read-write, every read-only subpath of a root read-only over it, and
 * the deepest of those covering the path wins (a read-only subpath over a root at the same path).
 * So a `write` entry below a read-only carve-out is writable, and a `.git` inside a workspace
 * under a writable `/tmp` is not.
 */
function protectingPath(loaded: LoadedConfig, absolute: string): { path: string; root: string } | null {
  const roots = writableRootsWithCwd(loaded.fileSystemSandboxPolicy, loaded.cwd, loaded.permissionEnv);
  const home = keelHomeProtection(loaded.keelHome, roots, absolute);
  if (home) return home;
  const linked = symlinkedConfigTarget(roots, absolute);
  if (linked) return linked;
  if (isWritableUnderRoots(roots, absolute)) return null; // e.g. a more specific writable root
  let deepest = "";
  let protection: { path: string; root: string } | null = null;
  for (const root of roots) {
    if (!isPathPrefix(root.root, absolute)) continue;
    if (root.root.length > deepest.length) {
      deepest = root.root;
      protection = null;
    }
    const named = protectedNameUnder(root.root, absolute);
    for (const sub of named ? [...root.readOnlySubpaths, named] : root.readOnlySubpaths) {
      if (!isPathPrefix(sub, absolute) || sub.length < deepest.length) continue;
      deepest = sub;
      protection = { path: sub, root: root.root };
    }
  }
  return protection;
}

/**
 * A nested `.keel`/`.codex`/`.agents` that is a symbolic link: the sandbox cannot mount the link,
 * so it mounts the link's target read-only when that lies in a writable root. Found with the same
 * walk the sandbox does at launch; a tree too large to walk is refused there, so nothing to add.
 */
function symlinkedConfigTarget(
  roots: readonly { root: string }[],
  absolute: string,
): { path: string; root: string } | null {
  const real = canonicalIfExists(absolute) ?? absolute;
  const rootPaths = roots.map((r) => canonicalIfExists(r.root) ?? r.root);
  const holders = rootPaths.filter((r) => isPathPrefix(r, real));
  if (holders.length === 0) return null;
  let entries: ProtectedEntry[];
  try {
    entries = scanProtectedNames({
      roots: rootPaths,
      skipDir: (d) => rootPaths.includes(d),
      maxVisited: DEFAULT_MASK_LIMITS.maxScanEntries,
    }).entries;
  } catch {
    return null;
  }
  for (const entry of entries) {
    const target = entry.isSymlink ? canonicalIfExists(entry.path) : null;
    if (target === null || !isPathPrefix(target, real)) continue;
    const root = holders.filter((r) => isPathPrefix(r, target)).sort((a, b) => b.length - a.length)[0];
    if (root !== undefined) return { path: target, root };
  }
  return null;
}

/**
 * KEEL_HOME inside a writable root is mounted read-only by the sandbox (its config.toml, rules
 * and auth must not be rewritten by a command), unless a writable root deeper than it holds the
 * path: the deeper mount wins there, as for every other protected path.
 */
function keelHomeProtection(
  keelHome: string,
  roots: readonly { root: string }[],
  absolute: string,
): { path: string; root: string } | null {
  const home = canonicalIfExists(keelHome) ?? keelHome;
  if (!isPathPrefix(home, absolute)) return null;
  const holders = roots.filter((r) => isPathPrefix(r.root, home));
  if (holders.length === 0) return null;
  if (roots.some((r) => r.root.length > home.length && isPathPrefix(r.root, absolute))) return null;
  const deepest = holders.reduce((a, b) => (b.root.length > a.root.length ? b : a));
  return { path: home, root: deepest.root };
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

/** What decided, in words (`keel permissions explain` and `permissions/explain`). */
export function describeDecider(result: PathExplanation): string {
  const d = result.decidedBy;
  if (d === null) return "no entry matches (restricted policies deny by default)";
  switch (d.type) {
    case "unrestricted":
      return d.kind === "unrestricted"
        ? "no filesystem sandbox (full access)"
        : "an external sandbox (full access here)";
    case "protectedPath":
      return `protected path ${d.path} inside writable root ${d.writableRoot}`;
    case "hiddenHostSocket":
      return `host socket location ${d.path}, hidden from commands while the network is on`;
    case "denyGlob":
      return d.invalid
        ? `deny glob ${d.pattern} does not compile, so every read is denied`
        : `deny glob ${d.pattern}`;
    case "entry":
      return `entry ${JSON.stringify(d.entry)}${d.resolvedPath ? ` (resolved to ${d.resolvedPath})` : ""}`;
  }
}
