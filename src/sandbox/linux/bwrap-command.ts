import fs from "node:fs";
import path from "node:path";
import { missingWorkingDirectory, missingWritableRoot, SandboxSetupError } from "../errors.js";
import type { SandboxPlan } from "../plan.js";
import { collapseMasks, type CollapseResult } from "./collapse.js";
import { findHardLinkAliases, scanDenyGlobs } from "./deny-scan.js";
import { countTableScans, type MountOp, renderMountOps, sortMountOps } from "./mount-ops.js";
import {
  cwdChainTargets,
  type ProtectedEntry,
  ScanLimitError,
  scanProtectedNames,
} from "./protected-scan.js";
import { buildSeccompProgram, currentSeccompArch, type SeccompArch } from "./seccomp.js";
import { SandboxView } from "./view.js";
import { canonicalIfExists } from "../../permissions/abs-path.js";

/**
 * SandboxPlan → bwrap argument list (sandbox-linux.md §1, §3). Reads the filesystem (protected
 * paths, deny globs, hard links) but changes nothing; the runner creates the placeholder file and
 * the residue records.
 */

export const SECCOMP_FD = 3;
export const STATUS_FD = 4;

export interface MaskLimits {
  /** Keep exact per-file masks up to this many binds; collapse above. */
  exactBudget: number;
  /** Fail closed above this many mount-table scans (binds + remounts), about 0.2–0.6 s of bwrap time. */
  maxTableScans: number;
  /** Fail closed above this many directory masks (bwrap accepts at most 9,000 arguments). */
  maxDirMasks: number;
  /** Fail closed when a glob scan visits more entries than this. */
  maxScanEntries: number;
}

export const DEFAULT_MASK_LIMITS: MaskLimits = {
  exactBudget: 64,
  maxTableScans: 512,
  maxDirMasks: 1500,
  maxScanEntries: 500_000,
};

const BWRAP_MAX_ARGS = 9000;

/**
 * Namespaces and privileges of every sandbox (§2.3, §5.1): a user namespace even as root, no
 * nested user namespaces, no capabilities, private pids / IPC / hostname / cgroup view.
 */
export const ISOLATION_ARGS: readonly string[] = [
  "--unshare-user",
  "--disable-userns",
  "--cap-drop",
  "ALL",
  "--unshare-pid",
  "--unshare-ipc",
  "--unshare-uts",
  "--unshare-cgroup-try",
];

/** System locations readable under restricted reads when the policy asks for platform defaults. */
export const LINUX_PLATFORM_DEFAULTS = [
  "/bin",
  "/sbin",
  "/usr",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/etc",
  "/nix/store",
  "/run/current-system/sw",
];

export interface BwrapCommandOptions {
  plan: SandboxPlan;
  argv: readonly string[];
  /** Empty mode-000 file bound over denied files; must live outside every writable root. */
  placeholder: string;
  /** keel's sandbox state directory (holds the placeholder); kept read-only inside the sandbox. */
  stateDir: string;
  /**
   * KEEL_HOME (config.toml, rules, hooks, skills, auth): kept read-only inside the sandbox when it
   * lies in a writable root, or a command could rewrite the configuration the next keel loads.
   */
  keelHome?: string;
  /** The placeholder registry when it lies outside `stateDir`; kept read-only likewise. */
  residueDir?: string;
  arch?: SeccompArch | null;
  limits?: Partial<MaskLimits>;
  /**
   * The command reaches the network only through the managed proxy's bridge: a new network
   * namespace and the proxy-routed seccomp filter, whatever the plan's network says.
   */
  proxyRouted?: boolean;
}

export interface MaskStats {
  scannedEntries: number;
  unscannedDirs: number;
  fileMasks: number;
  dirMasks: number;
  invertedDirs: number;
  collapsedDirs: number;
  hardLinkAliases: number;
  tableScans: number;
  /** Directory entries visited looking for config folders in the writable roots. */
  protectedScanEntries: number;
}

/**
 * Something the user should know about a launch that still went ahead: matches of deny globs
 * may stay readable. `kind` lets callers report each kind once per session.
 */
export interface SandboxNote {
  kind: "unscanned-deny-dirs" | "hard-link-search-stopped";
  message: string;
}

export interface BwrapCommand {
  /** Arguments after the bwrap executable. */
  args: string[];
  ops: MountOp[];
  seccomp: Buffer;
  notes: SandboxNote[];
  stats: MaskStats;
  /** Config folders inside the writable roots at launch, and how to walk for them again. */
  protectedScan: { roots: string[]; entries: ProtectedEntry[]; skipDirs: string[] };
}

