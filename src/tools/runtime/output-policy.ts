import type { SessionConfiguration } from "../../permissions/session-configuration.js";
import { currentModelInfo } from "../../session/model-info.js";
import { historyPolicy, type TruncationPolicy, withTokenLimit } from "./truncation.js";

/** The budget of one tool output for the session's current model, after `tool_output_token_limit`. */
export function toolOutputPolicy(config: SessionConfiguration): TruncationPolicy {
  return withTokenLimit(currentModelInfo(config).truncationPolicy, config.toolOutputTokenLimit);
}

/** The budget a tool output gets when it is recorded into the history (× 1.2, as Codex). */
export function historyOutputPolicy(config: SessionConfiguration): TruncationPolicy {
  return historyPolicy(toolOutputPolicy(config));
}
