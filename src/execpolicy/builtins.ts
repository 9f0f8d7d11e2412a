import path from "node:path";
import type { Range } from "./lexer.js";
import { RulesSyntaxError } from "./lexer.js";
import type { Argument, Call, Value } from "./parser.js";
import {
  type Decision,
  type NetworkDecision,
  type NetworkProtocol,
  type PatternToken,
  Policy,
  type PrefixRule,
} from "./policy.js";
import { shlexJoin, shlexSplit } from "./shlex.js";
import { normalizeNetworkHost } from "./network.js";

/**
 * The three built-ins of a rules file, applied to parsed calls: each call's arguments are checked
 * (spec execpolicy.md §2, Codex's messages) and its rules added to the policy. `match` and
 * `not_match` examples are verified against the rules of their own call.
 */

export interface BuildOptions {
  /** For `~/…` in `host_executable` paths. */
  homeDir: string;
}

type Signature = readonly { name: string; required: boolean }[];

const SIGNATURES: Record<string, Signature> = {
  prefix_rule: [
    { name: "pattern", required: true },
    { name: "decision", required: false },
    { name: "match", required: false },
    { name: "not_match", required: false },
    { name: "justification", required: false },
  ],
  network_rule: [
    { name: "host", required: true },
    { name: "protocol", required: true },
    { name: "decision", required: true },
    { name: "justification", required: false },
  ],
  host_executable: [
    { name: "name", required: true },
    { name: "paths", required: true },
  ],
};

export function applyCalls(calls: readonly Call[], policy: Policy, options: BuildOptions): void {
  for (const call of calls) {
    const fail = (message: string): never => {
      throw new RulesSyntaxError(message, call.range);
    };
    const args = bindArguments(call, fail);
    switch (call.callee) {
      case "prefix_rule":
        prefixRule(args, policy, fail);
        break;
      case "network_rule":
        policy.networkRules.push({
          host: hostOf(args.get("host"), fail),
          protocol: protocolOf(args.get("protocol"), fail),
          decision: networkDecisionOf(args.get("decision"), fail),
          justification: justificationOf(args.get("justification"), fail),
        });
        break;
      case "host_executable":
        hostExecutable(args, policy, options, fail);
        break;
    }
  }
}

function bindArguments(call: Call, fail: (m: string) => never): Map<string, Value> {
  const signature = SIGNATURES[call.callee];
  if (!signature) {
    return fail(`Variable \`${call.callee}\` not found`);
  }
  const bound = new Map<string, Value>();
  const positional = call.args.filter((a: Argument) => a.name === null);
  if (positional.length > signature.length) fail(`Too many positional arguments for call to ${call.callee}`);
  for (const [i, arg] of positional.entries()) bound.set(signature[i]!.name, arg.value);
  const extra: string[] = [];
  for (const arg of call.args) {
    if (arg.name === null) continue;
    if (!signature.some((p) => p.name === arg.name)) extra.push(arg.name);
    else if (bound.has(arg.name)) fail(`Argument \`${arg.name}\` given twice for call to ${call.callee}`);
    else bound.set(arg.name, arg.value);
  }
  if (extra.length > 0)
    fail(
      `Found ${extra.map((e) => `\`${e}\``).join(", ")} extra named parameter(s) for call to ${call.callee}`,
    );
  for (const param of signature) {
    if (param.required && !bound.has(param.name))
      fail(`Missing parameter \`${param.name}\` for call to ${call.callee}`);
  }
  return bound;
}

