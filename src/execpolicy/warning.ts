import type { ConfigWarningNotification } from "../protocol/v2/config.js";
import type { RulesLoadError } from "./load.js";

/** The `configWarning` for a rules file that failed to load (Codex's texts, spec §1). */
export function rulesLoadWarning(error: RulesLoadError): ConfigWarningNotification {
  return {
    summary: "Error parsing rules; custom rules not applied.",
    details: `failed to parse rules file ${error.file}: ${error.message}`,
    path: error.file,
    range: error.range,
  };
}
