import path from "node:path";
import {
  appendAllowRule,
  appendNetworkRule,
  type NetworkAmendment,
  networkRuleJustification,
  removeAllowRule,
} from "./amend.js";
import {
  loadRulesFolders,
  RULES_DIR,
  type RequirementPrefixRule,
  type RulesLoadError,
  requirementsPolicy,
} from "./load.js";
import { type NetworkProtocol, type NetworkRule, Policy } from "./policy.js";

/**
 * A session's exec policy: the rules files (loaded once, at thread start), the requirements'
 * rules (merged last, so `--ignore-rules` never drops them) and the amendments accepted during
 * the session, which apply at once and are also saved to `$KEEL_HOME/rules/default.rules`.
 */

export interface ExecPolicySources {
  keelHome: string;
  /** Rules folders, lowest precedence first (system, user, trusted projects). */
  folders: readonly string[];
  requirements: readonly RequirementPrefixRule[];
  homeDir: string;
}

export class SessionExecPolicy {
  private readonly amended: string[][] = [];
  /** `network_rule`s saved by network approvals this session, oldest first (later ones win). */
  private readonly networkAmended: NetworkRule[] = [];
  private merged: Policy | null = null;

  private constructor(
    private readonly keelHome: string,
    private readonly files: Policy,
    private readonly managed: Policy,
    /** The first rules file that failed to parse (only restrictive file rules then apply), if any. */
    readonly loadError: RulesLoadError | null,
  ) {}

  static load(sources: ExecPolicySources): SessionExecPolicy {
    const files = loadRulesFolders(sources.folders, sources.homeDir);
    return new SessionExecPolicy(
      sources.keelHome,
      files.policy,
      requirementsPolicy(sources.requirements),
      files.error,
    );
  }

  static empty(keelHome: string): SessionExecPolicy {
    return new SessionExecPolicy(keelHome, new Policy(), new Policy(), null);
  }

  /** The policy in force now. */
  current(): Policy {
    if (this.merged) return this.merged;
    const policy = new Policy();
    policy.extend(this.files);
    for (const prefix of this.amended) policy.addPrefixRule(allowRule(prefix));
    policy.networkRules.push(...this.networkAmended);
    policy.extend(this.managed);
    this.merged = policy;
    return policy;
  }

  /** Saves an accepted amendment and applies it to this session at once. */
  amend(prefix: readonly string[]): void {
    appendAllowRule(this.keelHome, prefix);
    if (!this.amended.some((p) => sameTokens(p, prefix))) this.amended.push([...prefix]);
    this.merged = null;
  }

  /**
   * Saves the `network_rule` of an "allow/deny always" network answer and applies it to this
   * session's policy, as the rules file would on the next load: whatever folds the policy's network
   * rules again (a proxy started later, a listing) sees it, after the loaded files' rules.
   */
  amendNetwork(rule: NetworkAmendment & { protocol: NetworkProtocol }): void {
    appendNetworkRule(this.keelHome, rule);
    this.networkAmended.push({
      host: rule.host,
      protocol: rule.protocol,
      decision: rule.action,
      justification: networkRuleJustification(rule),
    });
    this.merged = null;
  }

  /** The amendments accepted in this session, oldest first. */
  amendments(): string[][] {
    return this.amended.map((p) => [...p]);
  }

  /** Forgets an amendment of this session and removes its line from default.rules. */
  revoke(prefix: readonly string[]): boolean {
    const at = this.amended.findIndex((p) => sameTokens(p, prefix));
    if (at < 0) return false;
    this.amended.splice(at, 1);
    removeAllowRule(this.keelHome, prefix);
    this.merged = null;
    return true;
  }
}

function allowRule(prefix: readonly string[]) {
  return { first: prefix[0]!, rest: prefix.slice(1), decision: "allow" as const, justification: null };
}

function sameTokens(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** Folder of the rules next to a config file (`/etc/keel/config.toml` → `/etc/keel/rules`). */
export function rulesFolderBeside(configFile: string): string {
  return path.join(path.dirname(configFile), RULES_DIR);
}
