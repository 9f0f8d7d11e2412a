import type { ModelInfo } from "../model/catalog/model-info.js";
import type { SessionConfiguration } from "../permissions/session-configuration.js";

/** The facts of the model the session uses now (it can change per turn). */
export function currentModelInfo(config: SessionConfiguration): ModelInfo {
  return config.modelCatalog.resolve(config.collaborationMode.settings.model);
}
