import fs from "node:fs";
import path from "node:path";
import type { MountOp } from "../../src/sandbox/linux/mount-ops.js";
import type { SandboxPlan } from "../../src/sandbox/plan.js";

/** A workspace-write style plan over `cwd` with the given deny rules. */
export function workspacePlan(
  cwd: string,
  deny: { paths?: string[]; globs?: string[]; depth?: number | null } = {},
  extra: Partial<SandboxPlan> = {},
): SandboxPlan {
  return {
    cwd,
    read: { kind: "full" },
    write: { kind: "roots", roots: [{ root: cwd, readOnlySubpaths: [] }] },
    denyRead: {
      paths: deny.paths ?? [],
      readableInside: [],
      globs: deny.globs ?? [],
      globScanMaxDepth: deny.depth ?? null,
    },
    network: "restricted",
    hiddenHostSockets: [],
    ...extra,
  };
}

/** Creates files (and their directories) below `root`; a name ending in `/` is a directory. */
export function makeTree(root: string, entries: readonly string[]): void {
  for (const entry of entries) {
    const full = path.join(root, entry);
    if (entry.endsWith("/")) fs.mkdirSync(full, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, `content of ${entry}\n`);
    }
  }
}

function covers(dest: string, p: string): boolean {
  return dest === "/" || p === dest || p.startsWith(`${dest}/`);
}

/**
 * Replays mount operations (in order) and tells whether `p` finally shows the host's own file:
 * binds of a path onto itself show the host, a tmpfs, a mask or a symlink hides it.
 */
export function showsHostContent(ops: readonly MountOp[], p: string): boolean {
  let host = true;
  for (const op of ops) {
    if (!covers(op.dest, p)) continue;
    switch (op.kind) {
      case "bind":
        host = op.src === op.dest;
        break;
      case "mask-file":
        if (op.dest === p) host = false;
        break;
      default:
        host = false;
    }
  }
  return host;
}
