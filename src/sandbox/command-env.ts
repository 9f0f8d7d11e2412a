import type { ShellEnvironmentPolicyToml } from "../config/schema.js";

/**
 * The environment a command starts with — the one policy for every launch path (the agent's
 * tools and `keel sandbox` alike) — from the caller's environment and the
 * `[shell_environment_policy]` table: inherit (all | core | none), drop secrets by name unless
 * `ignore_default_excludes`, apply `exclude` patterns, add `set`, keep only `include_only`.
 * Host IPC sockets are never passed on (sandbox-linux.md §5.4).
 */

const CORE_VARIABLES = new Set([
  "HOME",
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

function wildcard(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${body}$`, "i");
}

export function buildCommandEnv(
  base: Readonly<Record<string, string | undefined>>,
  policy: ShellEnvironmentPolicyToml | null | undefined,
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
    if (ALWAYS_DROPPED.has(name) || excludes.some((re) => re.test(name))) delete out[name];
  }
  Object.assign(out, policy?.set ?? {});
  const only = policy?.include_only;
  if (only && only.length > 0) {
    const keep = only.map(wildcard);
    for (const name of Object.keys(out)) if (!keep.some((re) => re.test(name))) delete out[name];
  }
  return out;
}
