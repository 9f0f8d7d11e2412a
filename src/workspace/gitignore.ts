/**
 * `.gitignore` rules (gitignore(5)) compiled to regular expressions. keel has no ignore library
 * among its dependencies, so this covers the documented syntax: comments, `!` negation, `\`
 * escapes, trailing-`/` directory rules, anchoring by a leading or inner `/`, `*`, `?`, `[…]`
 * and `**`.
 */

export interface IgnoreRule {
  readonly negated: boolean;
  readonly directoryOnly: boolean;
  /** Tested against the path relative to the rule file's directory, `/`-separated. */
  readonly pattern: RegExp;
}

export function parseGitignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    let line = rawLine.replace(/(?<!\\)\s+$/, "");
    if (line === "" || line.startsWith("#")) continue;
    let negated = false;
    if (line.startsWith("!")) {
      negated = true;
      line = line.slice(1);
    } else if (line.startsWith("\\!") || line.startsWith("\\#")) {
      line = line.slice(1);
    }
    const directoryOnly = line.endsWith("/");
    if (directoryOnly) line = line.slice(0, -1);
    if (line === "") continue;
    // A slash at the start or in the middle anchors the pattern to the file's directory.
    const anchored = line.includes("/");
    if (line.startsWith("/")) line = line.slice(1);
    const body = globToRegex(line);
    rules.push({
      negated,
      directoryOnly,
      pattern: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`),
    });
  }
  return rules;
}

function globToRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const atStart = i === 0 || glob[i - 1] === "/";
        const atEnd = i + 2 === glob.length || glob[i + 2] === "/";
        if (atStart && atEnd) {
          if (i + 2 === glob.length) out += ".*";
          else {
            out += "(?:.*/)?";
            i++; // the slash
          }
          i++;
          continue;
        }
      }
      out += "[^/]*";
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1) out += "\\[";
      else {
        let set = glob.slice(i + 1, close).replace(/\\/g, "\\\\");
        if (set.startsWith("!")) set = `^${set.slice(1)}`;
        out += `[${set}]`;
        i = close;
      }
    } else if (c === "\\" && i + 1 < glob.length) {
      out += escapeChar(glob[++i]!);
    } else {
      out += escapeChar(c);
    }
  }
  return out;
}

const escapeChar = (c: string) => c.replace(/[.+^${}()|[\]\\/]/g, "\\$&");

/** The verdict of the last matching rule: true ignored, false re-included, null no rule matched. */
export function ruleVerdict(
  rules: readonly IgnoreRule[],
  relative: string,
  isDirectory: boolean,
): boolean | null {
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]!;
    if (rule.directoryOnly && !isDirectory) continue;
    if (rule.pattern.test(relative)) return !rule.negated;
  }
  return null;
}
