import type { SessionConfiguration } from "../permissions/session-configuration.js";
import type { ToolSpec } from "../protocol/model.js";
import { currentModelInfo } from "../session/model-info.js";
import { viewImageToolEnabled, viewImageToolSpec } from "./view-image.js";
import { webSearchModeForTurn, webSearchToolEnabled, webSearchToolSpec } from "./web-search.js";

/**
 * The image and web-search tools a turn offers, in Codex's order (they follow apply_patch):
 * `view_image` when the model takes images, the hosted `web_search` unless the turn's mode is
 * `disabled`. The one gate for both, so tool selection can take them as a block.
 */
export function mediaToolSpecs(config: SessionConfiguration): ToolSpec[] {
  const info = currentModelInfo(config);
  const mode = webSearchModeForTurn(
    config.webSearch?.configured ?? null,
    config.webSearch?.allowed ?? null,
    config.sandboxPolicy.value,
  );
  return [
    ...(viewImageToolEnabled(info) ? [viewImageToolSpec()] : []),
    ...(webSearchToolEnabled(mode) ? [webSearchToolSpec(mode, info, config.webSearch?.tool ?? null)] : []),
  ];
}
