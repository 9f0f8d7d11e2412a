import type { ShellEnvironmentPolicyToml } from "../config/schema.js";

/**
 * The environment a command starts with — the one policy for every launch path (the agent's
 * tools, the user's `!` commands, the shell snapshot, `command/exec` and `keel sandbox` alike) —
 * from the caller's environment and the `[shell_environment_policy]` table: inherit (all | core |
 * none), drop secrets by name unless `ignore_default_excludes`, apply `exclude` patterns, add
 * `set`, keep only `include_only`, then name the thread (`CODEX_THREAD_ID`) for a thread's
 * commands. Host IPC sockets are never passed on (sandbox-linux.md §5.4).
 */

// Codex's `inherit = "core"` set (config/src/shell_environment.rs), plus USERNAME.
const CORE_VARIABLES = new Set([
  "HOME",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "LOGNAME",
  "PATH",
  "SHELL",
  "USER",
  "USERNAME",
  "TMPDIR",
  "TEMP",
  "TMP",
]);
// Codex drops nothing by default; keel drops what names a secret. PASSWORD and friends were added
// after review (DB_PASSWORD reached commands).
const DEFAULT_EXCLUDES = ["*KEY*", "*SECRET*", "*TOKEN*", "*PASSWORD*", "*PASSWD*", "*CREDENTIAL*"];
const ALWAYS_DROPPED = new Set(["SSH_AUTH_SOCK", "DBUS_SESSION_BUS_ADDRESS"]);
/**
 * Names the runtime owns: a command must not be told a permission profile it does not run under
 * (Codex refuses to let the policy set it), nor a thread it does not belong to.
 */
const RUNTIME_OWNED = new Set(["CODEX_PERMISSION_PROFILE", "CODEX_THREAD_ID"]);

function wildcard(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${body}$`, "i");
}

export interface CommandEnvOptions {
  /** The thread the command runs for: exported as `CODEX_THREAD_ID` (absent for `command/exec`). */
  threadId?: string;
}

export function buildCommandEnv(
  base: Readonly<Record<string, string | undefined>>,
  policy: ShellEnvironmentPolicyToml | null | undefined,
  options: CommandEnvOptions = {},
): Record<string, string> {
  const inherit = policy?.inherit ?? "all";
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || inherit === "none") continue;
    if (inherit === "core" && !CORE_VARIABLES.has(name)) continue;
    out[name] = value;
  }
  const excludes = [
    ...(policy?.ignore_default_excludes ? [] : DEFAULT_EXCLUDES),
    ...(policy?.exclude ?? []),
  ].map(wildcard);
  for (const name of Object.keys(out)) {
    if (ALWAYS_DROPPED.has(name) || RUNTIME_OWNED.has(name) || excludes.some((re) => re.test(name)))
      delete out[name];
  }
  for (const [name, value] of Object.entries(policy?.set ?? {})) {
    if (!RUNTIME_OWNED.has(name)) out[name] = value;
  }
  const only = policy?.include_only;
  if (only && only.length > 0) {
    const keep = only.map(wildcard);
    for (const name of Object.keys(out)) if (!keep.some((re) => re.test(name))) delete out[name];
  }
  if (options.threadId !== undefined) out.CODEX_THREAD_ID = options.threadId;
  return out;
}

/**
 * The variables a snapshot must not override (Codex restores them after sourcing it): what the
 * policy sets explicitly and the thread id.
 */
export function explicitEnvNames(policy: ShellEnvironmentPolicyToml | null | undefined): string[] {
  const names = Object.keys(policy?.set ?? {}).filter((n) => !RUNTIME_OWNED.has(n));
  return [...names, "CODEX_THREAD_ID"];
}