/** Whether this process may create entries in `dir` (bwrap makes mount points as us). */
function isEmptyDirectory(p: string, st: fs.Stats): boolean {
  if (!st.isDirectory()) return false;
  try {
    return fs.readdirSync(p).length === 0;
  } catch {
    return false;
  }
}

function canCreate(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}

function isInside(ancestor: string, p: string): boolean {
  return ancestor === "/" ? p !== "/" : p.startsWith(`${ancestor}/`);
}

function isInsideOrSelf(ancestor: string, p: string): boolean {
  return p === ancestor || isInside(ancestor, p);
}

interface Root {
  root: string;
  readOnlySubpaths: string[];
}

function resolveWritableRoots(plan: SandboxPlan): Root[] {
  if (plan.write.kind !== "roots") return [];
  const roots: Root[] = [];
  const seen = new Set<string>();
  for (const { root, readOnlySubpaths } of plan.write.roots) {
    // A file is a valid root too (`--bind` takes files): the policy grants writing just it.
    const real = canonicalIfExists(root);
    if (real === null) throw missingWritableRoot(root);
    if (seen.has(real)) continue;
    seen.add(real);
    // Re-spell a subpath under the root's real path. Both sides may be "/", so join on the
    // relative part: a "//x" spelling would not sort next to a deny mask for "/x" and could
    // re-expose it.
    const rebase = (sub: string) => {
      if (!isInside(root, sub)) return sub;
      const rel = sub.slice(root === "/" ? 1 : root.length + 1);
      return real === "/" ? `/${rel}` : `${real}/${rel}`;
    };
    roots.push({ root: real, readOnlySubpaths: readOnlySubpaths.map(rebase) });
  }
  return roots;
}

/**
 * A protected path must not sit on (or below) a symlink inside a writable root: the mount would
 * land on the link's target while the link itself stays replaceable (§3.3). Refuse instead.
 */
function assertNoWritableSymlink(sub: string, roots: readonly Root[]): void {
  for (const { root } of roots) {
    if (!isInside(root, sub)) continue;
    const parts = sub.slice(root === "/" ? 1 : root.length + 1).split("/");
    let current = root;
    for (const part of parts) {
      current = current === "/" ? `/${part}` : `${current}/${part}`;
      const st = lstatOrNull(current);
      if (st === null) return;
      if (st.isSymbolicLink()) {
        throw new SandboxSetupError(
          `cannot keep ${sub} read-only: ${current} is a symbolic link inside the writable root ${root}, ` +
            "and a link there could be re-pointed at a writable place. Replace the link with the real " +
            "directory or file, or run this command with approval outside the sandbox.",
        );
      }
    }
  }
}

