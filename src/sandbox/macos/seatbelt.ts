import fs from "node:fs";
import path from "node:path";
import { globToRegexSource } from "../../permissions/glob.js";
import { hasGlobChars, splitGlob } from "../glob.js";
import type { SandboxPlan } from "../plan.js";

/**
 * macOS: the same SandboxPlan as a Seatbelt profile for `/usr/bin/sandbox-exec -p PROFILE
 * -DNAME=VALUE … -- CMD` (sandbox-linux.md §9). Paths never appear in the profile text: they are
 * `-D` parameters referenced with `(param "NAME")`, canonicalised first because Seatbelt matches
 * real paths (`/tmp` is `/private/tmp`). Later rules take precedence, so the sections are:
 * base, reads, writes, deny rules, network. Generated as text, so it is unit-tested on Linux.
 */

export const SANDBOX_EXEC_PATH = "/usr/bin/sandbox-exec";

const BASE_SECTION = `(version 1)
(deny default)

; processes: run and fork; signals and process info only inside this sandbox
(allow process-exec)
(allow process-fork)
(allow signal (target same-sandbox))
(allow process-info* (target same-sandbox))

; devices every program expects
(allow file-write-data (require-all (path "/dev/null") (vnode-type CHARACTER-DEVICE)))
(allow pseudo-tty)
(allow file-read* file-write* file-ioctl (literal "/dev/ptmx"))
(allow file-read* file-write* file-ioctl (regex #"^/dev/ttys[0-9]+$"))

; harmless system information
(allow sysctl-read
  (sysctl-name "hw.activecpu") (sysctl-name "hw.availcpu") (sysctl-name "hw.ncpu")
  (sysctl-name "hw.logicalcpu") (sysctl-name "hw.logicalcpu_max") (sysctl-name "hw.physicalcpu")
  (sysctl-name "hw.memsize") (sysctl-name "hw.pagesize") (sysctl-name "hw.cachelinesize")
  (sysctl-name "hw.machine") (sysctl-name "hw.model") (sysctl-name "hw.byteorder")
  (sysctl-name "kern.argmax") (sysctl-name "kern.hostname") (sysctl-name "kern.maxfilesperproc")
  (sysctl-name "kern.osproductversion") (sysctl-name "kern.osrelease") (sysctl-name "kern.ostype")
  (sysctl-name "kern.osversion") (sysctl-name "kern.version") (sysctl-name "kern.usrstack64")
  (sysctl-name-prefix "hw.perflevel") (sysctl-name-prefix "hw.optional.")
  (sysctl-name-prefix "kern.proc.pid.") (sysctl-name "vm.loadavg"))

; preferences, directory services, power assertions, POSIX semaphores (Python multiprocessing)
(allow user-preference-read)
(allow mach-lookup
  (global-name "com.apple.system.opendirectoryd.libinfo")
  (global-name "com.apple.cfprefsd.daemon")
  (global-name "com.apple.cfprefsd.agent")
  (global-name "com.apple.PowerManagement.control"))
(allow ipc-posix-sem)
`;

const PLATFORM_DEFAULT_READS = `; platform defaults: system binaries, libraries and configuration
(allow file-read* file-test-existence
  (literal "/")
  (subpath "/System")
  (subpath "/usr/bin") (subpath "/usr/sbin") (subpath "/usr/lib") (subpath "/usr/libexec")
  (subpath "/usr/share") (subpath "/bin") (subpath "/sbin")
  (subpath "/Library/Apple") (subpath "/Library/Preferences")
  (subpath "/private/etc") (subpath "/private/var/db/timezone")
  (subpath "/dev")
  (literal "/etc") (literal "/tmp") (literal "/var") (literal "/private"))
`;

const NETWORK_SECTION = `; network enabled
(allow network-outbound)
(allow network-inbound)
(allow system-socket)
(allow mach-lookup
  (global-name "com.apple.SystemConfiguration.configd")
  (global-name "com.apple.SystemConfiguration.DNSConfiguration")
  (global-name "com.apple.dnssd.service")
  (global-name "com.apple.trustd")
  (global-name "com.apple.trustd.agent")
  (global-name "com.apple.networkd")
  (global-name "com.apple.ocspd"))
`;

export interface SeatbeltCommand {
  file: string;
  /** Arguments after `sandbox-exec`: `-p PROFILE`, `-DNAME=VALUE`…, `--`, the command. */
  args: string[];
  profile: string;
  params: [string, string][];
}

/** Resolves symlinks in the longest existing ancestor, so missing paths canonicalise too. */
export function canonicalize(p: string): string {
  const rest: string[] = [];
  let current = p;
  for (;;) {
    try {
      const real = fs.realpathSync(current);
      return rest.length === 0 ? real : path.posix.join(real, ...rest.reverse());
    } catch {
      const parent = path.posix.dirname(current);
      if (parent === current) return p;
      rest.push(path.posix.basename(current));
      current = parent;
    }
  }
}

