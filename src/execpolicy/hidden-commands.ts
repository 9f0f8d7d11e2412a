import path from "node:path";
import { extractShellScript, looseScriptCommands, parsePlainScript } from "../tools/shell-words.js";

/**
 * The commands a command runs that plain segment splitting does not show (spec execpolicy.md §3
 * checks only a plain script's segments, else the whole argv): the literal commands of a script
 * with redirections, substitutions or subshells (`git push 2>&1`, `echo $(git push)`), the script
 * of a nested `sh -c` or of `eval`, and what follows a wrapper program (`env X=1 git push`,
 * `sudo git push`, `xargs git push`). Codex checks none of these, so a word rule never sees them;
 * keel holds them to its forbidden and prompt rules. The list over-approximates (every word after
 * a wrapper may start the command), which is why it never serves an allow rule.
 */

/** Scripts inside scripts deeper than this are not looked into (the outer command still is). */
const MAX_DEPTH = 8;
/**
 * Words kept of each candidate command after a wrapper: every position may start the wrapped
 * command (`env env … git push`), and no rule pattern is this long, so the tail never matters.
 */
const MAX_CANDIDATE_WORDS = 64;

/** Programs that run the command in their arguments. */
const WRAPPERS = new Set([
  "env",
  "sudo",
  "doas",
  "command",
  "exec",
  "nohup",
  "nice",
  "ionice",
  "timeout",
  "stdbuf",
  "setsid",
  "xargs",
  "time",
  "busybox",
  "flock",
  "chroot",
  "unshare",
]);

const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash"]);
/** Shell options whose value is the next word. */
const SHELL_OPTIONS_WITH_VALUE = new Set(["-o", "+o", "-O", "+O", "--rcfile", "--init-file"]);
/** `find` actions that run the words after them. */
const FIND_EXEC = new Set(["-exec", "-execdir", "-ok", "-okdir"]);

/**
 * The script a command runs: `eval`'s words, or a shell's `-c` script whatever options surround
 * the flag (`bash -ec …`, `sh -c … name arg`, `bash --norc -c …`), which Codex's exact
 * three-word form (`bash -lc <script>`) does not cover.
 */
function scriptOf(command: readonly string[]): string | null {
  if (command[0] === "eval") return command.slice(1).join(" ");
  const exact = extractShellScript(command);
  if (exact) return exact.script;
  if (!SHELLS.has(path.basename(command[0] ?? ""))) return null;
  let sawC = false;
  for (let i = 1; i < command.length; i++) {
    const word = command[i]!;
    if (word === "--") return sawC ? (command[i + 1] ?? null) : null;
    if (SHELL_OPTIONS_WITH_VALUE.has(word)) i++;
    else if (/^[-+][A-Za-z]+$/.test(word)) sawC ||= word.startsWith("-") && word.includes("c");
    else if (!word.startsWith("--")) return sawC ? word : null;
  }
  return null;
}

/**
 * The commands a wrapper may run: each suffix of its arguments (`command -v x` runs nothing), or
 * for `find` the words after `-exec`.
 */
function wrapped(command: readonly string[]): string[][] {
  const program = path.basename(command[0] ?? "");
  const from = (i: number) => command.slice(i, i + MAX_CANDIDATE_WORDS);
  if (program === "find")
    return command.flatMap((word, i) => (FIND_EXEC.has(word) && i + 1 < command.length ? [from(i + 1)] : []));
  if (!WRAPPERS.has(program)) return [];
  if (program === "command" && command.slice(1).some((w) => w === "-v" || w === "-V")) return [];
  const out: string[][] = [];
  for (let i = 1; i < command.length; i++) out.push(from(i));
  return out;
}

function inner(command: readonly string[], depth: number): string[][] {
  if (depth >= MAX_DEPTH) return [];
  const script = scriptOf(command);
  const plain = script === null ? null : parsePlainScript(script);
  const fromScript = script === null ? [] : (plain?.commands ?? looseScriptCommands(script));
  // A wrapper's suffixes already include every inner wrapper's: only scripts are looked into.
  const suffixes = wrapped(command);
  return [
    ...suffixes.flatMap((s) => [s, ...scriptsIn(s, depth + 1)]),
    ...fromScript.flatMap((c) => [c, ...inner(c, depth + 1)]),
  ];
}

function scriptsIn(command: readonly string[], depth: number): string[][] {
  if (depth >= MAX_DEPTH || scriptOf(command) === null) return [];
  return inner(command, depth);
}

/** The hidden commands of each of `segments` (a command's plain segments, or its whole argv). */
export function hiddenCommands(segments: readonly (readonly string[])[]): string[][] {
  return segments.flatMap((segment) => inner(segment, 0));
}
