import fs from "node:fs";
import path from "node:path";
import { applyCalls } from "./builtins.js";
import { type Range, RulesSyntaxError } from "./lexer.js";
import { type Call, parseRules } from "./parser.js";
import { Policy, type PrefixRule } from "./policy.js";

/**
 * Reading `.rules` files (spec execpolicy.md §1): each rules folder's regular `*.rules` files,
 * not recursive, sorted by path, lowest precedence folder first, into one policy. A parse or
 * validation error in any file is reported once and drops every file's allow rules, as Codex drops
 * the whole file-based policy — but the forbidden and prompt rules (and network denials) of every
 * call that is valid on its own stay: one typo must not switch off the refusals around it. Errors
 * listing a folder or reading a file are thrown (they abort thread start, as in Codex).
 */

export const RULES_DIR = "rules";
export const SYSTEM_RULES_DIR = "/etc/keel/rules";

export interface RulesLoadError {
  file: string;
  message: string;
  range: Range;
}

export class RulesFileError extends Error {
  constructor(readonly detail: RulesLoadError) {
    super(`failed to parse rules file ${detail.file}: ${detail.message}`);
  }
}

/** Parses one rules file's text into `policy`; throws RulesFileError with the range. */
export function parseRulesInto(policy: Policy, file: string, text: string, homeDir: string): void {
  try {
    applyCalls(parseRules(text), policy, { homeDir });
  } catch (error) {
    if (error instanceof RulesSyntaxError)
      throw new RulesFileError({ file, message: error.message, range: error.range });
    throw error;
  }
}

/** The `*.rules` files of a folder, sorted; none when it does not exist. */
export function rulesFilesIn(folder: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new Error(`cannot list rules folder ${folder}: ${(error as Error).message}`);
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".rules"))
    .map((e) => path.join(folder, e.name))
    .sort();
}

export interface FilePolicy {
  policy: Policy;
  /**
   * The first file that failed to parse. The policy then holds only the restrictive rules of the
   * calls that are valid on their own (see `restrictiveOnly`).
   */
  error: RulesLoadError | null;
}

export function loadRulesFolders(folders: readonly string[], homeDir: string): FilePolicy {
  const policy = new Policy();
  let error: RulesLoadError | null = null;
  for (const folder of folders) {
    for (const file of rulesFilesIn(folder)) {
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (cause) {
        throw new Error(`cannot read rules file ${file}: ${(cause as Error).message}`);
      }
      const own = new Policy();
      try {
        parseRulesInto(own, file, text, homeDir);
        policy.extend(own);
      } catch (cause) {
        if (!(cause instanceof RulesFileError)) throw cause;
        error ??= cause.detail;
        policy.extend(validCalls(text, homeDir));
      }
    }
  }
  return error === null ? { policy, error } : { policy: restrictiveOnly(policy), error };
}

/**
 * The rules of a broken file's calls that are valid on their own, when the file's syntax is sound
 * (a typo such as `decision="deny"` in a rule meant to refuse must not lose its neighbours).
 */
function validCalls(text: string, homeDir: string): Policy {
  const policy = new Policy();
  let calls: Call[];
  try {
    calls = parseRules(text);
  } catch {
    return policy;
  }
  for (const call of calls) {
    try {
      applyCalls([call], policy, { homeDir });
    } catch {
      // this call is the broken one (or another): it adds nothing
    }
  }
  return policy;
}

/**
 * What survives a broken rules file: forbidden and prompt rules and network denials. Allow rules
 * (which take commands out of the sandbox) go, and so do `host_executable` entries, which would
 * only narrow the surviving rules' basename matches.
 */
function restrictiveOnly(policy: Policy): Policy {
  const kept = new Policy();
  for (const rule of policy.prefixRules()) if (rule.decision !== "allow") kept.addPrefixRule(rule);
  kept.networkRules.push(...policy.networkRules.filter((rule) => rule.decision === "deny"));
  return kept;
}

/** A requirements `[rules] prefix_rules` entry (validated: decision prompt|forbidden). */
export interface RequirementPrefixRule {
  pattern: readonly unknown[];
  decision: string;
  justification?: string;
}

/** Requirements rules as a policy (spec §7); throws with a precise message on a bad entry. */
export function requirementsPolicy(rules: readonly RequirementPrefixRule[]): Policy {
  const policy = new Policy();
  rules.forEach((rule, index) => {
    const where = `requirements rules.prefix_rules[${index}]`;
    if (rule.decision !== "prompt" && rule.decision !== "forbidden")
      throw new Error(`${where}: decision must be \`prompt\` or \`forbidden\``);
    if (rule.justification !== undefined && rule.justification.trim() === "")
      throw new Error(`${where}: justification cannot be empty`);
    const tokens = rule.pattern.map((token, t) => {
      const entry = token as { token?: unknown; any_of?: unknown };
      const hasToken = typeof entry?.token === "string";
      const anyOf = entry?.any_of;
      const hasAnyOf = Array.isArray(anyOf) && anyOf.length > 0 && anyOf.every((a) => typeof a === "string");
      if (hasToken === hasAnyOf)
        throw new Error(`${where}: pattern[${t}] needs exactly one of \`token\` or a non-empty \`any_of\``);
      return hasToken ? [entry.token as string] : (anyOf as string[]);
    });
    if (tokens.length === 0) throw new Error(`${where}: pattern cannot be empty`);
    const rest = tokens.slice(1).map((alts) => (alts.length === 1 ? alts[0]! : alts));
    for (const first of tokens[0]!) {
      const prefix: PrefixRule = {
        first,
        rest,
        decision: rule.decision,
        justification: rule.justification ?? null,
      };
      policy.addPrefixRule(prefix);
    }
  });
  return policy;
}
