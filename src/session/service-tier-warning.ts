import { serviceTierId, wireServiceTier } from "../model/service-tier.js";
import type { SessionConfiguration } from "../permissions/index.js";
import { currentModelInfo } from "./model-info.js";

/** Codex 0.169's start-up warning for a configured service tier the model does not take. */
export function serviceTierWarnings(config: SessionConfiguration): string[] {
  const configured = config.serviceTier;
  if (!configured || wireServiceTier(configured, currentModelInfo(config)) !== null) return [];
  const tier = serviceTierId(configured);
  const model = config.collaborationMode.settings.model;
  return [
    `Configured service tier \`${tier}\` is not advertised as supported for model \`${model}\` and will be omitted from requests.`,
  ];
}