export function buildBwrapCommand(options: BwrapCommandOptions): BwrapCommand {
  const { plan } = options;
  const limits = { ...DEFAULT_MASK_LIMITS, ...options.limits };
  const notes: SandboxNote[] = [];

  const arch = options.arch === undefined ? currentSeccompArch() : options.arch;
  if (arch === null) {
    throw new SandboxSetupError(
      `no seccomp filter for this CPU architecture (${process.arch}); keel supports x86_64 and aarch64`,
    );
  }

  const cwd = canonicalIfExists(plan.cwd);
  if (cwd === null) throw missingWorkingDirectory(plan.cwd);

  // ---- base view: root, kernel filesystems, readable and writable roots, protected paths
  const base: MountOp[] = [];
  const fullWrite = plan.write.kind === "full";
  const roots = resolveWritableRoots(plan);
  const rootAtSlash = roots.find((r) => r.root === "/");
  const restrictedRead = plan.read.kind === "restricted" && !fullWrite;

  if (fullWrite || rootAtSlash)
    base.push({ kind: "bind", layer: "base", src: "/", dest: "/", readOnly: false });
  else if (restrictedRead)
    base.push({ kind: "tmpfs", layer: "base", dest: "/", perms: null, remountRo: true });
  else base.push({ kind: "bind", layer: "base", src: "/", dest: "/", readOnly: true });
  base.push({ kind: "dev", layer: "base", dest: "/dev" }, { kind: "proc", layer: "base", dest: "/proc" });

  // No private /tmp: /tmp is whatever the policy makes it, like every other path (host /tmp
  // read-only under full reads, writable when it is a writable root, absent under restricted
  // reads unless listed), so `keel permissions explain` and the sandbox agree on it. Host
  // sockets there are out of reach anyway: `connect` is refused with the network off, and the
  // X11/tmux socket folders are hidden with it on (compile-plan.ts).

  if (restrictedRead && plan.read.kind === "restricted") {
    const readable = [
      ...(plan.read.includePlatformDefaults ? LINUX_PLATFORM_DEFAULTS : []),
      ...plan.read.roots,
    ];
    const seen = new Set<string>();
    for (const p of readable) {
      const st = lstatOrNull(p);
      if (st === null || seen.has(p)) continue;
      seen.add(p);
      if (st.isSymbolicLink() && LINUX_PLATFORM_DEFAULTS.includes(p)) {
        // merged-/usr: `/bin -> usr/bin` must stay a link, binding it would copy the target's view
        base.push({ kind: "symlink", layer: "read", target: fs.readlinkSync(p), dest: p });
        continue;
      }
      const real = canonicalIfExists(p);
      if (real === null) continue;
      base.push({ kind: "bind", layer: "read", src: real, dest: real, readOnly: true });
    }
  }

  for (const r of roots) {
    if (r.root === "/") continue;
    base.push({ kind: "bind", layer: "write", src: r.root, dest: r.root, readOnly: false });
  }

  const explicitDeny = new Set(plan.denyRead.paths);
  const protectedSeen = new Set<string>();
  const rootPaths = new Set(roots.map((r) => r.root));
  const protect = (sub: string) => {
    if (explicitDeny.has(sub) || protectedSeen.has(sub)) return; // a deny mask covers it / done
    protectedSeen.add(sub);
    assertNoWritableSymlink(sub, roots);
    const parent = path.posix.dirname(sub);
    // A writable root may be a file: nothing can be created inside it, so nothing to protect.
    if (!lstatOrNull(parent)?.isDirectory()) return;
    const st = lstatOrNull(sub);
    if (st !== null && !isEmptyDirectory(sub, st)) {
      base.push({ kind: "bind", layer: "protect", src: sub, dest: sub, readOnly: true });
    } else if (st !== null || (!fullWrite && canCreate(parent))) {
      // An empty directory may be another sandbox's placeholder, which that sandbox removes when
      // its command ends (a registry under another KEEL_HOME does not know about us): a tmpfs
      // shows the same empty read-only folder without needing the source to still exist.
      // An empty read-only directory stops first-time creation (`mkdir .codex`, `git init`).
      base.push({ kind: "tmpfs", layer: "protect", dest: sub, perms: 0o555, remountRo: true });
    }
  };
  for (const r of roots) for (const sub of r.readOnlySubpaths) protect(sub);
  // Where a keel started in the cwd would look for project config, rules, hooks and skills.
  for (const sub of cwdChainTargets([...rootPaths], cwd)) if (!rootPaths.has(sub)) protect(sub);

  // Config folders deeper in the roots: each existing one read-only.
  const readOnlyDirs = new Set([...roots.flatMap((r) => r.readOnlySubpaths), ...explicitDeny]);
  let protectedScan: ReturnType<typeof scanProtectedNames>;
  try {
    protectedScan = scanProtectedNames({
      roots: [...rootPaths],
      skipDir: (d) => rootPaths.has(d) || readOnlyDirs.has(d),
      maxVisited: limits.maxScanEntries,
    });
  } catch (error) {
    if (!(error instanceof ScanLimitError)) throw error;
    throw new SandboxSetupError(
      `${error.message}; refusing to run, because folders that are not found cannot be kept read-only. ` +
        "Run from a smaller directory or narrow the writable roots.",
    );
  }
  for (const entry of protectedScan.entries) {
    if (protectedSeen.has(entry.path) || rootPaths.has(entry.path) || explicitDeny.has(entry.path)) continue;
    protectedSeen.add(entry.path);
    if (!entry.isSymlink) {
      const st = lstatOrNull(entry.path);
      if (st !== null && isEmptyDirectory(entry.path, st))
        base.push({ kind: "tmpfs", layer: "protect", dest: entry.path, perms: 0o555, remountRo: true });
      else base.push({ kind: "bind", layer: "protect", src: entry.path, dest: entry.path, readOnly: true });
      continue;
    }
    // A mount cannot sit on a link: keep its target read-only; a replaced link is quarantined.
    const target = canonicalIfExists(entry.path);
    if (target === null) {
      throw new SandboxSetupError(
        `cannot keep ${entry.path} read-only: it is a symbolic link to a missing path, which a command ` +
          "could create. Remove the link or create its target, or run this command with approval outside the sandbox.",
      );
    }
    if (roots.some((r) => isInsideOrSelf(r.root, target)))
      base.push({ kind: "bind", layer: "protect", src: target, dest: target, readOnly: true });
  }

  // A more specific readable entry inside a denied path: bound back over the mask (which then
  // stays traversable, see openCarveOuts). A writable root there is bound anyway.
  for (const p of plan.denyRead.readableInside) {
    const real = canonicalIfExists(p);
    if (real === null || roots.some((r) => r.root === real)) continue;
    base.push({ kind: "bind", layer: "read", src: real, dest: real, readOnly: true });
  }

  let view = new SandboxView(sortMountOps(base));
  const stateDir = canonicalIfExists(options.stateDir) ?? options.stateDir;
  const owned = [options.keelHome, stateDir, options.residueDir].filter((p) => p !== undefined);
  for (const own of owned) {
    const real = canonicalIfExists(own);
    if (real !== null && view.isHostWritable(real)) {
      base.push({ kind: "bind", layer: "protect", src: real, dest: real, readOnly: true });
    }
  }
  view = new SandboxView(sortMountOps(base));

  // ---- deny-read: exact paths, hidden host sockets, glob matches, hard-link aliases
  const denyFiles = new Set<string>();
  const denyDirs = new Set<string>();
  const existingExplicitFiles: string[] = [];
  for (const p of [...plan.denyRead.paths, ...plan.hiddenHostSockets]) {
    let target = p;
    let st = lstatOrNull(p);
    if (st === null) {
      // Nothing to hide yet; inside a writable root the command could create it, so mask it.
      if (view.isHostWritable(p)) denyFiles.add(p);
      continue;
    }
    // Mount destinations resolve symlinks (also in parent components): work with the real path.
    const real = canonicalIfExists(p);
    if (real === null) continue; // a dangling link: nothing to read through it
    if (real !== p) {
      target = real;
      st = fs.statSync(real);
    }
    if (!view.isHostVisible(target)) continue;
    if (st.isDirectory()) denyDirs.add(target);
    else {
      denyFiles.add(target);
      existingExplicitFiles.push(target);
    }
  }

  const scan = scanDenyGlobs({
    globs: plan.denyRead.globs,
    maxDepth: plan.denyRead.globScanMaxDepth,
    skipDir: (d) => denyDirs.has(d) || !view.isHostVisible(d),
    maxVisited: limits.maxScanEntries,
  });
  for (const d of scan.dirs) denyDirs.add(d);
  for (const f of scan.files) denyFiles.add(f);
  const symlinkMatches = scan.symlinks;
  if (scan.unscannedDirs > 0) {
    notes.push({
      kind: "unscanned-deny-dirs",
      message:
        `${scan.unscannedDirs} directories were not scanned for deny-read patterns ` +
        `(glob_scan_max_depth = ${plan.denyRead.globScanMaxDepth}); matches below them stay readable`,
    });
  }

  const regularDenied = [...existingExplicitFiles, ...[...scan.files].filter((f) => !symlinkMatches.has(f))];
  const aliases = findHardLinkAliases(
    regularDenied,
    roots.map((r) => r.root),
    {
      maxDepth: plan.denyRead.globScanMaxDepth,
      skipDir: (d) => denyDirs.has(d),
      maxVisited: limits.maxScanEntries,
    },
  );
  for (const a of aliases.aliases) denyFiles.add(a);
  if (aliases.truncated)
    notes.push({
      kind: "hard-link-search-stopped",
      message: "the search for hard links to denied files stopped early (tree too large)",
    });

  const anchors = [
    cwd,
    stateDir,
    ...roots.flatMap((r) => [r.root, ...r.readOnlySubpaths]),
    ...base.filter((op) => op.layer === "read").map((op) => op.dest),
  ];
  const collapsed = collapseMasks({
    files: denyFiles,
    dirs: denyDirs,
    listings: scan.listings,
    anchors,
    exactBudget: limits.exactBudget,
    canReplace: (d) => view.isHostVisible(d),
  });

  const denyOps = [
    ...denyMountOps(collapsed, symlinkMatches, view),
    ...masksForBindsInsideGlobDirs(base, scan.dirs),
  ];
  const masked = sortMountOps([...base, ...denyOps]);
  const pins = pinParentDirs(masked, roots);
  const ops = sortMountOps([...masked, ...pins]);
  openCarveOuts(ops);

  const stats: MaskStats = {
    scannedEntries: scan.visited,
    unscannedDirs: scan.unscannedDirs,
    fileMasks: ops.filter((op) => op.kind === "mask-file").length,
    dirMasks: ops.filter((op) => op.kind === "tmpfs" && op.layer === "deny").length,
    invertedDirs: collapsed.inverted.size,
    collapsedDirs: collapsed.collapsedDirs,
    hardLinkAliases: aliases.aliases.length,
    tableScans: countTableScans(ops),
    protectedScanEntries: protectedScan.visited,
  };
  const protectMounts = ops.filter((op) => op.layer === "protect").length;
  if (stats.tableScans > limits.maxTableScans && (protectMounts + pins.length) * 2 > stats.tableScans) {
    const pinned = pins.length > 0 ? ` plus ${pins.length} folders above them that must not be renamed,` : "";
    throw new SandboxSetupError(
      `the writable roots hold ${protectMounts} protected folders (.git, .keel, .codex, .agents and ` +
        `masks for missing ones), each a read-only mount,${pinned} and bubblewrap cannot set up more than ` +
        `${limits.maxTableScans} mounts in reasonable time; refusing to run. Run from a smaller ` +
        "directory or narrow the writable roots.",
    );
  }
  enforceLimits(stats, limits, collapsed, plan);

  const args = [
    ...ISOLATION_ARGS,
    ...(plan.network === "restricted" || options.proxyRouted ? ["--unshare-net"] : []),
    "--die-with-parent",
    "--new-session",
    ...renderMountOps(ops, options.placeholder),
    "--chdir",
    cwd,
    "--seccomp",
    String(SECCOMP_FD),
    "--json-status-fd",
    String(STATUS_FD),
    "--",
    ...options.argv,
  ];
  if (args.length > BWRAP_MAX_ARGS - 10) {
    throw new SandboxSetupError(
      `the sandbox needs ${args.length} bubblewrap arguments (bubblewrap accepts ${BWRAP_MAX_ARGS}); ` +
        "deny whole directories instead of many single paths",
    );
  }
  const seccomp = buildSeccompProgram({
    arch,
    network: options.proxyRouted
      ? "proxy-routed"
      : plan.network === "restricted"
        ? "strict-offline"
        : "enabled",
  });
  return {
    args,
    ops,
    seccomp,
    notes,
    stats,
    protectedScan: {
      roots: [...rootPaths],
      entries: protectedScan.entries,
      skipDirs: [...rootPaths, ...readOnlyDirs],
    },
  };
}

