import { isDeepStrictEqual } from "node:util";
import type {
  ApprovalsReviewer,
  AskForApproval,
  SandboxPolicy,
  SandboxPolicyType,
} from "../protocol/permissions.js";
import { Constrained, ConstraintError, type RequirementSource } from "./constraint.js";
import { debugAskForApproval, debugSandboxModeOf } from "./debug.js";
import { newReadOnly } from "./legacy-sandbox.js";

/**
 * Builds the session constraints from requirement allow-lists (spec §7.4). The config module
 * parses requirements.toml; these functions only turn lists into `Constrained` values.
 */

/** First entry is the default; an empty list is an EmptyField error. */
export function constrainApprovalPolicy(
  allowed: readonly AskForApproval[],
  source: RequirementSource,
): Constrained<AskForApproval> | ConstraintError {
  const first = allowed[0];
  if (first === undefined) return ConstraintError.emptyField("allowed_approval_policies");
  const allowedText = `[${allowed.map(debugAskForApproval).join(", ")}]`;
  return Constrained.withValidator<AskForApproval>(first, (candidate) =>
    allowed.some((a) => isDeepStrictEqual(a, candidate))
      ? null
      : ConstraintError.invalidValue({
          fieldName: "approval_policy",
          candidate: debugAskForApproval(candidate),
          allowed: allowedText,
          requirementSource: source,
        }),
  );
}

export function constrainApprovalsReviewer(
  allowed: readonly ApprovalsReviewer[],
  source: RequirementSource,
): Constrained<ApprovalsReviewer> | ConstraintError {
  const first = allowed[0];
  if (first === undefined) return ConstraintError.emptyField("allowed_approvals_reviewers");
  const render = (r: ApprovalsReviewer) =>
    r === "user" ? "User" : r === "auto_review" ? "AutoReview" : "GuardianSubagent";
  return Constrained.withValidator<ApprovalsReviewer>(first, (candidate) =>
    allowed.includes(candidate)
      ? null
      : ConstraintError.invalidValue({
          fieldName: "approvals_reviewer",
          candidate: render(candidate),
          allowed: `[${allowed.map(render).join(", ")}]`,
          requirementSource: source,
        }),
  );
}

/**
 * Initial value read-only; the list must contain `read-only`. Candidates are checked by mode
 * only (a WorkspaceWrite with any roots is allowed when `workspace-write` is).
 */
export function constrainSandboxPolicy(
  allowedModes: readonly SandboxPolicyType[],
  source: RequirementSource,
): Constrained<SandboxPolicy> | ConstraintError {
  const allowedText = `[${allowedModes.map(debugSandboxModeOf).join(", ")}]`;
  if (!allowedModes.includes("read-only")) {
    return ConstraintError.invalidValue({
      fieldName: "allowed_sandbox_modes",
      candidate: allowedText,
      allowed: "must include 'read-only' to allow any SandboxPolicy",
      requirementSource: source,
    });
  }
  return Constrained.withValidator<SandboxPolicy>(newReadOnly(), (candidate) =>
    allowedModes.includes(candidate.type)
      ? null
      : ConstraintError.invalidValue({
          fieldName: "sandbox_mode",
          candidate: debugSandboxModeOf(candidate),
          allowed: allowedText,
          requirementSource: source,
        }),
  );
}
