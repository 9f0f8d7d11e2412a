import path from "node:path";
import { extractShellScript, joinShellWords, parsePlainScript } from "../tools/shell-words.js";
import { hiddenCommands } from "./hidden-commands.js";
import { type Decision, type Policy, type PrefixRuleMatch, strictest } from "./policy.js";

/**
 * A command against the rules (spec execpolicy.md §3–§5): a `bash -lc` script of plain commands
 * is checked segment by segment; segments no rule matches are decided by keel's heuristics.
 * `none` means no rule matched at all — the caller's heuristics path then decides alone.
 */

/** What keel's heuristics say about one segment nothing matched. */
export type HeuristicDecision =
  | { decision: "allow" }
  | { decision: "prompt" }
  | { decision: "forbidden"; reason: string };

export type RuleVerdict =
  | { kind: "none" }
  | { kind: "forbidden"; reason: string }
  /** `fromRule`: a prompt rule asked (no amendment then); else `amendment` is the first prompting segment. */
  | { kind: "prompt"; reason: string | null; fromRule: boolean; amendment: string[] | null }
  /** `bypassSandbox`: every segment was allowed by a rule, so it runs outside the sandbox. */
  | { kind: "allow"; bypassSandbox: boolean };

/** The commands a argv stands for: a plain script's segments, else the argv itself. */
export function commandSegments(argv: readonly string[]): string[][] {
  const shell = extractShellScript(argv);
  const plain = shell ? parsePlainScript(shell.script) : null;
  return plain && plain.commands.length > 0 ? plain.commands : [[...argv]];
}

export function checkCommandRules(
  policy: Policy,
  argv: readonly string[],
  heuristic: (segment: string[]) => HeuristicDecision,
): RuleVerdict {
  const options = { resolveHostExecutables: true };
  const segments = commandSegments(argv);
  const perSegment = segments.map((segment) => ({ segment, matches: policy.matches(segment, options) }));
  // A hidden command can make the verdict stricter, never allow it or take it out of the sandbox.
  const hidden = hiddenCommands(segments).flatMap((command) =>
    policy.matches(command, options).filter((m) => m.decision !== "allow"),
  );
  if (perSegment.every((s) => s.matches.length === 0) && hidden.length === 0) return { kind: "none" };

  const cmd = joinShellWords(argv);
  const ruleMatches = [...perSegment.flatMap((s) => s.matches), ...hidden];
  const heuristics = perSegment
    .filter((s) => s.matches.length === 0)
    .map((s) => ({ segment: s.segment, verdict: heuristic(s.segment) }));
  const decision = strictest([
    ...ruleMatches.map((m) => m.decision),
    ...heuristics.map((h) => h.verdict.decision as Decision),
  ]);

  if (decision === "forbidden") {
    const rule = longest(ruleMatches.filter((m) => m.decision === "forbidden"));
    if (rule) return { kind: "forbidden", reason: forbiddenReason(cmd, rule) };
    const h = heuristics.find((x) => x.verdict.decision === "forbidden")!.verdict as { reason: string };
    return { kind: "forbidden", reason: heuristicRejection(cmd, h.reason) };
  }
  if (decision === "prompt") {
    const rule = longest(ruleMatches.filter((m) => m.decision === "prompt"));
    if (rule) {
      const reason = rule.justification
        ? `\`${cmd}\` requires approval: ${rule.justification}`
        : `\`${cmd}\` requires approval by policy`;
      return { kind: "prompt", reason, fromRule: true, amendment: null };
    }
    const first = heuristics.find((h) => h.verdict.decision === "prompt")!;
    return { kind: "prompt", reason: null, fromRule: false, amendment: first.segment };
  }
  // A basename-fallback match stands for whatever file sits at that path — possibly one the model
  // wrote in the sandbox — so it leaves the sandbox only when `host_executable` vouches for the path.
  const vouched = ruleMatches.every(
    (m) => m.resolvedProgram === undefined || vouchedFor(policy, m.resolvedProgram),
  );
  return { kind: "allow", bypassSandbox: heuristics.length === 0 && vouched };
}