/**
 * Every directory strictly between a writable root and a protected mount (or an inner writable
 * root) inside it, bound onto itself so it becomes a mount point: renaming or removing it then
 * fails with EBUSY. Otherwise `mv a a.old && mkdir -p a/proj && cp -a a.old/proj/.git a/proj/`
 * would leave the read-only mount at a.old and put a writable copy where the next keel (or the
 * user's git) looks. Only directories the final view shows as writable host content are pinned,
 * so a pin never lands inside a mask or a read-only subpath and shows exactly what was there.
 */
function pinParentDirs(ops: readonly MountOp[], roots: readonly Root[]): MountOp[] {
  const rootPaths = new Set(roots.map((r) => r.root));
  const targets = ops
    .filter((op) => op.layer === "protect" || (op.layer === "write" && rootPaths.has(op.dest)))
    .map((op) => op.dest);
  const taken = new Set(ops.map((op) => op.dest));
  const view = new SandboxView(ops);
  const pins: MountOp[] = [];
  for (const p of targets) {
    for (const { root } of roots) {
      if (!isInside(root, p)) continue;
      for (let d = path.posix.dirname(p); d !== root && isInside(root, d); d = path.posix.dirname(d)) {
        if (taken.has(d)) continue;
        taken.add(d);
        const st = lstatOrNull(d);
        if (st === null || !st.isDirectory() || !view.isHostWritable(d)) continue;
        pins.push({ kind: "bind", layer: "write", src: d, dest: d, readOnly: false });
      }
    }
  }
  return pins;
}

