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
/** Words after a wrapper tried as the start of the wrapped command (options come first). */
const MAX_WRAPPER_WORDS = 32;

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

/** The script a command runs: `sh -c <script>`, or the words of `eval`. */
function scriptOf(command: readonly string[]): string | null {
  if (command[0] === "eval") return command.slice(1).join(" ");
  return extractShellScript(command)?.script ?? null;
}

/** The commands a wrapper may run: each suffix of its arguments (`command -v x` runs nothing). */
function wrapped(command: readonly string[]): string[][] {
  const program = path.basename(command[0] ?? "");
  if (!WRAPPERS.has(program)) return [];
  if (program === "command" && command.slice(1).some((w) => w === "-v" || w === "-V")) return [];
  const out: string[][] = [];
  for (let i = 1; i < Math.min(command.length, MAX_WRAPPER_WORDS + 1); i++) out.push(command.slice(i));
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