function prefixRule(args: Map<string, Value>, policy: Policy, fail: (m: string) => never): void {
  const pattern = args.get("pattern");
  if (!Array.isArray(pattern)) fail("invalid pattern element: pattern must be a list");
  if (pattern.length === 0) fail("invalid pattern element: pattern cannot be empty");
  const tokens: (readonly string[])[] = pattern.map((element) => {
    if (typeof element === "string") return [element];
    if (Array.isArray(element)) {
      if (element.length === 0) return fail("invalid pattern element: pattern alternatives cannot be empty");
      if (!element.every((e): e is string => typeof e === "string"))
        return fail("invalid pattern element: alternatives must be strings");
      return element as string[];
    }
    return fail("invalid pattern element: expected a string or a list of strings");
  });
  const decision = decisionOf(args.get("decision") ?? "allow", fail);
  const justification = justificationOf(args.get("justification"), fail);
  const rest: PatternToken[] = tokens.slice(1).map((alts) => (alts.length === 1 ? alts[0]! : alts));
  // A first position with alternatives makes one rule per alternative (rules are keyed by it).
  const rules: PrefixRule[] = tokens[0]!.map((first) => ({ first, rest, decision, justification }));

  const own = new Policy();
  for (const rule of rules) own.addPrefixRule(rule);
  const options = { resolveHostExecutables: true };
  const unmatched = examplesOf(args.get("match"), fail).filter((ex) => own.matches(ex, options).length === 0);
  if (unmatched.length > 0) {
    fail(
      `expected every example to match at least one rule. rules: [${rules.map(describeRule).join(", ")}]; ` +
        `unmatched examples: [${unmatched.map((ex) => JSON.stringify(shlexJoin(ex))).join(", ")}]`,
    );
  }
  for (const example of examplesOf(args.get("not_match"), fail)) {
    const hit = own.matches(example, options)[0];
    if (hit)
      fail(
        `expected example to not match rule \`${JSON.stringify(hit.matchedPrefix)}\`: ${shlexJoin(example)}`,
      );
  }
  for (const rule of rules) policy.addPrefixRule(rule);
}

function describeRule(rule: PrefixRule): string {
  const pattern = [rule.first, ...rule.rest].map((t) => JSON.stringify(t)).join(", ");
  return JSON.stringify(`prefix_rule(pattern=[${pattern}], decision="${rule.decision}")`);
}

function examplesOf(value: Value | undefined, fail: (m: string) => never): string[][] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return fail("invalid example: examples must be a list");
  return value.map((example) => {
    if (typeof example === "string") {
      const words = shlexSplit(example);
      if (words === null) return fail("invalid example: example string has invalid shell syntax");
      if (words.length === 0) return fail("invalid example: example cannot be empty");
      return words;
    }
    if (Array.isArray(example) && example.length > 0 && example.every((w) => typeof w === "string"))
      return example as string[];
    return fail("invalid example: an example is a string or a non-empty list of strings");
  });
}

function decisionOf(value: Value, fail: (m: string) => never): Decision {
  if (value === "allow" || value === "prompt" || value === "forbidden") return value;
  return fail(`invalid decision: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

function justificationOf(value: Value | undefined, fail: (m: string) => never): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") return fail("invalid rule: justification must be a string");
  if (value.trim() === "") return fail("invalid rule: justification cannot be empty");
  return value;
}

function hostOf(value: Value | undefined, fail: (m: string) => never): string {
  if (typeof value !== "string") return fail("invalid rule: network_rule host must be a string");
  const host = normalizeNetworkHost(value);
  return typeof host === "string" ? host : fail(`invalid rule: ${host.error}`);
}

function protocolOf(value: Value | undefined, fail: (m: string) => never): NetworkProtocol {
  switch (value) {
    case "http":
    case "socks5_tcp":
    case "socks5_udp":
      return value;
    case "https":
    case "https_connect":
    case "http-connect":
      return "https";
    default:
      return fail(
        `invalid rule: network_rule protocol must be one of http, https, socks5_tcp, socks5_udp (got ${String(value)})`,
      );
  }
}

function networkDecisionOf(value: Value | undefined, fail: (m: string) => never): NetworkDecision {
  if (value === "allow" || value === "prompt") return value;
  if (value === "deny" || value === "forbidden") return "deny";
  return fail(`invalid decision: ${String(value)}`);
}

function hostExecutable(
  args: Map<string, Value>,
  policy: Policy,
  options: BuildOptions,
  fail: (m: string) => never,
): void {
  const name = args.get("name");
  if (typeof name !== "string" || name === "" || name.includes("/"))
    fail("invalid rule: host_executable name must be a bare executable name");
  const paths = args.get("paths");
  if (!Array.isArray(paths)) fail("invalid rule: host_executable paths must be a list of strings");
  const resolved = paths.map((p) => {
    if (typeof p !== "string") return fail("invalid rule: host_executable paths must be a list of strings");
    const full = p.startsWith("~/") ? path.join(options.homeDir, p.slice(2)) : p;
    if (!path.isAbsolute(full))
      return fail(`invalid rule: host_executable path must be absolute or start with ~/: ${p}`);
    if (path.basename(full) !== name)
      return fail(`invalid rule: host_executable path ${p} does not end in \`${name}\``);
    return path.normalize(full);
  });
  policy.hostExecutables.set(name, resolved);
}

export type { Range };