/**
 * A bind below a directory that a deny glob masks whole (`…/secrets/**`) would show that path
 * again; a matching deny glob wins over every entry (permissions.md §2.6), so the bound path gets
 * its own mask. Added after merging: the merge drops masks inside masked directories.
 */
function masksForBindsInsideGlobDirs(base: readonly MountOp[], globDirs: ReadonlySet<string>): MountOp[] {
  if (globDirs.size === 0) return [];
  const masks: MountOp[] = [];
  for (const op of base) {
    if (op.kind !== "bind" || ![...globDirs].some((d) => isInside(d, op.dest))) continue;
    masks.push(
      lstatOrNull(op.dest)?.isDirectory()
        ? { kind: "tmpfs", layer: "deny", dest: op.dest, perms: 0o000, remountRo: false }
        : { kind: "mask-file", layer: "deny", dest: op.dest },
    );
  }
  return masks;
}

function denyMountOps(
  collapsed: CollapseResult,
  symlinks: ReadonlySet<string>,
  view: SandboxView,
): MountOp[] {
  const ops: MountOp[] = [];
  const dirMask = (dest: string): MountOp => ({
    kind: "tmpfs",
    layer: "deny",
    dest,
    perms: 0o000,
    remountRo: false,
  });
  for (const d of collapsed.dirs) ops.push(dirMask(d));
  for (const f of collapsed.files) {
    if (!symlinks.has(f)) {
      ops.push({ kind: "mask-file", layer: "deny", dest: f });
      continue;
    }
    // A matched symlink: a mount on it would land on its target anyway, so mask the target.
    const target = canonicalIfExists(f);
    if (target === null || !view.isHostVisible(target)) continue;
    ops.push(
      fs.statSync(target).isDirectory()
        ? dirMask(target)
        : { kind: "mask-file", layer: "deny", dest: target },
    );
  }
  for (const [dir, keep] of collapsed.inverted) {
    ops.push({ kind: "tmpfs", layer: "deny", dest: dir, perms: 0o555, remountRo: false });
    const readOnly = !view.isHostWritable(dir);
    for (const entry of keep) {
      const p = dir === "/" ? `/${entry.name}` : `${dir}/${entry.name}`;
      if (entry.isSymlink) {
        let target: string;
        try {
          target = fs.readlinkSync(p);
        } catch {
          continue;
        }
        ops.push({ kind: "symlink", layer: "read", target, dest: p });
      } else {
        ops.push({ kind: "bind", layer: readOnly ? "read" : "write", src: p, dest: p, readOnly });
      }
    }
  }
  return ops;
}

