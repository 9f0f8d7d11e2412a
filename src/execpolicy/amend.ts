import fs from "node:fs";
import path from "node:path";
import { RULES_DIR } from "./load.js";

/**
 * Persisting an accepted amendment (spec execpolicy.md §6): one `prefix_rule(…allow)` line
 * appended to `$KEEL_HOME/rules/default.rules`. The line (with a leading newline when the file
 * lacks a final one) goes out in a single O_APPEND write followed by fsync, so a crash — even
 * kill -9 — leaves either the whole line or none, and concurrent writers never interleave.
 */

export const DEFAULT_RULES_FILE = "default.rules";

export function amendmentLine(prefix: readonly string[]): string {
  return `prefix_rule(pattern=[${prefix.map((t) => JSON.stringify(t)).join(", ")}], decision="allow")`;
}

/** The prefix of a line `amendmentLine` wrote; null for any other line (hand-written rules). */
export function parseAmendmentLine(line: string): string[] | null {
  const inner = /^prefix_rule\(pattern=\[(.*)\], decision="allow"\)$/.exec(line.trim())?.[1];
  if (inner === undefined) return null;
  let tokens: unknown;
  try {
    tokens = JSON.parse(`[${inner}]`);
  } catch {
    return null;
  }
  if (!Array.isArray(tokens) || tokens.length === 0 || !tokens.every((t) => typeof t === "string"))
    return null;
  // Only an exact round trip counts, so revoking it later finds the same line.
  return amendmentLine(tokens) === line.trim() ? tokens : null;
}

/** The amendments saved in default.rules, in file order (none when the file is missing). */
export function savedAmendments(keelHome: string): string[][] {
  const file = defaultRulesFile(keelHome);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  return text.split("\n").flatMap((line) => {
    const prefix = parseAmendmentLine(line);
    return prefix ? [prefix] : [];
  });
}

export function defaultRulesFile(keelHome: string): string {
  return path.join(keelHome, RULES_DIR, DEFAULT_RULES_FILE);
}

/** Appends the allow rule for `prefix` unless the file already has that exact line. */
export function appendAllowRule(keelHome: string, prefix: readonly string[]): string {
  if (prefix.length === 0) throw new Error("an exec policy amendment needs a non-empty prefix");
  return appendRuleLine(keelHome, amendmentLine(prefix));
}

export interface NetworkAmendment {
  host: string;
  /** The rule's spelling: `http`, `https`, `socks5_tcp`, `socks5_udp`. */
  protocol: string;
  action: "allow" | "deny";
}

/** The `network_rule` a network approval saves (network-proxy.md §6, Codex's wording). */
export function networkRuleLine(rule: NetworkAmendment): string {
  return (
    `network_rule(host=${JSON.stringify(rule.host)}, protocol=${JSON.stringify(rule.protocol)}, ` +
    `decision=${JSON.stringify(rule.action)}, justification=${JSON.stringify(networkRuleJustification(rule))})`
  );
}

/** The saved rule's justification (Codex's wording). */
export function networkRuleJustification(rule: NetworkAmendment): string {
  return `${rule.action === "allow" ? "Allow" : "Deny"} ${rule.protocol} access to ${rule.host}`;
}

/** Appends the `network_rule` for an answered network approval (same write guarantees). */
export function appendNetworkRule(keelHome: string, rule: NetworkAmendment): string {
  return appendRuleLine(keelHome, networkRuleLine(rule));
}

/** The developer message recorded once a network rule is saved (Codex's text). */
export function networkRuleSavedMessage(host: string, action: "allow" | "deny"): string {
  return action === "allow"
    ? `Allowed network rule saved in execpolicy (allowlist): ${host}`
    : `Denied network rule saved in execpolicy (denylist): ${host}`;
}

/** Appends one rule line unless the file already has it; other lines (comments too) stay. */
function appendRuleLine(keelHome: string, line: string): string {
  const file = defaultRulesFile(keelHome);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o600);
  try {
    const existing = fs.readFileSync(fd, "utf8");
    if (existing.split("\n").some((l) => l.trim() === line)) return file;
    const lead = existing === "" || existing.endsWith("\n") ? "" : "\n";
    fs.writeSync(fd, `${lead}${line}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/**
 * Removes the allow rule for `prefix` from default.rules (a revoked amendment). The file is
 * rewritten through a temporary file and a rename, so it is never seen half-written.
 */
export function removeAllowRule(keelHome: string, prefix: readonly string[]): void {
  const file = defaultRulesFile(keelHome);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const line = amendmentLine(prefix);
  const kept = text.split("\n").filter((l) => l.trim() !== line);
  const next = kept.join("\n");
  if (next === text) return;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, next, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** The developer message recorded when the user saves a prefix (Codex's text). */
export function amendmentSavedMessage(prefix: readonly string[]): string {
  return `Approved command prefix saved:\n- [${prefix.map((t) => JSON.stringify(t)).join(", ")}]`;
}
