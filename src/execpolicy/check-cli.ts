import fs from "node:fs";
import path from "node:path";
import { parseRulesInto, RulesFileError } from "./load.js";
import { Policy, type PrefixRuleMatch, strictest } from "./policy.js";

/**
 * `keel execpolicy check --rules FILE… [--pretty] [--resolve-host-executables] -- ARGV…`: the
 * rules that match one argv (not shell-split) and the strictest decision, printed as
 * `codex execpolicy check` prints them (spec execpolicy.md §9).
 */

export interface CheckOptions {
  rules: string[];
  pretty: boolean;
  resolveHostExecutables: boolean;
}

export interface CheckIo {
  processCwd: string;
  homeDir: string;
  stdout(text: string): void;
  stderr(text: string): void;
}

export function runExecPolicyCheck(argv: string[], options: CheckOptions, io: CheckIo): number {
  if (options.rules.length === 0) {
    io.stderr("error: at least one --rules FILE is required\n");
    return 2;
  }
  if (argv.length === 0) {
    io.stderr("error: the command to check is missing (keel execpolicy check --rules FILE -- COMMAND...)\n");
    return 2;
  }
  const policy = new Policy();
  for (const file of options.rules) {
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(io.processCwd, file), "utf8");
    } catch (error) {
      io.stderr(`Error: failed to read policy at ${file}: ${(error as Error).message}\n`);
      return 1;
    }
    try {
      parseRulesInto(policy, file, text, io.homeDir);
    } catch (error) {
      if (!(error instanceof RulesFileError)) throw error;
      const { start } = error.detail.range;
      io.stderr(
        `Error: failed to parse policy at ${file}\n\nCaused by:\n    error: ${error.detail.message}\n     --> ${file}:${start.line}:${start.column}\n`,
      );
      return 1;
    }
  }
  const matches: PrefixRuleMatch[] = policy.matches(argv, {
    resolveHostExecutables: options.resolveHostExecutables,
  });
  const decision = strictest(matches.map((m) => m.decision));
  const result = {
    matchedRules: matches.map((m) => ({ prefixRuleMatch: m })),
    ...(decision !== null ? { decision } : {}),
  };
  io.stdout(`${options.pretty ? JSON.stringify(result, null, 2) : JSON.stringify(result)}\n`);
  return 0;
}
