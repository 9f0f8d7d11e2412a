import { featureStates } from "../../config/features.js";
import type { HandlerModule } from "../router.js";
import { paginate } from "./thread.js";

/**
 * The presets Codex 0.169 lists, in its order. A client applies one by sending it back as
 * `turn/start.collaborationMode` (a null model keeps the thread's, a null effort the model's
 * default); the mode's developer instructions are built in.
 */
const COLLABORATION_MODE_PRESETS = [
  { name: "Plan", mode: "plan", model: null, reasoning_effort: "medium" },
  { name: "Default", mode: "default", model: null, reasoning_effort: null },
] as const;

/**
 * Start-up list methods with the minimal answers both official TUIs accept (spec §11), for a
 * server without the engine: the engine answers `skills/*`, `hooks/list` and the MCP methods
 * itself; plugins and apps are not part of keel.
 */
export const miscHandlers: HandlerModule = {
  resource: "misc",
  handlers: {
    "skills/list": (params, { server }) => ({
      data: cwdsOrDefault(params.cwds, server.cwd).map((cwd) => ({ cwd, skills: [], errors: [] })),
    }),
    "collaborationMode/list": () => ({ data: COLLABORATION_MODE_PRESETS.map((preset) => ({ ...preset })) }),
    "mcpServerStatus/list": () => ({ data: [], nextCursor: null }),
    // Without the engine there is no config to read: every flag at its default.
    "experimentalFeature/list": (params) => paginate(featureStates({}), params.cursor, params.limit),
    "plugin/list": () => ({ marketplaces: [], marketplaceLoadErrors: [], featuredPluginIds: [] }),
    "plugin/installed": () => ({ marketplaces: [], marketplaceLoadErrors: [] }),
    "app/list": () => ({ data: [], nextCursor: null }),
  },
};

function cwdsOrDefault(cwds: readonly string[] | null | undefined, fallback: string): readonly string[] {
  return cwds && cwds.length > 0 ? cwds : [fallback];
}
