import fs from "node:fs";
import path from "node:path";
import type { ShellSnapshot } from "./snapshot.js";

const quote = (text: string): string => `'${text.replaceAll("'", `'"'"'`)}'`;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Runs `[shell, "-lc", script]` in the snapshot's cwd as `[userShell, "-c", wrapper]`: the wrapper
 * sources the snapshot (quietly, a failure is ignored), puts back the variables the runtime set on
 * purpose (`restore`: policy `set`, the thread id) and `exec`s the original shell with `-c`, so
 * the login profile is not read again. Every other command is returned as it is.
 */
export function wrapWithSnapshot(
  argv: readonly string[],
  cwd: string,
  snapshot: ShellSnapshot | null,
  userShell: string,
  restore: readonly string[],
): string[] {
  if (snapshot === null || argv.length < 3 || argv[1] !== "-lc") return [...argv];
  if (path.resolve(cwd) !== path.resolve(snapshot.cwd) || !fs.existsSync(snapshot.path)) return [...argv];
  const names = [...new Set(restore)].filter((n) => VARIABLE_NAME.test(n)).sort();
  // Set-or-unset is kept apart from the value, so an override that was unset stays unset.
  const save = names.map((n, i) => `__keel_set_${i}="\${${n}+x}"; __keel_val_${i}="\${${n}-}"`);
  const put = names.map(
    (n, i) => `if [ -n "$__keel_set_${i}" ]; then export ${n}="$__keel_val_${i}"; else unset ${n}; fi`,
  );
  const trailing = argv
    .slice(3)
    .map((a) => ` ${quote(a)}`)
    .join("");
  const script = [
    ...(save.length > 0 ? [save.join("\n")] : []),
    `if . ${quote(snapshot.path)} >/dev/null 2>&1; then :; fi`,
    ...(put.length > 0 ? [put.join("\n")] : []),
    `exec ${quote(argv[0]!)} -c ${quote(argv[2]!)}${trailing}`,
  ].join("\n\n");
  return [userShell, "-c", script];
}
