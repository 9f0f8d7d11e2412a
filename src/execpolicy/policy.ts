import path from "node:path";

/**
 * The exec policy in memory: prefix rules keyed by their first token, network rules in file
 * order, and `host_executable` entries that restrict the basename fallback. Matching follows
 * spec execpolicy.md §3.
 */

export type Decision = "allow" | "prompt" | "forbidden";

/** Strictness order for combining matches: forbidden > prompt > allow. */
const RANK: Record<Decision, number> = { allow: 0, prompt: 1, forbidden: 2 };

export function strictest(decisions: Iterable<Decision>): Decision | null {
  let worst: Decision | null = null;
  for (const d of decisions) if (worst === null || RANK[d] > RANK[worst]) worst = d;
  return worst;
}

/** One pattern position: a token, or a list of alternatives. */
export type PatternToken = string | readonly string[];

export interface PrefixRule {
  first: string;
  rest: readonly PatternToken[];
  decision: Decision;
  justification: string | null;
}

export type NetworkProtocol = "http" | "https" | "socks5_tcp" | "socks5_udp";
export type NetworkDecision = "allow" | "deny" | "prompt";

export interface NetworkRule {
  host: string;
  protocol: NetworkProtocol;
  decision: NetworkDecision;
  justification: string | null;
}

/** A rule that matched, in `codex execpolicy check`'s field order. */
export interface PrefixRuleMatch {
  matchedPrefix: string[];
  decision: Decision;
  resolvedProgram?: string;
  justification?: string;
}

export interface MatchOptions {
  /** Retry an absolute program by its basename when nothing matched (sessions always do). */
  resolveHostExecutables: boolean;
}

export class Policy {
  private readonly byProgram = new Map<string, PrefixRule[]>();
  readonly networkRules: NetworkRule[] = [];
  /** `host_executable(name=…)`: the only paths the basename fallback accepts for `name`. */
  readonly hostExecutables = new Map<string, readonly string[]>();

  addPrefixRule(rule: PrefixRule): void {
    let list = this.byProgram.get(rule.first);
    if (!list) {
      list = [];
      this.byProgram.set(rule.first, list);
    }
    list.push(rule);
  }

  /** Every prefix rule, grouped by program in insertion order. */
  prefixRules(): PrefixRule[] {
    return [...this.byProgram.values()].flat();
  }

  /** Adds every rule of `other` after this policy's own (later network rules win). */
  extend(other: Policy): void {
    for (const rule of other.prefixRules()) this.addPrefixRule(rule);
    this.networkRules.push(...other.networkRules);
    for (const [name, paths] of other.hostExecutables) this.hostExecutables.set(name, paths);
  }

  /** Every rule matching `argv`, exact first, else by the program's basename (§3). */
  matches(argv: readonly string[], options: MatchOptions): PrefixRuleMatch[] {
    const program = argv[0];
    if (program === undefined) return [];
    const exact = this.matchesFor(program, argv);
    if (exact.length > 0 || !options.resolveHostExecutables || !path.isAbsolute(program)) return exact;
    const name = path.basename(program);
    const allowed = this.hostExecutables.get(name);
    if (allowed !== undefined && !allowed.includes(program)) return [];
    return this.matchesFor(name, [name, ...argv.slice(1)]).map((m) => withResolved(m, program));
  }

  private matchesFor(program: string, argv: readonly string[]): PrefixRuleMatch[] {
    const rules = this.byProgram.get(program);
    if (!rules) return [];
    const found: PrefixRuleMatch[] = [];
    for (const rule of rules) {
      const length = rule.rest.length + 1;
      if (argv.length < length) continue;
      if (!rule.rest.every((token, i) => tokenMatches(token, argv[i + 1]!))) continue;
      found.push({
        matchedPrefix: argv.slice(0, length),
        decision: rule.decision,
        ...(rule.justification !== null ? { justification: rule.justification } : {}),
      });
    }
    return found;
  }

  /** Allow-rule prefixes, alternatives rendered `[a|b]`, sorted and without duplicates. */
  allowPrefixes(): string[][] {
    const seen = new Map<string, string[]>();
    for (const rule of this.prefixRules()) {
      if (rule.decision !== "allow") continue;
      const prefix = [rule.first, ...rule.rest.map((t) => (typeof t === "string" ? t : `[${t.join("|")}]`))];
      seen.set(JSON.stringify(prefix), prefix);
    }
    return [...seen.values()];
  }
}

function tokenMatches(token: PatternToken, word: string): boolean {
  return typeof token === "string" ? token === word : token.includes(word);
}

function withResolved(match: PrefixRuleMatch, program: string): PrefixRuleMatch {
  // Field order as Codex prints it: resolvedProgram before justification.
  const { justification, ...rest } = match;
  return {
    ...rest,
    resolvedProgram: program,
    ...(justification !== undefined ? { justification } : {}),
  };
}