/** `matches` returns a fallback match under a `host_executable` entry only for a listed path. */
function vouchedFor(policy: Policy, program: string): boolean {
  return policy.hostExecutables.has(path.basename(program));
}

/** A command the heuristics forbid, as Codex words it: `` `<cmd>` rejected: <reason> ``. */
export function heuristicRejection(cmd: string, reason: string): string {
  return `\`${cmd}\` rejected: ${reason}`;
}

function longest(matches: readonly PrefixRuleMatch[]): PrefixRuleMatch | undefined {
  let best: PrefixRuleMatch | undefined;
  for (const m of matches) if (!best || m.matchedPrefix.length > best.matchedPrefix.length) best = m;
  return best;
}

function forbiddenReason(cmd: string, rule: PrefixRuleMatch): string {
  if (rule.justification) return `\`${cmd}\` rejected: ${rule.justification}`;
  return `\`${cmd}\` rejected: policy forbids commands starting with \`${rule.matchedPrefix.join(" ")}\``;
}

/**
 * Prefixes that must never become an allow rule: they would allow running anything (spec §6).
 * Codex 0.169's 88 prefixes (its binary holds every token below); the spec lists only some.
 */
const BANNED_PREFIXES: readonly (readonly string[])[] = [
  ...["bash", "sh", "zsh", "/bin/bash", "/bin/sh", "/bin/zsh"].flatMap((s) => variants([s], ["-c", "-lc"])),
  ...["dash", "fish", "ksh"].flatMap((s) => variants([s], ["-c"])),
  ...["cmd", "cmd.exe"].flatMap((s) => variants([s], ["/c", "/k"])),
  ...["powershell", "powershell.exe"].flatMap((p) =>
    variants([p], ["-Command", "-EncodedCommand", "-File", "-c"]),
  ),
  ...variants(["pwsh"], ["-Command", "-EncodedCommand", "-File", "-c", "-e", "-ec", "-f"]),
  ...variants(["python3"], ["-", "-c"]),
  ...variants(["python"], ["-", "-c"]),
  ...variants(["py"], ["-3"]),
  ["pythonw"],
  ["pyw"],
  ["pypy"],
  ["pypy3"],
  ...["node", "nodejs", "perl", "ruby", "lua", "julia"].flatMap((p) => variants([p], ["-e"])),
  ["Rscript"],
  ...variants(["php"], ["-r"]),
  ...variants(["bun"], ["-e", "run"]),
  ...variants(["deno"], ["eval"]),
  ["npm", "run"],
  ["pnpm", "run"],
  ["yarn", "run"],
  ["git"],
  ["env"],
  ["sudo"],
  ["rm"],
  ["osascript"],
];

function variants(base: string[], flags: string[]): string[][] {
  return [base, ...flags.map((f) => [...base, f])];
}

export function isBannedPrefix(prefix: readonly string[]): boolean {
  return BANNED_PREFIXES.some((b) => b.length === prefix.length && b.every((t, i) => t === prefix[i]));
}

/**
 * The amendment to offer when no rule matched (spec §6): the model's `prefix_rule` when it is
 * allowed and would make every segment `allow`, else the first segment the heuristics prompt for.
 */
export function proposeAmendment(
  policy: Policy,
  argv: readonly string[],
  modelPrefix: readonly string[] | null,
  heuristic: (segment: string[]) => HeuristicDecision,
): string[] | null {
  const segments = commandSegments(argv);
  if (modelPrefix && modelPrefix.length > 0 && !isBannedPrefix(modelPrefix)) {
    const covered = segments.every((segment) => {
      const ruled = policy.matches(segment, { resolveHostExecutables: true });
      const byPrefix = segment.length >= modelPrefix.length && modelPrefix.every((t, i) => segment[i] === t);
      if (byPrefix) return !ruled.some((m) => m.decision !== "allow");
      return ruled.length > 0
        ? ruled.every((m) => m.decision === "allow")
        : heuristic(segment).decision === "allow";
    });
    if (covered) return [...modelPrefix];
  }
  const prompting = segments.find((segment) => heuristic(segment).decision === "prompt");
  return prompting ? [...prompting] : null;
}
