export { amendmentLine, appendAllowRule, defaultRulesFile } from "./amend.js";
export {
  checkCommandRules,
  commandSegments,
  isBannedPrefix,
  proposeAmendment,
  type RuleVerdict,
} from "./evaluate.js";
export { execPolicyFromConfig } from "./from-config.js";
export { loadRulesFolders, parseRulesInto, RulesFileError, type RulesLoadError } from "./load.js";
export { compiledNetworkDomains, type NetworkDomains } from "./network.js";
export { type Decision, Policy, type PrefixRuleMatch, strictest } from "./policy.js";
export { SessionExecPolicy } from "./session-policy.js";
