import { isDeepStrictEqual } from "node:util";
import type {
  AbsPath,
  FileSystemSandboxEntry,
  FileSystemSandboxPolicy,
  NetworkSandboxPolicy,
  ReadOnlyAccess,
  SandboxPolicy,
} from "../protocol/permissions.js";
import { dedupePaths, joinAbsPath, toAbsPath } from "./abs-path.js";
import type { PermissionEnv } from "./env.js";
import {
  canRead,
  entriesEqual,
  externalSandboxFsPolicy,
  pathEntry,
  resolveSpecialPath,
  restrictedFsPolicy,
  specialEntry,
  unrestrictedFsPolicy,
} from "./fs-policy.js";
import {
  hasFullDiskRead,
  hasFullDiskWrite,
  includePlatformDefaults,
  readableRootsWithCwd,
  unreadableGlobsWithCwd,
  unreadableRootsWithCwd,
  writableRootsWithCwd,
} from "./fs-predicates.js";
import { isWritableUnderRoots, legacyWritableRootsWithCwd } from "./legacy-sandbox.js";
import { specProtectedSubpaths } from "./protected-paths.js";

/** Bridges between the legacy SandboxPolicy and the runtime (fs, net) pair (spec §3). */

const CWD = { kind: "current_working_directory" } as const;

function readEntriesFor(access: ReadOnlyAccess): FileSystemSandboxEntry[] {
  if (access.type === "full-access") return [specialEntry({ kind: "root" }, "read")];
  return [
    ...(access.include_platform_defaults ? [specialEntry({ kind: "minimal" }, "read")] : []),
    ...access.readable_roots.map((root) => pathEntry(root, "read")),
  ];
}

/** Plain projection without a cwd (§3.1); entry order is part of the contract. */
export function fsFromLegacy(policy: SandboxPolicy): FileSystemSandboxPolicy {
  switch (policy.type) {
    case "danger-full-access":
      return unrestrictedFsPolicy();
    case "external-sandbox":
      return externalSandboxFsPolicy();
    case "read-only":
      if (policy.access.type === "full-access") return restrictedFsPolicy(readEntriesFor(policy.access));
      return restrictedFsPolicy([specialEntry(CWD, "read"), ...readEntriesFor(policy.access)]);
    case "workspace-write":
      return restrictedFsPolicy([
        ...readEntriesFor(policy.read_only_access),
        specialEntry(CWD, "write"),
        ...(policy.exclude_slash_tmp ? [] : [specialEntry({ kind: "slash_tmp" }, "write")]),
        ...(policy.exclude_tmpdir_env_var ? [] : [specialEntry({ kind: "tmpdir" }, "write")]),
        ...policy.writable_roots.map((root) => pathEntry(root, "write")),
      ]);
  }
}

/** The session cwd as an AbsPath; a relative one is resolved against `env.processCwd`. */
export function absoluteCwd(cwd: string, env: PermissionEnv): AbsPath {
  const absolute = toAbsPath(cwd, { base: env.processCwd });
  if (absolute === null) throw new Error(`cannot make cwd \`${cwd}\` absolute without a process cwd`);
  return absolute;
}

/**
 * `FileSystemSandboxPolicy::from_legacy_sandbox_policy` (§3.2): the projection plus, for
 * WorkspaceWrite, protected metadata carve-outs and without readable roots that are already
 * writable (they would otherwise become read-only carve-outs).
 */
