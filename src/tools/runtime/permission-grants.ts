import path from "node:path";
import {
  canonicalIfExists,
  isPathPrefix,
  normalizeExistingAncestors,
  PROTECTED_NAMES,
  protectedSubpaths,
  writableRootsWithCwd,
} from "../../permissions/index.js";
import type { RequestedPermissions } from "../../protocol/events.js";
import type { FileSystemSandboxEntry, FileSystemSandboxPolicy } from "../../protocol/permissions.js";
import type { RuntimePermissions } from "./sandbox-choice.js";

/**
 * What `request_permissions` granted, per thread: session grants last as long as the thread,
 * turn grants only for the turn that asked. The orchestrator widens each command's sandbox
 * profile with them (`withGrants`), `permissions/explain` shows them.
 */
export class PermissionGrants {
  private readonly session = new Map<string, RequestedPermissions[]>();
  private readonly turn = new Map<string, { turnId: string; grants: RequestedPermissions[] }>();

  add(threadId: string, turnId: string, scope: "turn" | "session", granted: RequestedPermissions): void {
    if (scope === "session") {
      this.session.set(threadId, [...(this.session.get(threadId) ?? []), granted]);
      return;
    }
    const current = this.turn.get(threadId);
    const kept = current && current.turnId === turnId ? current.grants : [];
    this.turn.set(threadId, { turnId, grants: [...kept, granted] });
  }

  /** The grants in force for a command of `turnId` (null: no turn runs, session grants only). */
  inForce(threadId: string, turnId: string | null): RequestedPermissions[] {
    const turn = this.turn.get(threadId);
    return [...(this.session.get(threadId) ?? []), ...(turn && turn.turnId === turnId ? turn.grants : [])];
  }

  endSession(threadId: string): void {
    this.session.delete(threadId);
    this.turn.delete(threadId);
  }
}

/** What a write grant is checked against: the turn's own profile, its cwd and `$KEEL_HOME`. */
export interface GrantGuard {
  fs: FileSystemSandboxPolicy;
  cwd: string;
  keelHome?: string | undefined;
}

/** A granted write path keel does not honour, and why (told to the model). */
export interface RefusedWrite {
  path: string;
  reason: string;
}

/**
 * A profile widened by grants: granted paths become explicit read / write entries of a
 * restricted filesystem policy (its carve-outs such as `.git` still apply), a network grant
 * enables the network. Unrestricted policies are left as they are. Write grants that would
 * loosen a protection (`refusedWrite`) are checked again here, per command: a symlink planted
 * after the grant must not turn it into a write into `.git`.
 */
export function withGrants(
  profile: RuntimePermissions,
  grants: readonly RequestedPermissions[],
  keelHome?: string,
  cwd?: string,
): RuntimePermissions {
  if (grants.length === 0) return profile;
  const guard: GrantGuard = { fs: profile.fs, cwd: cwd ?? "/", keelHome };
  const entries: FileSystemSandboxEntry[] = grants.flatMap((g) => [
    ...(g.file_system?.read ?? []).map(
      (p): FileSystemSandboxEntry => ({ path: { type: "path", path: p }, access: "read" }),
    ),
    ...(g.file_system?.write ?? [])
      .filter((p) => refusedWrite(p, guard) === null)
      .map((p): FileSystemSandboxEntry => ({ path: { type: "path", path: p }, access: "write" })),
  ]);
  const network = grants.some((g) => g.network?.enabled === true);
  const fs =
    profile.fs.kind === "restricted" && entries.length > 0
      ? { ...profile.fs, entries: [...profile.fs.entries, ...entries] }
      : profile.fs;
  return { fs, net: network ? "enabled" : profile.net };
}

/**
 * The part of a grant keel enforces, and the write paths it drops: the model must read exactly
 * what is in force.
 */
export function enforceableGrant(
  granted: RequestedPermissions,
  guard: GrantGuard,
): { kept: RequestedPermissions; refused: RefusedWrite[] } {
  const refused: RefusedWrite[] = [];
  const write = (granted.file_system?.write ?? []).filter((p) => {
    const reason = refusedWrite(p, guard);
    if (reason !== null) refused.push({ path: p, reason });
    return reason === null;
  });
  if (refused.length === 0) return { kept: granted, refused };
  const read = granted.file_system?.read ?? null;
  const kept: RequestedPermissions = {
    network: granted.network,
    file_system: read || write.length > 0 ? { read, write: write.length > 0 ? write : null } : null,
  };
  return { kept, refused };
}

/**
 * Why a granted write path would loosen a protection, or null when it does not. An explicit write
 * entry is the most specific one for its own path, so naming a protected folder (or a path in
 * one) would make it writable: `$KEEL_HOME` (a rules file there lets a command leave the
 * sandbox), any `.git`, `.keel`, `.codex` or `.agents` folder, and the protected paths (a worktree's
 * `gitdir:` target) of the cwd and of every writable root. Checked for the path as named and with
 * its symlinks resolved; `..` is already gone (paths are made absolute lexically).
 */
export function refusedWrite(granted: string, guard: GrantGuard): string | null {
  const lexical = path.resolve(granted);
  const spellings = [...new Set([lexical, normalizeExistingAncestors(lexical)])];
  if (guard.keelHome !== undefined) {
    const home = path.resolve(guard.keelHome);
    const homes = new Set([home, canonicalIfExists(home) ?? home]);
    if (spellings.some((p) => [...homes].some((h) => isPathPrefix(h, p))))
      return "it is inside KEEL_HOME, which commands may not change";
  }
  for (const p of spellings) {
    const name = p.split("/").find((part) => PROTECTED_FOLDERS.has(part));
    if (name !== undefined) return `it is inside a ${name} folder, which stays read-only`;
  }
  const roots = new Set([guard.cwd, ...writableRoots(guard)]);
  for (const root of roots) {
    const hit = protectedSubpaths(root).find((sub) => spellings.some((p) => isPathPrefix(sub, p)));
    if (hit !== undefined) return `it is inside the protected path ${hit}, which stays read-only`;
  }
  return null;
}

const PROTECTED_FOLDERS = new Set([".git", ...PROTECTED_NAMES]);

function writableRoots(guard: GrantGuard): string[] {
  if (guard.fs.kind !== "restricted") return [];
  return writableRootsWithCwd(guard.fs, guard.cwd).map((r) => r.root);
}
