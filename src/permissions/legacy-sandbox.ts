import type {
  AbsPath,
  NetworkSandboxPolicy,
  ReadOnlyAccess,
  SandboxPolicy,
  SandboxPolicyType,
} from "../protocol/permissions.js";
import { isAbsolutePath, isExistingDirectory, isPathPrefix, normalizeAbsolutePath } from "./abs-path.js";
import { type PermissionEnv, resolvedTmpdir } from "./env.js";
import { protectedNameUnder, specProtectedSubpaths } from "./protected-paths.js";

/** Legacy sandbox policy constructors and derived predicates (spec §1.2, §1.3). */

export type ReadOnlySandboxPolicy = Extract<SandboxPolicy, { type: "read-only" }>;
export type WorkspaceWriteSandboxPolicy = Extract<SandboxPolicy, { type: "workspace-write" }>;
export type ExternalSandboxPolicy = Extract<SandboxPolicy, { type: "external-sandbox" }>;

export const FULL_READ_ACCESS: ReadOnlyAccess = Object.freeze({ type: "full-access" });

export function newReadOnly(): ReadOnlySandboxPolicy {
  return { type: "read-only", access: { type: "full-access" }, network_access: false };
}

export function newWorkspaceWrite(
  overrides: Partial<Omit<WorkspaceWriteSandboxPolicy, "type">> = {},
): WorkspaceWriteSandboxPolicy {
  return {
    type: "workspace-write",
    writable_roots: [],
    read_only_access: { type: "full-access" },
    network_access: false,
    exclude_tmpdir_env_var: false,
    exclude_slash_tmp: false,
    ...overrides,
  };
}

export function dangerFullAccess(): SandboxPolicy {
  return { type: "danger-full-access" };
}

export function externalSandbox(
  networkAccess: "restricted" | "enabled" = "restricted",
): ExternalSandboxPolicy {
  return { type: "external-sandbox", network_access: networkAccess };
}

/** Display string used in logs and telemetry. */
export function sandboxPolicyDisplay(policy: SandboxPolicy): SandboxPolicyType {
  return policy.type;
}

export function readOnlyAccessOf(policy: SandboxPolicy): ReadOnlyAccess | null {
  if (policy.type === "read-only") return policy.access;
  if (policy.type === "workspace-write") return policy.read_only_access;
  return null;
}

export function hasFullDiskReadAccess(policy: SandboxPolicy): boolean {
  const access = readOnlyAccessOf(policy);
  return access === null || access.type === "full-access";
}

export function hasFullDiskWriteAccess(policy: SandboxPolicy): boolean {
  return policy.type === "danger-full-access" || policy.type === "external-sandbox";
}

export function hasFullNetworkAccess(policy: SandboxPolicy): boolean {
  switch (policy.type) {
    case "danger-full-access":
      return true;
    case "external-sandbox":
      return policy.network_access === "enabled";
    case "read-only":
    case "workspace-write":
      return policy.network_access;
  }
}

/** `NetworkSandboxPolicy::from(&SandboxPolicy)`. */
export function networkFromLegacy(policy: SandboxPolicy): NetworkSandboxPolicy {
  return hasFullNetworkAccess(policy) ? "enabled" : "restricted";
}

/** A writable root and the subpaths under it that stay read-only. */
export interface WritableRoot {
  readonly root: AbsPath;
  readonly readOnlySubpaths: readonly AbsPath[];
}

/**
 * Writable iff under `root`, not under any of its read-only subpaths, and not inside a protected
 * config folder (`.keel`, `.codex`, `.agents`) at any depth below the root.
 */
export function isWritableUnderRoot(root: WritableRoot, p: AbsPath): boolean {
  return (
    isPathPrefix(root.root, p) &&
    !root.readOnlySubpaths.some((sub) => isPathPrefix(sub, p)) &&
    protectedNameUnder(root.root, p) === null
  );
}

/**
 * Writable under a set of (possibly nested) roots, the way the sandbox mounts them: the deepest
 * mount covering `p` decides, and on the same path a protection beats a writable root. So a
 * protected path of an inner root stays read-only even though an outer root (`/tmp`) covers it,
 * and a more specific writable root re-opens what an outer root protects.
 */
export function isWritableUnderRoots(roots: readonly WritableRoot[], p: AbsPath): boolean {
  let deepest: AbsPath | null = null;
  for (const { root } of roots) {
    if (isPathPrefix(root, p) && (deepest === null || root.length > deepest.length)) deepest = root;
  }
  if (deepest === null) return false;
  const depth = deepest.length;
  return !roots.some((root) => {
    if (!isPathPrefix(root.root, p)) return false;
    if (root.readOnlySubpaths.some((sub) => sub.length >= depth && isPathPrefix(sub, p))) return true;
    const name = protectedNameUnder(root.root, p, "deepest");
    return name !== null && name.length > depth; // a name that is itself a root was named explicitly
  });
}

/**
 * Legacy writable roots (§1.3) in order: explicit roots, cwd, `/tmp` (if an existing directory and
 * not excluded), `$TMPDIR` (if set, absolute and not excluded). Only WorkspaceWrite has any.
 * `onError` receives the message for a non-absolute cwd (which is skipped).
 */
export function legacyWritableRootsWithCwd(
  policy: SandboxPolicy,
  cwd: string,
  env: PermissionEnv = {},
  onError: (message: string) => void = () => {},
): WritableRoot[] {
  if (policy.type !== "workspace-write") return [];
  const roots: AbsPath[] = [...policy.writable_roots];
  if (isAbsolutePath(cwd)) roots.push(normalizeAbsolutePath(cwd));
  else onError(`ignoring non-absolute cwd for writable roots: ${cwd}`);
  if (!policy.exclude_slash_tmp && process.platform !== "win32" && isExistingDirectory("/tmp")) {
    roots.push("/tmp");
  }
  const tmpdir = policy.exclude_tmpdir_env_var ? null : resolvedTmpdir(env);
  if (tmpdir !== null) roots.push(tmpdir);
  return roots.map((root) => ({ root, readOnlySubpaths: specProtectedSubpaths(root, false) }));
}
