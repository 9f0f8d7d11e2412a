import fs from "node:fs";
import path from "node:path";
import { applyCalls } from "./builtins.js";
import { type Range, RulesSyntaxError } from "./lexer.js";
import { parseRules } from "./parser.js";
import { Policy, type PrefixRule } from "./policy.js";

/**
 * Reading `.rules` files (spec execpolicy.md §1): each rules folder's regular `*.rules` files,
 * not recursive, sorted by path, lowest precedence folder first, into one policy. A parse or
 * validation error in any file drops the whole file-based policy and is reported once; errors
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
  /** Set when a file failed to parse: the policy is then empty. */
  error: RulesLoadError | null;
}

export function loadRulesFolders(folders: readonly string[], homeDir: string): FilePolicy {
  const policy = new Policy();
  for (const folder of folders) {
    for (const file of rulesFilesIn(folder)) {
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (error) {
        throw new Error(`cannot read rules file ${file}: ${(error as Error).message}`);
      }
      try {
        parseRulesInto(policy, file, text, homeDir);
      } catch (error) {
        if (error instanceof RulesFileError) return { policy: new Policy(), error: error.detail };
        throw error;
      }
    }
  }
  return { policy, error: null };
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