export function fsFromLegacySandboxPolicy(
  policy: SandboxPolicy,
  cwd: string,
  env: PermissionEnv = {},
): FileSystemSandboxPolicy {
  const base = fsFromLegacy(policy);
  if (policy.type !== "workspace-write") return base;
  const absCwd = absoluteCwd(cwd, env);
  const legacyRoots = legacyWritableRootsWithCwd(policy, absCwd, env);
  const entries = base.entries.filter(
    (e) => !(e.access === "read" && e.path.type === "path" && isWritableUnderRoots(legacyRoots, e.path.path)),
  );
  const carveOuts = [
    ...specProtectedSubpaths(absCwd, true),
    ...policy.writable_roots.flatMap((root) => specProtectedSubpaths(root, false)),
  ];
  for (const p of carveOuts) {
    if (!entries.some((e) => e.path.type === "path" && e.path.path === p)) entries.push(pathEntry(p, "read"));
  }
  return { ...base, entries };
}

/**
 * §3.3: rebuild from the legacy policy but keep the deny entries and glob depth of `existing`.
 * A rebuild to full access (DangerFullAccess / ExternalSandbox) drops both, by design.
 */
export function fsFromLegacySandboxPolicyPreservingDenyEntries(
  policy: SandboxPolicy,
  cwd: string,
  existing: FileSystemSandboxPolicy,
  env: PermissionEnv = {},
): FileSystemSandboxPolicy {
  const rebuilt = fsFromLegacySandboxPolicy(policy, cwd, env);
  if (rebuilt.kind !== "restricted") return rebuilt;
  return {
    ...rebuilt,
    glob_scan_max_depth: existing.glob_scan_max_depth,
    entries: appendMissingDenyEntries(rebuilt.entries, existing.entries),
  };
}

/** `target` plus each `none` entry of `source` not already structurally present (order kept). */
export function appendMissingDenyEntries(
  target: readonly FileSystemSandboxEntry[],
  source: readonly FileSystemSandboxEntry[],
): FileSystemSandboxEntry[] {
  const out = [...target];
  for (const entry of source) {
    if (entry.access === "none" && !out.some((e) => entriesEqual(e, entry))) out.push(entry);
  }
  return out;
}

export const WRITES_OUTSIDE_WORKSPACE_ERROR =
  "permissions profile requests filesystem writes outside the workspace root, which is not supported until the runtime enforces FileSystemSandboxPolicy directly";

/** The projection cannot be expressed as a legacy SandboxPolicy (an I/O `InvalidInput` in Codex). */
export class SandboxProjectionError extends Error {
  readonly kind = "InvalidInput";
  constructor(message: string = WRITES_OUTSIDE_WORKSPACE_ERROR) {
    super(message);
    this.name = "SandboxProjectionError";
  }
}

/**
 * §3.4: the constrained, lossy legacy projection of a runtime pair. Throws
 * SandboxProjectionError when writes outside the workspace root are requested.
 */
