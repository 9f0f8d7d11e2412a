import fs from "node:fs";
import path from "node:path";
import { isStrictlyInside } from "../permissions/abs-path.js";
import {
  hasFullDiskRead,
  hasFullDiskWrite,
  includePlatformDefaults,
  readableRootsWithCwd,
  unreadableGlobsWithCwd,
  unreadableRootsWithCwd,
  writableRootsWithCwd,
} from "../permissions/fs-predicates.js";
import type { PermissionEnv } from "../permissions/env.js";
import type { FileSystemSandboxPolicy, NetworkSandboxPolicy } from "../protocol/permissions.js";
import type { ReadPlan, SandboxPlan, WritePlan } from "./plan.js";

export interface PlanEnv extends PermissionEnv {
  /** uid whose runtime directory (`/run/user/<uid>`) holds the user's IPC sockets. */
  readonly uid?: number | undefined;
}

/**
 * Compiles the runtime permission pair into a SandboxPlan using the permission model's own
 * predicates (permissions.md §2.4–§2.6), so enforcement and approval agree on every path.
 * `external-sandbox` is treated like `unrestricted` for files: the outside sandbox enforces them.
 */
export function compileSandboxPlan(
  fsPolicy: FileSystemSandboxPolicy,
  net: NetworkSandboxPolicy,
  cwd: string,
  env: PlanEnv = {},
): SandboxPlan {
  const absCwd = path.resolve(env.processCwd ?? "/", cwd);
  const network = net === "enabled" ? "enabled" : "restricted";
  const depth = fsPolicy.glob_scan_max_depth;

  const deniedPaths = unreadableRootsWithCwd(fsPolicy, absCwd, env);
  let read: ReadPlan = { kind: "full" };
  let readableInside: string[] = [];
  if (!hasFullDiskRead(fsPolicy)) {
    const roots = readableRootsWithCwd(fsPolicy, absCwd, env);
    // A deny entry makes hasFullDiskRead false even under `root:read`; the denies are handled
    // separately, so a readable `/` still means full reads here — except for the more specific
    // readable entries inside a denied path, which must be shown again.
    if (!roots.includes("/")) {
      read = { kind: "restricted", roots, includePlatformDefaults: includePlatformDefaults(fsPolicy) };
    } else {
      readableInside = roots.filter((r) => deniedPaths.some((d) => isStrictlyInside(d, r)));
    }
  }

  const write: WritePlan = hasFullDiskWrite(fsPolicy)
    ? { kind: "full" }
    : {
        kind: "roots",
        roots: writableRootsWithCwd(fsPolicy, absCwd, env).map((r) => ({
          root: r.root,
          readOnlySubpaths: [...r.readOnlySubpaths],
        })),
      };

  const plan: SandboxPlan = {
    cwd: absCwd,
    read,
    write,
    denyRead: {
      paths: deniedPaths,
      readableInside,
      globs: unreadableGlobsWithCwd(fsPolicy, absCwd),
      globScanMaxDepth: depth === null || depth < 1 ? null : depth,
    },
    network,
    hiddenHostSockets: [],
  };
  const unrestricted = read.kind === "full" && write.kind === "full" && network === "enabled";
  if (network === "enabled" && !unrestricted) plan.hiddenHostSockets = hostControlSockets(env.uid);
  return plan;
}

/**
 * Host sockets that would let a command act outside the sandbox (run containers as root, start
 * user services, type into terminals). Only existing ones are listed.
 */
export function hostControlSockets(uid: number | undefined): string[] {
  const candidates = [
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/podman/podman.sock",
    "/tmp/.X11-unix",
  ];
  if (uid !== undefined) candidates.push(`/run/user/${uid}`, `/tmp/tmux-${uid}`);
  const found = new Set<string>();
  for (const candidate of candidates) {
    try {
      fs.lstatSync(candidate);
      found.add(candidate);
    } catch {
      // absent
    }
  }
  return [...found];
}
