import type {
  AskForApproval,
  FileSystemPath,
  FileSystemSandboxEntry,
  FileSystemSpecialPath,
  PermissionProfile,
  SandboxPolicy,
} from "../protocol/permissions.js";

/**
 * Rust-`Debug`-style renderings used inside ConstraintError messages (`[OnRequest, Never]`,
 * `WorkspaceWrite`, `PermissionProfile { … }`), so error texts read like Codex's.
 */

const pascal = (s: string) =>
  s
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");

const option = <T>(value: T | null | undefined, render: (v: T) => string) =>
  value === null || value === undefined ? "None" : `Some(${render(value)})`;

const str = (s: string) => JSON.stringify(s);

export function debugAskForApproval(policy: AskForApproval): string {
  if (typeof policy === "string") return policy === "untrusted" ? "UnlessTrusted" : pascal(policy);
  const g = policy.granular;
  return `Granular(GranularApprovalConfig { sandbox_approval: ${g.sandbox_approval}, rules: ${g.rules}, skill_approval: ${g.skill_approval}, request_permissions: ${g.request_permissions}, mcp_elicitations: ${g.mcp_elicitations} })`;
}

/** The mode name of a policy (`ReadOnly`, `WorkspaceWrite`, `DangerFullAccess`, `ExternalSandbox`). */
export function debugSandboxModeOf(policy: SandboxPolicy | SandboxPolicy["type"]): string {
  return pascal(typeof policy === "string" ? policy : policy.type);
}

function debugSpecial(special: FileSystemSpecialPath): string {
  const name = pascal(special.kind);
  switch (special.kind) {
    case "project_roots":
      return `${name} { subpath: ${option(special.subpath, (s) => `${str(s)}`)} }`;
    case "unknown":
      return `${name} { path: ${str(special.path)}, subpath: ${option(special.subpath, str)} }`;
    default:
      return name;
  }
}

function debugPath(path: FileSystemPath): string {
  switch (path.type) {
    case "path":
      return `Path { path: AbsolutePathBuf(${str(path.path)}) }`;
    case "glob_pattern":
      return `GlobPattern { pattern: ${str(path.pattern)} }`;
    case "special":
      return `Special { value: ${debugSpecial(path.value)} }`;
  }
}

export function debugEntry(entry: FileSystemSandboxEntry): string {
  return `FileSystemSandboxEntry { path: ${debugPath(entry.path)}, access: ${pascal(entry.access)} }`;
}

export function debugPermissionProfile(profile: PermissionProfile): string {
  const network = option(
    profile.network,
    (n) => `NetworkPermissions { enabled: ${option(n.enabled, String)} }`,
  );
  const fileSystem = option(
    profile.file_system,
    (fs) =>
      `FileSystemPermissions { entries: [${fs.entries.map(debugEntry).join(", ")}], glob_scan_max_depth: ${option(fs.glob_scan_max_depth, String)} }`,
  );
  return `PermissionProfile { network: ${network}, file_system: ${fileSystem} }`;
}

/** Fallback for generic values. */
export function debugValue(value: unknown): string {
  return typeof value === "string" ? str(value) : (JSON.stringify(value) ?? String(value));
}

/** A legacy policy as Codex prints it in the requirements fallback warning. */
export function debugSandboxPolicy(policy: SandboxPolicy): string {
  const access = (a: { type: string; include_platform_defaults?: boolean; readable_roots?: string[] }) =>
    a.type === "full-access"
      ? "FullAccess"
      : `Restricted { include_platform_defaults: ${a.include_platform_defaults}, readable_roots: ${JSON.stringify(a.readable_roots)} }`;
  switch (policy.type) {
    case "danger-full-access":
      return "DangerFullAccess";
    case "read-only":
      return `ReadOnly { access: ${access(policy.access)}, network_access: ${policy.network_access} }`;
    case "external-sandbox":
      return `ExternalSandbox { network_access: ${policy.network_access === "enabled" ? "Enabled" : "Restricted"} }`;
    case "workspace-write":
      return `WorkspaceWrite { writable_roots: ${JSON.stringify(policy.writable_roots)}, read_only_access: ${access(policy.read_only_access)}, network_access: ${policy.network_access}, exclude_tmpdir_env_var: ${policy.exclude_tmpdir_env_var}, exclude_slash_tmp: ${policy.exclude_slash_tmp} }`;
  }
}
