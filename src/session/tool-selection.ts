import type { ModelInfo } from "../model/catalog/model-info.js";
import type { ToolSpec } from "../protocol/model.js";
import {
  applyPatchFreeformToolSpec,
  applyPatchFunctionToolSpec,
  execCommandToolSpec,
  shellCommandToolSpec,
  shellToolSpec,
} from "../tools/specs.js";
import { requestPermissionsToolSpec } from "../tools/request-permissions.js";

/** The config switches that gate tools (`[features]`, `[tools]`, `web_search`). */
export interface ToolsConfig {
  /** `features.shell_tool` (default true): false offers no command tool at all. */
  readonly shellTool: boolean;
  /** `features.unified_exec` (default true, as in Codex 0.169): exec_command + write_stdin. */
  readonly unifiedExec: boolean;
  /** `tools.view_image` (default true). */
  readonly viewImage: boolean;
  /** `features.request_permissions_tool` (default false, under development in Codex 0.169). */
  readonly requestPermissions?: boolean;
}

export const DEFAULT_TOOLS_CONFIG: ToolsConfig = {
  shellTool: true,
  unifiedExec: true,
  viewImage: true,
};

type ShellTool = "unified_exec" | "shell_command" | "default" | "local";

/**
 * The command tool a model gets. Codex 0.169 offers unified exec to every model whose catalog
 * says `shell_command` (or has no entry) while the unified_exec feature is on, which is its default.
 */
export function effectiveShellTool(info: ModelInfo, tools: ToolsConfig): ShellTool | null {
  if (!tools.shellTool || info.shellType === "disabled") return null;
  if (info.shellType === "local") return "local";
  if (tools.unifiedExec || info.shellType === "unified_exec") return "unified_exec";
  return info.shellType;
}

interface ToolOffer {
  readonly name: string;
  readonly offered: (info: ModelInfo, tools: ToolsConfig) => boolean;
  /** keel's spec for this model when no tool router provides one under `name`. */
  readonly spec?: (info: ModelInfo) => ToolSpec;
}

const shellIs = (kind: ShellTool) => (info: ModelInfo, tools: ToolsConfig) =>
  effectiveShellTool(info, tools) === kind;

/** Codex 0.169's tools in its order (goals and sub-agents off: keel has neither). */
const TOOL_OFFERS: readonly ToolOffer[] = [
  { name: "exec_command", offered: shellIs("unified_exec"), spec: () => ({ ...execCommandToolSpec() }) },
  { name: "write_stdin", offered: shellIs("unified_exec") },
  { name: "shell_command", offered: shellIs("shell_command"), spec: () => ({ ...shellCommandToolSpec() }) },
  { name: "shell", offered: shellIs("default"), spec: () => ({ ...shellToolSpec() }) },
  { name: "local_shell", offered: shellIs("local"), spec: () => ({ type: "local_shell" }) },
  { name: "request_user_input", offered: () => true },
  {
    name: "request_permissions",
    offered: (_info, tools) => tools.requestPermissions === true,
    spec: () => ({ ...requestPermissionsToolSpec() }),
  },
  {
    name: "apply_patch",
    offered: (info) => info.applyPatchToolType !== null,
    spec: (info) =>
      info.applyPatchToolType === "freeform"
        ? { ...applyPatchFreeformToolSpec() }
        : { ...applyPatchFunctionToolSpec() },
  },
  { name: "view_image", offered: (info, tools) => tools.viewImage && info.inputModalities.includes("image") },
  // The router offers it only when the turn's mode (config, requirements, sandbox) is not disabled.
  { name: "web_search", offered: () => true },
];

const OFFERED_NAMES = new Set(TOOL_OFFERS.map((o) => o.name));

/**
 * Built-in tools that may run only when this turn offered them. Codex registers their handlers
 * from the same selection as their specs, so a call of one it did not offer (apply_patch for a
 * model without it, `shell` when exec_command is offered) is refused. view_image is left out:
 * Codex answers it even unoffered ("… you do not support image inputs").
 */
const GATED_NAMES: ReadonlyMap<string, string> = new Map([
  ["exec_command", "exec_command"],
  ["write_stdin", "write_stdin"],
  ["shell_command", "shell_command"],
  ["shell", "shell"],
  ["container.exec", "shell"],
  ["local_shell", "local_shell"],
  ["apply_patch", "apply_patch"],
  ["request_permissions", "request_permissions"],
]);

/** Whether a call named `name` may run given the turn's tool list (tools keel does not gate may). */
export function callAllowed(name: string, offered: readonly ToolSpec[]): boolean {
  const gate = GATED_NAMES.get(name);
  return gate === undefined || offered.some((spec) => specName(spec) === gate);
}

function specName(spec: ToolSpec): string {
  return typeof spec.name === "string" ? spec.name : spec.type;
}

/**
 * The tool list of one request: the offers above that the model and config allow, in order, each
 * with keel's spec or else the one a router provides (an offer nobody provides yet is left out),
 * followed by the routers' other tools (MCP, dynamic tools) in their own order.
 */
export function selectTools(info: ModelInfo, tools: ToolsConfig, provided: readonly ToolSpec[]): ToolSpec[] {
  const byName = new Map(provided.map((s) => [specName(s), s]));
  const selected: ToolSpec[] = [];
  for (const offer of TOOL_OFFERS) {
    if (!offer.offered(info, tools)) continue;
    // A router's spec wins (it knows its options, e.g. `allow_login_shell`); else keel's own.
    const spec = byName.get(offer.name) ?? offer.spec?.(info);
    if (spec) selected.push({ ...spec });
  }
  return [...selected, ...provided.filter((s) => !OFFERED_NAMES.has(specName(s)))];
}
