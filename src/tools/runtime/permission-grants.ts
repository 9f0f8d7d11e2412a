import path from "node:path";
import { canonicalIfExists } from "../../permissions/abs-path.js";
import type { RequestedPermissions } from "../../protocol/events.js";
import type { FileSystemSandboxEntry } from "../../protocol/permissions.js";
import type { RuntimePermissions } from "./sandbox-choice.js";

/**
 * What `request_permissions` granted, per thread: session grants last as long as the thread,
 * turn grants only for the turn that asked. The orchestrator widens each command's sandbox
 * profile with them (`withGrants`); nothing else reads them.
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

  /** The grants in force for a command of `turnId`. */
  inForce(threadId: string, turnId: string): RequestedPermissions[] {
    const turn = this.turn.get(threadId);
    return [...(this.session.get(threadId) ?? []), ...(turn && turn.turnId === turnId ? turn.grants : [])];
  }

  endSession(threadId: string): void {
    this.session.delete(threadId);
    this.turn.delete(threadId);
  }
}

/**
 * A profile widened by grants: granted paths become explicit read / write entries of a
 * restricted filesystem policy (its carve-outs such as `.git` still apply), a network grant
 * enables the network. Unrestricted policies are left as they are.
 */
export function withGrants(
  profile: RuntimePermissions,
  grants: readonly RequestedPermissions[],
  keelHome?: string,
): RuntimePermissions {
  if (grants.length === 0) return profile;
  const entries: FileSystemSandboxEntry[] = grants.flatMap((g) => [
    ...(g.file_system?.read ?? []).map(
      (p): FileSystemSandboxEntry => ({ path: { type: "path", path: p }, access: "read" }),
    ),
    ...(g.file_system?.write ?? [])
      .filter((p) => keelHome === undefined || !insideKeelHome(p, keelHome))
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
 * Whether a granted write path is (or, through symlinks, lands in) `$KEEL_HOME`. The sandbox keeps
 * KEEL_HOME read-only only when a writable root contains it; a write grant of `$KEEL_HOME/rules`
 * would let a command save an allow rule and so leave the sandbox. Such grants are dropped.
 */
function insideKeelHome(granted: string, keelHome: string): boolean {
  const homes = new Set([path.resolve(keelHome), canonicalIfExists(keelHome) ?? path.resolve(keelHome)]);
  const target = canonicalIfExists(granted) ?? path.resolve(granted);
  return [...homes].some((home) => target === home || target.startsWith(`${home}/`));
}
