import {
  createReadDenyMatcher,
  hasFullDiskWrite,
  isPathPrefix,
  isWritableUnderRoots,
  normalizeExistingAncestors,
  type PermissionEnv,
  protectedNameUnder,
  protectedSubpaths,
  type ReadDenyMatcher,
  writableRootsWithCwd,
} from "../../permissions/index.js";
import type { FileSystemSandboxPolicy } from "../../protocol/permissions.js";

/**
 * Where an in-process write (apply_patch) may go under the turn's file-system policy — the same
 * predicates the sandbox is compiled from, so a patch and a command agree on every path.
 */
export type WriteVerdict =
  | { kind: "writable" }
  /**
   * Outside the writable set, or inside a protected folder (`.git` at a writable root; `.keel`,
   * `.codex`, `.agents` anywhere): allowed only with approval, refused under `never`.
   */
  | { kind: "needs_approval"; reason: string }
  /** A configured deny: refused whatever the approval policy or cache says. */
  | { kind: "denied"; reason: string };

export class WriteAccess {
  private readonly denyMatcher: ReadDenyMatcher | null;
  private readonly roots: ReturnType<typeof writableRootsWithCwd>;
  private readonly fullWrite: boolean;

  constructor(
    private readonly policy: FileSystemSandboxPolicy,
    private readonly cwd: string,
    env: PermissionEnv = {},
  ) {
    this.fullWrite = hasFullDiskWrite(policy);
    this.denyMatcher = createReadDenyMatcher(policy, cwd, env);
    this.roots = this.fullWrite ? [] : writableRootsWithCwd(policy, cwd, env);
  }

  /** `resolved`: `absPath` with its symlinks resolved, when the caller needs that exact spelling. */
  check(absPath: string, resolved = normalizeExistingAncestors(absPath)): WriteVerdict {
    if (this.policy.kind !== "restricted") return { kind: "writable" };
    // The lexical spelling and the one with symlinks resolved must both pass.
    const spellings = [...new Set([absPath, resolved])];
    for (const p of spellings) {
      if (this.denyMatcher?.isReadDenied(p)) {
        return { kind: "denied", reason: `${absPath} is denied by the permission profile` };
      }
    }
    if (this.fullWrite) return { kind: "writable" };
    if (spellings.every((p) => isWritableUnderRoots(this.roots, p))) return { kind: "writable" };
    const guard = spellings.map((p) => this.protectingPath(p)).find((g) => g !== null);
    if (guard) {
      return { kind: "needs_approval", reason: `${absPath} is inside the protected path ${guard}` };
    }
    return { kind: "needs_approval", reason: `${absPath} is outside the writable roots of the sandbox` };
  }

  /** The protected path covering `p` (the cwd counts as a root even when not writable). */
  private protectingPath(p: string): string | null {
    for (const root of new Set([this.cwd, ...this.roots.map((r) => r.root)])) {
      const hit = protectedSubpaths(root).find((sub) => isPathPrefix(sub, p)) ?? protectedNameUnder(root, p);
      if (hit) return hit;
    }
    return null;
  }
}
