import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { UserError } from "../lib/errors.js";
import { writePrivateFileAtomic } from "../lib/private-file.js";

/**
 * `$KEEL_HOME/auth.json` in Codex's format. keel only ever writes an API key
 * (`{"auth_mode": "apikey", "OPENAI_API_KEY": …}`); a file Codex wrote for a ChatGPT sign-in
 * (`tokens`, `last_refresh`) is read so it can be reported, never used.
 */
const AuthFileSchema = z.looseObject({
  auth_mode: z.string().nullish(),
  OPENAI_API_KEY: z.string().nullish(),
  tokens: z.unknown().nullish(),
  last_refresh: z.string().nullish(),
});

export type AuthMode = "apikey" | "chatgpt";

/** What auth.json says, reduced to what keel can act on. */
export type StoredAuth = { mode: "apikey"; apiKey: string } | { mode: "chatgpt" };

export function authFilePath(home: string): string {
  return path.join(home, "auth.json");
}

/** Permission bits beyond the owner's: such a file lets other users read the key. */
const NOT_PRIVATE = 0o077;

/**
 * Reads auth.json; null when there is none (or it holds no credentials). A file others can read is
 * narrowed to 0600 first (`onWarning` says so). An unreadable or malformed file is a UserError.
 */
export function readStoredAuth(home: string, onWarning?: (message: string) => void): StoredAuth | null {
  const file = authFilePath(home);
  let text: string;
  try {
    // Non-blocking: a FIFO (or device) placed there must not hang the server on `account/read`.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      if (!fs.fstatSync(fd).isFile()) throw new UserError(`${file} is not a regular file`, 1);
      repairMode(fd, file, onWarning);
      text = fs.readFileSync(fd, "utf8");
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw new UserError(`cannot read ${file}: ${(error as Error).message}`, 1);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file} is not valid JSON (${(error as Error).message})`, 1);
  }
  const parsed = AuthFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `\`${issue.path.join(".")}\`: ` : "";
    throw new UserError(
      `${file} is not a valid auth file: ${where}${issue?.message ?? "unexpected shape"}`,
      1,
    );
  }
  const auth = parsed.data;
  const key = auth.OPENAI_API_KEY ?? undefined;
  // Codex's rule: an explicit auth_mode wins; otherwise a key means API-key auth.
  const mode = auth.auth_mode ?? (key ? "apikey" : auth.tokens ? "chatgpt" : null);
  if (mode === "apikey") return key?.trim() ? { mode, apiKey: key } : null;
  return mode === null ? null : { mode: "chatgpt" };
}

function repairMode(fd: number, file: string, onWarning?: (message: string) => void): void {
  const mode = fs.fstatSync(fd).mode & 0o777;
  if ((mode & NOT_PRIVATE) === 0) return;
  const octal = mode.toString(8).padStart(3, "0");
  try {
    fs.fchmodSync(fd, 0o600);
    onWarning?.(`${file} was readable by other users (mode ${octal}); its mode is now 0600`);
  } catch (error) {
    onWarning?.(
      `${file} is readable by other users (mode ${octal}) and could not be made private: ${(error as Error).message}`,
    );
  }
}

/** The API key auth.json holds, if it holds one (ChatGPT tokens are no use to keel). */
export function storedApiKey(home: string, onWarning?: (message: string) => void): string | undefined {
  const auth = readStoredAuth(home, onWarning);
  return auth?.mode === "apikey" ? auth.apiKey : undefined;
}

/**
 * Replaces auth.json with an API-key login, atomically: the new file is written under a temporary
 * name with mode 0600 and renamed over the old one, so no reader ever sees half a file and the key
 * is never readable by others, not even for a moment.
 */
export function saveApiKey(home: string, apiKey: string): void {
  const file = authFilePath(home);
  const body = JSON.stringify({ auth_mode: "apikey", OPENAI_API_KEY: apiKey }, null, 2);
  try {
    writePrivateFileAtomic(file, body);
  } catch (error) {
    throw new UserError(`cannot write ${file}: ${(error as Error).message}`, 1);
  }
}

/** Removes auth.json; false when there was none. */
export function deleteStoredAuth(home: string): boolean {
  const file = authFilePath(home);
  try {
    fs.unlinkSync(file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw new UserError(`cannot remove ${file}: ${(error as Error).message}`, 1);
  }
}

/** Codex's masking for `login status`: 8 characters, `***`, the last 5; short keys are all stars. */
export function maskApiKey(key: string): string {
  if (key.length <= 13) return "***";
  return `${key.slice(0, 8)}***${key.slice(-5)}`;
}
