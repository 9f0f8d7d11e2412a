import type { AskForApproval, FileSystemSandboxKind, SandboxPermissions } from "../protocol/permissions.js";

/**
 * Approval decision for a command that no exec-policy rule matched (spec §8.3). The tool
 * orchestrator supplies the facts; this function only orders them.
 */

export interface CommandApprovalInput {
  readonly approvalPolicy: AskForApproval;
  /** Kind of the session's fs policy; unrestricted/external mean the sandbox is explicitly off. */
  readonly fsKind: FileSystemSandboxKind;
  readonly sandboxPermissions: SandboxPermissions;
  readonly knownSafe: boolean;
  readonly dangerous: boolean;
  /** Parsing needed heuristics (heredocs, substitutions…): known-safe is then not trusted. */
  readonly complexParse: boolean;
  /** Windows with a read-only, no-writable-root policy: the sandbox protects nothing. */
  readonly noSandboxProtection?: boolean;
  /** The prompt would come from an exec-policy `prompt` rule (granular `rules` flag applies). */
  readonly promptFromRule?: boolean;
}

export type CommandApprovalDecision =
  | { readonly decision: "allow" }
  | { readonly decision: "prompt" }
  | { readonly decision: "forbidden"; readonly reason: string };

export const NEVER_PROMPT_REASON = "approval required by policy, but AskForApproval is set to Never";
/** Codex 0.169's reason (captured); the model reads it as `` `<cmd>` rejected: <reason> ``. */
export const DANGEROUS_COMMAND_REASON = "rm -f style commands are not permitted. Use a safer approach";
export const GRANULAR_RULES_REASON =
  "approval required by policy rule, but AskForApproval::Granular rejects rule prompts";
export const GRANULAR_SANDBOX_REASON =
  "approval required by policy, but AskForApproval::Granular rejects sandbox approval prompts";

const ALLOW: CommandApprovalDecision = { decision: "allow" };
const PROMPT: CommandApprovalDecision = { decision: "prompt" };

function baseDecision(input: CommandApprovalInput): CommandApprovalDecision {
  const policy = input.approvalPolicy;
  const noProtection = input.noSandboxProtection === true;
  const sandboxDisabled = input.fsKind !== "restricted";
  if (input.knownSafe && !input.complexParse && (policy === "untrusted" || noProtection)) return ALLOW;
  if (input.dangerous || noProtection) {
    if (policy === "never") {
      return sandboxDisabled ? ALLOW : { decision: "forbidden", reason: DANGEROUS_COMMAND_REASON };
    }
    return PROMPT;
  }
  if (policy === "never" || policy === "on-failure") return ALLOW;
  if (policy === "untrusted") return PROMPT;
  // on-request / granular
  if (sandboxDisabled) return ALLOW;
  return input.sandboxPermissions === "use_default" ? ALLOW : PROMPT;
}

export function decideCommandApproval(input: CommandApprovalInput): CommandApprovalDecision {
  const decision = baseDecision(input);
  if (decision.decision !== "prompt") return decision;
  return resolvePrompt(input.approvalPolicy, input.promptFromRule === true ? "rule" : "sandbox");
}

/**
 * What a would-be prompt becomes under `policy`: never → rejected; granular with the relevant
 * flag off (`rules` for exec-policy prompt rules, else `sandbox_approval`) → rejected. Also used
 * by the orchestrator for prompts that come straight from an exec-policy rule.
 */
export function resolvePrompt(policy: AskForApproval, cause: "rule" | "sandbox"): CommandApprovalDecision {
  if (policy === "never") return { decision: "forbidden", reason: NEVER_PROMPT_REASON };
  if (typeof policy === "object") {
    if (cause === "rule" && !policy.granular.rules)
      return { decision: "forbidden", reason: GRANULAR_RULES_REASON };
    if (cause === "sandbox" && !policy.granular.sandbox_approval) {
      return { decision: "forbidden", reason: GRANULAR_SANDBOX_REASON };
    }
  }
  return PROMPT;
}
