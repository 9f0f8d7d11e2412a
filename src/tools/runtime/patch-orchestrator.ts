import fs from "node:fs/promises";
import path from "node:path";
import { normalizeExistingAncestors, type PermissionEnv, resolvePrompt } from "../../permissions/index.js";
import type { FileChanges } from "../../protocol/events.js";
import type { ToolContext } from "../../session/tool-router.js";
import { type AppliedPatch, applyPlan, type PatchWriter } from "../patch-apply.js";
import type { ParsedPatch } from "../patch-parser.js";
import { type PatchPlan, planPatch, touchedPaths } from "../patch-plan.js";
import type { SessionApprovals } from "./approvals.js";
import { writeWithoutFollowing } from "./no-follow-write.js";
import { WriteAccess, type WriteVerdict } from "./path-access.js";

/**
 * apply_patch through the same gate as commands: every touched path is checked against the
 * turn's permission profile before anything is read or written; configured denies refuse the
 * patch outright; writes outside the writable set or into a protected folder need approval
 * (refused under `never`); `untrusted` asks for every patch. Writes happen in-process, each path checked again.
 */

export const PATCH_REJECTED_BY_USER = "patch rejected by user";

export interface PatchOutcome {
  /**
   * "refused": the patch does not apply, or checks or the policy said no, nothing was touched;
   * "declined": the user said no. Only "completed" and "failed" are reported as a command's result.
   */
  status: "completed" | "failed" | "declined" | "refused";
  /** Text for the model. */
  message: string;
  applied: AppliedPatch | null;
}

export interface PatchDeps {
  approvals: SessionApprovals;
  /** `$TMPDIR` for policies that name it. */
  permissionEnv?: PermissionEnv;
}

export function fileChangesOf(plan: PatchPlan): FileChanges {
  const changes: FileChanges = {};
  for (const c of plan.changes) {
    if (c.kind === "add") changes[c.path] = { type: "add", content: c.newContent };
    else if (c.kind === "delete") changes[c.path] = { type: "delete", content: c.oldContent };
    else changes[c.path] = { type: "update", unified_diff: c.diff, move_path: c.movePath };
  }
  return changes;
}

class RefusedWrite extends Error {}

export async function applyPatch(
  callId: string,
  parsed: ParsedPatch,
  cwd: string,
  ctx: ToolContext,
  deps: PatchDeps,
): Promise<PatchOutcome> {
  const policy = ctx.config.approvalPolicy.value;
  const access = new WriteAccess(ctx.config.fileSystemSandboxPolicy, ctx.cwd, deps.permissionEnv);
  const paths = [...new Set(touchedPaths(parsed, cwd).map((t) => t.path))];
  const verdicts = new Map<string, WriteVerdict>(paths.map((p) => [p, access.check(p)]));

  const refused = (message: string): PatchOutcome => ({ status: "refused", message, applied: null });
  for (const verdict of verdicts.values()) {
    if (verdict.kind === "denied") return refused(`patch rejected: ${verdict.reason}`);
  }

  let plan: PatchPlan;
  try {
    plan = await planPatch(parsed, cwd, { readFile: (p) => fs.readFile(p, "utf8") });
  } catch (error) {
    // Codex checks the patch against the files before it runs anything: the text goes back as is.
    return refused(`apply_patch verification failed: ${(error as Error).message}`);
  }
  const changes = fileChangesOf(plan);

  // Paths the user has to allow: outside the writable set, or all of them under `untrusted`.
  const needApproval = paths.filter(
    (p) => policy === "untrusted" || verdicts.get(p)?.kind === "needs_approval",
  );
  let autoApproved = true;
  if (needApproval.length > 0) {
    const outside = needApproval.filter((p) => verdicts.get(p)?.kind === "needs_approval");
    const reasons = outside.map((p) => (verdicts.get(p) as { reason: string }).reason).join("; ");
    const prompt =
      policy === "untrusted" ? { decision: "prompt" as const } : resolvePrompt(policy, "sandbox");
    if (prompt.decision === "forbidden") {
      return refused(`patch rejected: ${reasons}; writing there needs approval, but ${prompt.reason}`);
    }
    const cached = needApproval.every((p) =>
      deps.approvals.covers(ctx.approvalCache, { kind: "patch_path", path: p }),
    );
    if (!cached) {
      const response = await ctx.requestApproval({
        kind: "patch",
        callId,
        changes,
        reason: outside.length > 0 ? reasons : null,
      });
      const decision = response.decision;
      if (decision !== "approved" && decision !== "approved_for_session" && typeof decision !== "object") {
        return { status: "declined", message: PATCH_REJECTED_BY_USER, applied: null };
      }
      if (decision === "approved_for_session") {
        for (const p of needApproval)
          deps.approvals.remember(ctx.threadId, ctx.approvalCache, { kind: "patch_path", path: p });
      }
      autoApproved = false;
    }
  }

  ctx.emit({
    type: "patch_apply_begin",
    call_id: callId,
    turn_id: ctx.turnId,
    auto_approved: autoApproved,
    changes,
  });
  await ctx.diffTracker.track(
    plan.changes.flatMap((c) => (c.kind === "update" && c.movePath ? [c.path, c.movePath] : [c.path])),
  );
  // Checked again at write time: a path may have become a symlink since the first check. Only
  // paths the user approved may need approval now. Returns the spelling with every symlink
  // resolved (dangling ones included), which is the one the write then goes to.
  const guard = (p: string): string => {
    const target = normalizeExistingAncestors(p);
    const verdict = access.check(p, target);
    if (verdict.kind === "denied") throw new RefusedWrite(verdict.reason);
    if (verdict.kind === "needs_approval" && verdicts.get(p)?.kind !== "needs_approval")
      throw new RefusedWrite(verdict.reason);
    return target;
  };
  const writer: PatchWriter = {
    async writeFile(p, content) {
      const target = guard(p);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await writeWithoutFollowing(target, content);
    },
    async removeFile(p) {
      guard(p);
      // rm never follows a final symlink: it removes the link itself, in its resolved folder.
      await fs.rm(path.join(normalizeExistingAncestors(path.dirname(p)), path.basename(p)));
    },
  };
  let applied: AppliedPatch | null = null;
  let error: string | null = null;
  try {
    applied = await applyPlan(plan, writer);
  } catch (e) {
    error = (e as Error).message;
  }
  ctx.emit({
    type: "patch_apply_end",
    call_id: callId,
    turn_id: ctx.turnId,
    success: applied !== null,
    changes,
    status: applied !== null ? "completed" : "failed",
    stdout: applied?.summary ?? "",
    stderr: error ?? "",
  });
  const diff = await ctx.diffTracker.unifiedDiff();
  if (diff !== null) ctx.emit({ type: "turn_diff", unified_diff: diff });
  if (applied === null) return { status: "failed", message: error ?? "apply_patch failed", applied: null };
  return { status: "completed", message: applied.summary, applied };
}
