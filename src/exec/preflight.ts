import fs from "node:fs";
import path from "node:path";
import { UserError } from "../lib/errors.js";

/**
 * Checks `keel exec` makes before the turn starts, so a mistake on the command line costs no model
 * request and no answer is produced only to be lost. Usage mistakes exit with 2.
 */

function reason(error: unknown, folder: string): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case "EISDIR":
      return "it is a directory";
    case "ENOENT":
      return `the folder ${folder} does not exist`;
    case "ENOTDIR":
      return `${folder} is not a folder`;
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "permission denied";
    default:
      return (error as Error).message;
  }
}

/** The message for a last-message file that cannot be written (before the turn or after it). */
export function outputFileError(file: string, error: unknown): string {
  return `cannot write the last message to ${file}: ${reason(error, path.dirname(file))}`;
}

/**
 * `-o FILE`: opens it for appending, which proves the folder exists and the file can be written
 * without changing an existing one; a file created by the check is removed again.
 */
export function checkOutputFile(file: string): void {
  try {
    let created = true;
    let fd: number;
    try {
      fd = fs.openSync(file, "ax");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      created = false;
      fd = fs.openSync(file, "a");
    }
    fs.closeSync(fd);
    if (created) fs.rmSync(file, { force: true });
  } catch (error) {
    throw new UserError(outputFileError(file, error), 2);
  }
}

/** `--add-dir DIR`: each must be an existing directory (resolved against the session's cwd). */
export function checkAddDirs(dirs: readonly string[], cwd: string): void {
  for (const dir of dirs) {
    const abs = path.resolve(cwd, dir);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new UserError(`--add-dir ${dir}: the directory ${abs} does not exist`, 2);
    }
    if (!stat.isDirectory()) throw new UserError(`--add-dir ${dir}: ${abs} is not a directory`, 2);
  }
}
