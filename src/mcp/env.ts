import type { McpEnvVar } from "./types.js";

/** What a stdio server inherits from keel's environment (Codex: no keys, proxies or homes). */
export const CHILD_ENV_WHITELIST = [
  "HOME",
  "LANG",
  "LC_ALL",
  "LOGNAME",
  "PATH",
  "SHELL",
  "TERM",
  "TMPDIR",
  "TZ",
  "USER",
] as const;

/** The child's environment: the whitelist, then `env_vars` (local ones), then `env`. */
export function childEnv(
  own: Readonly<Record<string, string | undefined>>,
  envVars: readonly McpEnvVar[],
  env: Readonly<Record<string, string>> | null,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CHILD_ENV_WHITELIST) {
    const value = own[name];
    if (value !== undefined) out[name] = value;
  }
  for (const { name, source } of envVars) {
    const value = own[name];
    // `remote` variables live in a remote environment keel does not have.
    if (source === "local" && value !== undefined) out[name] = value;
  }
  return { ...out, ...env };
}