/** A 000 directory mask with a bound path below it must stay traversable (111), §3.4. */
function openCarveOuts(ops: MountOp[]): void {
  const exposed = ops
    .filter((op) => op.layer !== "deny" || op.kind === "bind" || op.kind === "symlink")
    .map((op) => op.dest)
    .sort();
  const hasExposedBelow = (dir: string): boolean => {
    const prefix = dir === "/" ? "/" : `${dir}/`;
    let lo = 0;
    let hi = exposed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (exposed[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    return lo < exposed.length && exposed[lo]!.startsWith(prefix);
  };
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.kind === "tmpfs" && op.layer === "deny" && op.perms === 0o000 && hasExposedBelow(op.dest)) {
      ops[i] = { ...op, perms: 0o111 };
    }
  }
}

function enforceLimits(stats: MaskStats, limits: MaskLimits, collapsed: CollapseResult, plan: SandboxPlan) {
  if (stats.tableScans <= limits.maxTableScans && stats.dirMasks <= limits.maxDirMasks) return;
  const perDir = new Map<string, number>();
  for (const f of collapsed.files) {
    const d = path.posix.dirname(f);
    perDir.set(d, (perDir.get(d) ?? 0) + 1);
  }
  const busiest = [...perDir.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([d, n]) => `${d} (${n})`)
    .join(", ");
  const patterns = plan.denyRead.globs.length > 0 ? ` (patterns: ${plan.denyRead.globs.join(", ")})` : "";
  const what =
    stats.tableScans > limits.maxTableScans
      ? `${stats.fileMasks} single-file masks and ${stats.tableScans - stats.fileMasks} other binds ` +
        `(limit ${limits.maxTableScans} binds in total)`
      : `${stats.dirMasks} directory masks (limit ${limits.maxDirMasks})`;
  throw new SandboxSetupError(
    `deny-read rules${patterns} need ${what} even after merging masks per directory, which ` +
      `bubblewrap cannot set up in reasonable time; refusing to run. Deny the directories that hold ` +
      `the files instead${busiest ? ` (most masks: ${busiest})` : ""}, narrow the patterns, or lower ` +
      "glob_scan_max_depth.",
  );
}