export function toLegacySandboxPolicy(
  fs: FileSystemSandboxPolicy,
  net: NetworkSandboxPolicy,
  cwd: string,
  env: PermissionEnv = {},
): SandboxPolicy {
  const networkEnabled = net === "enabled";
  if (fs.kind === "external-sandbox") {
    return { type: "external-sandbox", network_access: networkEnabled ? "enabled" : "restricted" };
  }
  if (fs.kind === "unrestricted") {
    return networkEnabled
      ? { type: "danger-full-access" }
      : { type: "external-sandbox", network_access: "restricted" };
  }
  const absCwd = absoluteCwd(cwd, env);
  let fullRead = false;
  let fullWrite = false;
  let platformDefaults = false;
  let workspaceRootWritable = false;
  let tmpdirWritable = false;
  let slashTmpWritable = false;
  const readableRoots: AbsPath[] = [];
  const writableRoots: AbsPath[] = [];
  const pushByAccess = (p: AbsPath, access: FileSystemSandboxEntry["access"]) => {
    if (access === "write") writableRoots.push(p);
    else if (access === "read") readableRoots.push(p);
  };
  for (const { path, access } of fs.entries) {
    if (path.type === "glob_pattern") continue;
    if (path.type === "path") {
      if (access === "write" && path.path === absCwd) workspaceRootWritable = true;
      else pushByAccess(path.path, access);
      continue;
    }
    const special = path.value;
    switch (special.kind) {
      case "root":
        if (access === "read") fullRead = true;
        if (access === "write") fullRead = fullWrite = true;
        break;
      case "minimal":
        if (canRead(access)) platformDefaults = true;
        break;
      case "current_working_directory":
        if (access === "write") workspaceRootWritable = true;
        else pushByAccess(absCwd, access);
        break;
      case "project_roots":
        if (special.subpath === undefined && access === "write") workspaceRootWritable = true;
        else {
          const resolved = special.subpath === undefined ? absCwd : joinAbsPath(absCwd, special.subpath);
          pushByAccess(resolved, access);
        }
        break;
      case "tmpdir":
      case "slash_tmp": {
        if (access === "write") {
          if (special.kind === "tmpdir") tmpdirWritable = true;
          else slashTmpWritable = true;
        } else if (access === "read") {
          const resolved = resolveSpecialPath(special, absCwd, env);
          if (resolved !== null) readableRoots.push(resolved);
        }
        break;
      }
      case "unknown":
        break;
    }
  }
  if (fullWrite) {
    return networkEnabled
      ? { type: "danger-full-access" }
      : { type: "external-sandbox", network_access: "restricted" };
  }
  const readAccess: ReadOnlyAccess = fullRead
    ? { type: "full-access" }
    : {
        type: "restricted",
        include_platform_defaults: platformDefaults,
        readable_roots: dedupePaths(readableRoots),
      };
  if (workspaceRootWritable) {
    return {
      type: "workspace-write",
      writable_roots: dedupePaths(writableRoots),
      read_only_access: readAccess,
      network_access: networkEnabled,
      exclude_tmpdir_env_var: !tmpdirWritable,
      exclude_slash_tmp: !slashTmpWritable,
    };
  }
  if (writableRoots.length > 0 || tmpdirWritable || slashTmpWritable) throw new SandboxProjectionError();
  return { type: "read-only", access: readAccess, network_access: networkEnabled };
}

/** Semantic signature compared by `needsDirectRuntimeEnforcement`. */
export function fsSemanticSignature(fs: FileSystemSandboxPolicy, cwd: AbsPath, env: PermissionEnv = {}) {
  const sorted = (xs: readonly string[]) => [...xs].sort();
  return {
    fullDiskRead: hasFullDiskRead(fs),
    fullDiskWrite: hasFullDiskWrite(fs),
    includePlatformDefaults: includePlatformDefaults(fs),
    readableRoots: sorted(readableRootsWithCwd(fs, cwd, env)),
    writableRoots: writableRootsWithCwd(fs, cwd, env)
      .map((r) => ({ root: r.root, readOnlySubpaths: sorted(r.readOnlySubpaths) }))
      .sort((a, b) => a.root.localeCompare(b.root)),
    unreadableRoots: sorted(unreadableRootsWithCwd(fs, cwd, env)),
    unreadableGlobs: unreadableGlobsWithCwd(fs, cwd),
  };
}

/**
 * True when the legacy projection cannot stand in for `fs`: the projection fails, or bridging it
 * back changes what is readable/writable/denied. Execution must then enforce `fs` directly.
 */
export function needsDirectRuntimeEnforcement(
  fs: FileSystemSandboxPolicy,
  net: NetworkSandboxPolicy,
  cwd: string,
  env: PermissionEnv = {},
): boolean {
  let legacy: SandboxPolicy;
  try {
    legacy = toLegacySandboxPolicy(fs, net, cwd, env);
  } catch (error) {
    if (error instanceof SandboxProjectionError) return true;
    throw error;
  }
  const absCwd = absoluteCwd(cwd, env);
  const rebridged = fsFromLegacySandboxPolicy(legacy, absCwd, env);
  return !isDeepStrictEqual(
    fsSemanticSignature(fs, absCwd, env),
    fsSemanticSignature(rebridged, absCwd, env),
  );
}
