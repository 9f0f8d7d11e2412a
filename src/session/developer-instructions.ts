import type { AskForApproval, FileSystemSandboxPolicy, SandboxPolicy } from "../protocol/permissions.js";

/**
 * The developer message describing the effective permissions: sandbox, network, protected
 * paths and what the approval policy lets the model do. Written in keel's own words.
 */
export interface PermissionsDescriptionInput {
  sandboxPolicy: SandboxPolicy;
  fileSystem: FileSystemSandboxPolicy;
  networkEnabled: boolean;
  approvalPolicy: AskForApproval;
  cwd: string;
  /** Exec-policy allow rules, already rendered (`renderApprovedPrefixes`); null: none. */
  approvedPrefixes?: string | null;
  /** `features.request_permissions_tool`: the model may call `request_permissions`. */
  requestPermissionsTool?: boolean;
}

export function permissionsInstructions(input: PermissionsDescriptionInput): string {
  const parts = [
    "<permissions_instructions>",
    sandboxText(input),
    approvalText(input.approvalPolicy),
    ...approvalExtras(input),
  ];
  const denied = deniedReads(input.fileSystem);
  if (denied.length > 0) {
    parts.push(
      `These paths are off limits even for reading; do not try to access them:\n${denied.map((d) => `- ${d}`).join("\n")}`,
    );
  }
  parts.push("</permissions_instructions>");
  return parts.join("\n\n");
}

function sandboxText({ sandboxPolicy: p, networkEnabled, cwd }: PermissionsDescriptionInput): string {
  const network = networkEnabled
    ? "Network access is enabled."
    : "Network access is restricted: commands cannot reach the network without approval.";
  switch (p.type) {
    case "danger-full-access":
      return `Sandbox: none. Commands run with the user's full permissions, so be deliberate. ${network}`;
    case "external-sandbox":
      return `Sandbox: provided outside keel; treat the environment as already isolated. ${network}`;
    case "read-only":
      return `Sandbox: read-only. You can read files, but commands cannot write anywhere. ${network}`;
    case "workspace-write": {
      const roots = [cwd, ...p.writable_roots.filter((r) => r !== cwd)];
      return [
        "Sandbox: workspace-write. Commands can read everything and write only inside these roots:",
        ...roots.map((r) => `- ${r}`),
        "Metadata folders such as `.git` and `.keel` inside them stay read-only.",
        network,
      ].join("\n");
    }
    default:
      return network;
  }
}

function approvalText(policy: AskForApproval): string {
  if (typeof policy !== "string") {
    return "Approvals: some kinds of approval requests are enabled and others are rejected automatically; when a request is rejected, continue without it.";
  }
  switch (policy) {
    case "never":
      return "Approvals: never. You cannot ask the user for anything; when the sandbox blocks a command, work within the limits or report the limitation.";
    case "on-failure":
      return "Approvals: on-failure. Commands run in the sandbox; if one fails because of the sandbox, the user is asked whether to rerun it without the sandbox.";
    case "untrusted":
      return "Approvals: untrusted. Only known-safe read-only commands run without asking; any other command is shown to the user for approval first.";
    default:
      return "Approvals: on-request. Commands run in the sandbox. When a command needs more access (for example writing outside the roots or network), request escalated permissions with a short justification and the user will decide.";
  }
}

/**
 * What Codex 0.169 adds after the approval text (captured): the request_permissions note where
 * such a request can reach the user, and the approved prefixes where the model may ask for
 * escalation (on-request, granular). Never gets neither.
 */
function approvalExtras(input: PermissionsDescriptionInput): string[] {
  const policy = input.approvalPolicy;
  if (policy === "never") return [];
  const extras: string[] = [];
  const canAsk = typeof policy === "string" || policy.granular.request_permissions;
  if (input.requestPermissionsTool && canAsk) {
    extras.push(
      "## request_permissions\nThe `request_permissions` tool is available: before commands need more access, use it to ask for the specific `file_system` paths or `network` access the task needs, and nothing more.",
    );
  }
  const escalates = policy === "on-request" || typeof policy !== "string";
  if (escalates && input.approvedPrefixes) {
    extras.push(
      `## Approved command prefixes\nCommands starting with these prefixes are already approved and run without asking:\n${input.approvedPrefixes}`,
    );
  }
  return extras;
}

function deniedReads(fs: FileSystemSandboxPolicy): string[] {
  return fs.entries.flatMap((e) => {
    if (e.access !== "none") return [];
    if (e.path.type === "path") return [e.path.path];
    if (e.path.type === "glob_pattern") return [e.path.pattern];
    return [];
  });
}
