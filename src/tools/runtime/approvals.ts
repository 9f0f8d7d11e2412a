import type { ApprovalCache } from "../../session/tool-router.js";

/**
 * "Approved for the session" memory. The session's ApprovalCache is the source of truth (it lives
 * as long as the thread); this module owns the key format — the documented match rule — and keeps
 * a per-thread list so front ends can show what was granted.
 *
 * Match rule:
 * - a command approval matches a later call with the **exact same argv and working directory**;
 *   an approval to run it *outside the sandbox* also covers running it inside;
 * - a patch approval is recorded **per absolute path**; a later patch skips the prompt only when
 *   every path that needs approval was approved before.
 * Configured denies (deny-read entries, protected paths such as `.git`, requirements) are checked
 * before the cache is consulted, so a remembered approval never overrides them.
 */
export type SessionApproval =
  | { kind: "command"; argv: readonly string[]; cwd: string; unsandboxed: boolean }
  | { kind: "patch_path"; path: string };

export function sessionApprovalKey(approval: SessionApproval): string {
  if (approval.kind === "patch_path") return `patch\u0000${approval.path}`;
  const kind = approval.unsandboxed ? "exec-unsandboxed" : "exec";
  return `${kind}\u0000${approval.cwd}\u0000${JSON.stringify(approval.argv)}`;
}

export class SessionApprovals {
  private readonly byThread = new Map<string, Map<string, SessionApproval>>();

  /** Whether `approval` (or a broader one covering it) was granted for the session. */
  covers(cache: ApprovalCache, approval: SessionApproval): boolean {
    if (cache.has(sessionApprovalKey(approval))) return true;
    return approval.kind === "command" && !approval.unsandboxed
      ? cache.has(sessionApprovalKey({ ...approval, unsandboxed: true }))
      : false;
  }

  remember(threadId: string, cache: ApprovalCache, approval: SessionApproval): void {
    const key = sessionApprovalKey(approval);
    cache.add(key);
    let list = this.byThread.get(threadId);
    if (!list) {
      list = new Map();
      this.byThread.set(threadId, list);
    }
    list.set(key, approval);
  }

  /** Drops a revoked approval from the list (the session's cache forgets its key itself). */
  forget(threadId: string, key: string): boolean {
    return this.byThread.get(threadId)?.delete(key) ?? false;
  }

  /** Approvals granted for the session of `threadId`, in the order they were given. */
  list(threadId: string): SessionApproval[] {
    return [...(this.byThread.get(threadId)?.values() ?? [])];
  }
}
