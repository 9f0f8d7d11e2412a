import type { CommandExecutionApprovalDecision, SandboxPolicyV2, ServerRequest } from "./protocol.js";

// Shared with `keel permissions explain`; a Node-free module, so the page can bundle it.
export { describeFileSystemPath as describePath } from "../../src/permissions/path-description.js";

/** One button of an approval: its test id key, its label and the exact answer it sends. */
export interface Decision {
  key: string;
  label: string;
  result: unknown;
  primary?: boolean;
  danger?: boolean;
  hint?: string;
}

/** What Codex offers when a command request carries no `availableDecisions`. */
function defaultCommandDecisions(
  params: Extract<ServerRequest, { method: "item/commandExecution/requestApproval" }>["params"],
): CommandExecutionApprovalDecision[] {
  const decisions: CommandExecutionApprovalDecision[] = ["accept", "acceptForSession"];
  if (params.proposedExecpolicyAmendment != null)
    decisions.push({
      acceptWithExecpolicyAmendment: { execpolicy_amendment: params.proposedExecpolicyAmendment },
    });
  for (const amendment of params.proposedNetworkPolicyAmendments ?? [])
    decisions.push({ applyNetworkPolicyAmendment: { network_policy_amendment: amendment } });
  decisions.push("decline", "cancel");
  return decisions;
}

export function commandDecision(decision: CommandExecutionApprovalDecision): Decision {
  const result = { decision };
  if (typeof decision === "string") {
    switch (decision) {
      case "accept":
        return { key: decision, label: "Run once", result, primary: true };
      case "acceptForSession":
        return {
          key: decision,
          label: "Always this session",
          result,
          hint: "Approve this command for the rest of the session",
        };
      case "decline":
        return { key: decision, label: "Decline", result, hint: "Do not run it; the agent continues" };
      case "cancel":
        return {
          key: decision,
          label: "Cancel turn",
          result,
          danger: true,
          hint: "Do not run it and stop the turn",
        };
    }
  }
  if ("acceptWithExecpolicyAmendment" in decision) {
    const prefix = decision.acceptWithExecpolicyAmendment.execpolicy_amendment.join(" ");
    return {
      key: "acceptWithExecpolicyAmendment",
      label: `Always allow “${prefix}”`,
      result,
      hint: "Run it and save a prefix rule to the exec policy",
    };
  }
  const { host, action } = decision.applyNetworkPolicyAmendment.network_policy_amendment;
  return {
    key: "applyNetworkPolicyAmendment",
    label: `${action === "allow" ? "Always allow" : "Always deny"} ${host}`,
    result,
    danger: action === "deny",
  };
}

function coerce(schema: unknown, form: Record<string, string>): Record<string, unknown> {
  const properties = (schema as { properties?: Record<string, { type?: string }> } | null)?.properties ?? {};
  const content: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(form)) {
    if (value === "") continue;
    const type = properties[name]?.type;
    content[name] =
      type === "number" || type === "integer" ? Number(value) : type === "boolean" ? value === "true" : value;
  }
  return content;
}

/** Every decision the request offers, in the order the server gave them. */
export function decisionsFor(request: ServerRequest, form: Record<string, string>): Decision[] {
  switch (request.method) {
    case "item/commandExecution/requestApproval":
      return (request.params.availableDecisions ?? defaultCommandDecisions(request.params)).map(
        commandDecision,
      );
    case "item/fileChange/requestApproval":
      return [
        { key: "accept", label: "Apply", result: { decision: "accept" }, primary: true },
        {
          key: "acceptForSession",
          label: "Apply, and allow edits this session",
          result: { decision: "acceptForSession" },
        },
        { key: "decline", label: "Decline", result: { decision: "decline" } },
        { key: "cancel", label: "Cancel turn", result: { decision: "cancel" }, danger: true },
      ];
    case "item/permissions/requestApproval": {
      const permissions = request.params.permissions;
      return [
        {
          key: "accept",
          label: "Grant for this turn",
          result: { permissions, scope: "turn" },
          primary: true,
        },
        {
          key: "acceptForSession",
          label: "Grant for the session",
          result: { permissions, scope: "session" },
        },
        { key: "decline", label: "Deny", result: { permissions: {}, scope: "turn" } },
      ];
    }
    case "mcpServer/elicitation/request": {
      const content = request.params.mode === "form" ? coerce(request.params.requestedSchema, form) : null;
      return [
        { key: "accept", label: "Accept", result: { action: "accept", content }, primary: true },
        { key: "decline", label: "Decline", result: { action: "decline", content: null } },
        { key: "cancel", label: "Cancel", result: { action: "cancel", content: null }, danger: true },
      ];
    }
    case "item/tool/requestUserInput": {
      const answers: Record<string, { answers: string[] }> = {};
      for (const q of request.params.questions) answers[q.id] = { answers: form[q.id] ? [form[q.id]!] : [] };
      return [{ key: "accept", label: "Answer", result: { answers }, primary: true }];
    }
    case "item/tool/call":
      return [];
  }
}

/** A one-line description of the sandbox a thread runs in. */
export function describeSandbox(policy: SandboxPolicyV2): string {
  switch (policy.type) {
    case "dangerFullAccess":
      return "none (full access)";
    case "externalSandbox":
      return `external, network ${policy.networkAccess}`;
    case "readOnly":
      return `read-only, network ${policy.networkAccess ? "on" : "off"}`;
    case "workspaceWrite": {
      const roots = policy.writableRoots.length > 0 ? ` + ${policy.writableRoots.join(", ")}` : "";
      return `workspace-write${roots}, network ${policy.networkAccess ? "on" : "off"}`;
    }
  }
}

/**
 * The href for a URL an MCP server asks the user to open, or null when it is not http(s): a
 * javascript:, data: or file: link from a server must not become something one click runs.
 */
export function httpHref(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}
