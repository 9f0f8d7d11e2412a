import fs from "node:fs";
import path from "node:path";
import { commandSegments } from "../../execpolicy/evaluate.js";

/**
 * An allow rule names a program (`git`), but a bare name runs whatever PATH finds first. When
 * that is a file the sandbox may write — say `./bin/git` planted by an earlier sandboxed
 * command, with `./bin` on PATH — running it outside the sandbox would let the sandbox escape
 * itself. Such a command loses the rule's bypass and goes the normal approval path.
 */

/** The file a bare program name resolves to on `PATH` (relative entries against `cwd`); null: none. */
export function resolveOnPath(program: string, pathVar: string | undefined, cwd: string): string | null {
  if (program.includes("/") || pathVar === undefined) return null;
  for (const entry of pathVar.split(":")) {
    // An empty entry means the current directory, as in execvp.
    const candidate = path.resolve(cwd, entry === "" ? "." : entry, program);
    try {
      if (fs.statSync(candidate).isFile()) {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      }
    } catch {
      // not there or not executable: the next entry
    }
  }
  return null;
}

/** Whether a segment's bare program resolves to a file `writable` says the sandbox can write. */
export function runsWritableProgram(
  argv: readonly string[],
  pathVar: string | undefined,
  cwd: string,
  writable: (file: string) => boolean,
): boolean {
  return commandSegments(argv).some((segment) => {
    const found = segment[0] === undefined ? null : resolveOnPath(segment[0], pathVar, cwd);
    return found !== null && writable(found);
  });
}
