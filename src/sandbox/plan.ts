/**
 * SandboxPlan: the platform-neutral description of what one command may do, compiled from the
 * permission model (see compile-plan.ts) and turned into a bwrap invocation (Linux) or a
 * Seatbelt profile (macOS). Plain JSON, so `keel sandbox --explain` can print it.
 */

export interface WritableRootPlan {
  /** Absolute path, symlinks resolved. */
  root: string;
  /**
   * Paths inside the root that stay read-only: protected metadata (`.git`, `.agents`, `.codex`,
   * existing or missing) and non-writable entries of the policy. A path listed here may not exist.
   */
  readOnlySubpaths: string[];
}

export type ReadPlan =
  | { kind: "full" }
  | {
      kind: "restricted";
      /** Readable roots (writable roots are readable too and need not be repeated). */
      roots: string[];
      /** Add the platform's system locations (libraries, binaries, `/etc`). */
      includePlatformDefaults: boolean;
    };

export type WritePlan = { kind: "full" } | { kind: "roots"; roots: WritableRootPlan[] };

export interface DenyReadPlan {
  /** Exact paths (files or directories, existing or not) that must not be read. */
  paths: string[];
  /**
   * Paths strictly inside a denied path that a more specific entry makes readable again (full
   * reads only; restricted reads list them as readable roots). Deny globs still apply inside.
   */
  readableInside: string[];
  /** Absolute glob patterns (permissions.md §2.6 dialect). */
  globs: string[];
  /** How deep Linux scans below a glob's literal prefix; null = unbounded. */
  globScanMaxDepth: number | null;
}

export interface SandboxPlan {
  cwd: string;
  read: ReadPlan;
  write: WritePlan;
  denyRead: DenyReadPlan;
  network: "restricted" | "enabled";
  /**
   * Host IPC endpoints (sockets or their directories) hidden from the command even though reads
   * are otherwise allowed: with the network enabled there is no seccomp `connect` block, and a
   * reachable Docker or user-bus socket would be a way out of the sandbox (sandbox-linux.md §4.2).
   */
  hiddenHostSockets: string[];
}

/** The only case that runs without any sandbox: every path writable and the network on. */
export function isUnrestrictedPlan(plan: SandboxPlan): boolean {
  return (
    plan.read.kind === "full" &&
    plan.write.kind === "full" &&
    plan.network === "enabled" &&
    plan.denyRead.paths.length === 0 &&
    plan.denyRead.globs.length === 0
  );
}

export function writableRoots(plan: SandboxPlan): WritableRootPlan[] {
  return plan.write.kind === "roots" ? plan.write.roots : [];
}
