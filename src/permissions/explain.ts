import type { FileSystemSandboxPolicy } from "../protocol/permissions.js";
import type { PermissionEnv } from "./env.js";
import { type AccessDecision, resolveAccessDetailed } from "./fs-policy.js";
import { describeFileSystemPath } from "./path-description.js";

export { describeFileSystemPath };

/** Human-readable rendering of an access decision, for `keel permissions explain`. */

export function formatAccessDecision(policy: FileSystemSandboxPolicy, decision: AccessDecision): string {
  if (decision.entry === null) {
    return policy.kind === "restricted"
      ? `${decision.access} (no entry matches; restricted policies deny by default)`
      : `${decision.access} (${policy.kind} file system policy)`;
  }
  const where = describeFileSystemPath(decision.entry.path);
  const resolved =
    decision.resolvedPath !== null && decision.resolvedPath !== where ? ` → ${decision.resolvedPath}` : "";
  return `${decision.access} (entry ${where}${resolved} = ${decision.entry.access})`;
}

export function explainAccess(
  policy: FileSystemSandboxPolicy,
  path: string,
  cwd: string,
  env: PermissionEnv = {},
): string {
  return formatAccessDecision(policy, resolveAccessDetailed(policy, path, cwd, env));
}
