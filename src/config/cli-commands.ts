import { parsePermissionProfileJson } from "../permissions/profile-json.js";
import type { SandboxMode } from "../protocol/permissions.js";
import { describeDecider, explainPath, type PathExplanation } from "./explain.js";
import { describeLayerSource } from "./layer-source.js";
import { loadConfigFromEnv, type TypedOverrides } from "./load.js";
import { buildDebugConfigReport } from "./report.js";

/** Process facts the CLI entry point passes in (only it reads `process.env` / `process.cwd()`). */
export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  processCwd: string;
  stdout: (text: string) => void;
  /** The user commands run as (which host sockets the sandbox hides depends on it). */
  uid?: number | undefined;
}

export interface CommonConfigFlags {
  cd?: string;
  config?: string[];
  profile?: string;
}

function load(ctx: CliContext, flags: CommonConfigFlags, overrides: TypedOverrides = {}) {
  return loadConfigFromEnv({
    env: ctx.env,
    processCwd: ctx.processCwd,
    cliOverrides: flags.config ?? [],
    overrides: { ...overrides, cwd: flags.cd, profile: flags.profile },
  });
}

export interface ExplainFlags extends CommonConfigFlags {
  sandbox?: SandboxMode;
  permissionProfile?: string;
  permissions?: string;
  json?: boolean;
}

export function runPermissionsExplain(target: string, flags: ExplainFlags, ctx: CliContext): void {
  const overrides: TypedOverrides = {};
  if (flags.sandbox !== undefined) overrides.sandboxMode = flags.sandbox;
  if (flags.permissions !== undefined) overrides.permissions = flags.permissions;
  if (flags.permissionProfile !== undefined)
    overrides.permissionProfile = parsePermissionProfileJson(flags.permissionProfile);
  const loaded = load(ctx, flags, overrides);
  const result = explainPath(loaded, target, { uid: ctx.uid });
  if (flags.json) {
    ctx.stdout(`${JSON.stringify(result)}\n`);
    return;
  }
  ctx.stdout(renderExplanation(result, loaded.startupWarnings));
}

export function runDebugConfig(flags: CommonConfigFlags, ctx: CliContext): void {
  ctx.stdout(`${JSON.stringify(buildDebugConfigReport(load(ctx, flags)), null, 2)}\n`);
}

function renderExplanation(result: PathExplanation, warnings: readonly string[]): string {
  const yesNo = (b: boolean) => (b ? "yes" : "no");
  const lines = [
    `path:       ${result.path}`,
    `read:       ${yesNo(result.read)}`,
    `write:      ${yesNo(result.write)}`,
  ];
  lines.push(`decided by: ${describeDecider(result)}`);
  lines.push(`source:     ${result.source ? describeLayerSource(result.source) : "built-in default"}`);
  for (const warning of warnings) lines.push(`warning:    ${warning}`);
  return `${lines.join("\n")}\n`;
}