/** `#"…"` literal body: Seatbelt regex literals need only `"` escaped. */
function regexLiteral(source: string): string {
  return `#"${source.replace(/"/g, '\\"')}"`;
}

function literalRegex(p: string): string {
  return `^${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(/.*)?$`;
}

/** Anchored ERE regexes for one deny pattern: as written, plus with a canonicalised prefix. */
export function denyGlobRegexes(pattern: string, canon: (p: string) => string = canonicalize): string[] {
  if (!hasGlobChars(pattern)) {
    const { prefix } = splitGlob(pattern);
    return [...new Set([literalRegex(prefix), literalRegex(canon(prefix))])];
  }
  const regexes = [globToRegexSource(pattern, "ere")];
  const { prefix } = splitGlob(pattern);
  const real = canon(prefix);
  if (real !== prefix) {
    const rest = pattern.slice(prefix === "/" ? 1 : prefix.length + 1);
    regexes.push(globToRegexSource(real === "/" ? `/${rest}` : `${real}/${rest}`, "ere"));
  }
  return regexes;
}

export function buildSeatbeltProfile(
  plan: SandboxPlan,
  canon: (p: string) => string = canonicalize,
): { profile: string; params: [string, string][] } {
  const params: [string, string][] = [];
  const param = (name: string, value: string) => {
    params.push([name, value]);
    return `(param "${name}")`;
  };
  const sections: string[] = [BASE_SECTION];

  if (plan.read.kind === "full") {
    sections.push("; reads: everywhere\n(allow file-read*)\n");
  } else {
    const roots = plan.read.roots.map((r, i) => `(subpath ${param(`READABLE_ROOT_${i}`, canon(r))})`);
    let text = "; reads: listed roots only\n";
    if (roots.length > 0) text += `(allow file-read*\n  ${roots.join("\n  ")})\n`;
    if (plan.read.includePlatformDefaults) text += PLATFORM_DEFAULT_READS;
    sections.push(text);
  }

  if (plan.write.kind === "full") {
    sections.push('; writes: everywhere\n(allow file-write* (regex #"^/"))\n');
  } else if (plan.write.roots.length > 0) {
    const rules = plan.write.roots.map((root, i) => {
      const rootRef = param(`WRITABLE_ROOT_${i}`, canon(root.root));
      if (root.readOnlySubpaths.length === 0) return `(allow file-write* (subpath ${rootRef}))`;
      // `literal` blocks creating a missing protected path itself, `subpath` everything below it.
      const exclusions = root.readOnlySubpaths.flatMap((sub, j) => {
        const ref = param(`WRITABLE_ROOT_${i}_EXCLUDED_${j}`, canon(sub));
        return [`(require-not (literal ${ref}))`, `(require-not (subpath ${ref}))`];
      });
      return `(allow file-write*\n  (require-all (subpath ${rootRef})\n    ${exclusions.join("\n    ")}))`;
    });
    sections.push(`; writes: writable roots minus read-only subpaths\n${rules.join("\n")}\n`);
  }

  const denies: string[] = [];
  plan.denyRead.paths.forEach((p, i) => {
    const ref = param(`DENIED_PATH_${i}`, canon(p));
    denies.push(`(deny file-read* file-write* (literal ${ref}) (subpath ${ref}))`);
  });
  // Later rules win: more specific readable entries inside a denied path are allowed again,
  // before the glob denies, which still apply inside them.
  plan.denyRead.readableInside.forEach((p, i) => {
    const ref = param(`READABLE_INSIDE_DENIED_${i}`, canon(p));
    denies.push(`(allow file-read* (literal ${ref}) (subpath ${ref}))`);
  });
  for (const pattern of plan.denyRead.globs) {
    for (const regex of denyGlobRegexes(pattern, canon)) {
      denies.push(`(deny file-read* (regex ${regexLiteral(regex)}))`);
      denies.push(`(deny file-write-unlink (regex ${regexLiteral(regex)}))`);
    }
  }
  if (denies.length > 0)
    sections.push(
      `; deny reads (checked at access time: any depth, files created later)\n${denies.join("\n")}\n`,
    );

  if (plan.network === "enabled") sections.push(NETWORK_SECTION);
  return { profile: sections.join("\n"), params };
}

export function buildSeatbeltCommand(
  plan: SandboxPlan,
  argv: readonly string[],
  canon: (p: string) => string = canonicalize,
): SeatbeltCommand {
  const { profile, params } = buildSeatbeltProfile(plan, canon);
  return {
    file: SANDBOX_EXEC_PATH,
    args: ["-p", profile, ...params.map(([k, v]) => `-D${k}=${v}`), "--", ...argv],
    profile,
    params,
  };
}
