import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { UserError } from "../lib/errors.js";

/**
 * keel's home directory: `$KEEL_HOME`, else `~/.keel`. Same layout as Codex's `CODEX_HOME`.
 * Everything that touches the home takes it as a parameter; only the CLI entry points call this.
 */
export function resolveKeelHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.KEEL_HOME;
  if (fromEnv && fromEnv.trim() !== "") return path.resolve(fromEnv);
  return path.join(os.homedir(), ".keel");
}

/**
 * Stops a command before it reads or writes anything when the home exists but is not a directory
 * (`KEEL_HOME` set to a file, say): otherwise config would silently be skipped and every write
 * would fail later. A home that does not exist yet is fine; it is created when first needed.
 */
export function requireUsableKeelHome(home: string, env: Readonly<Record<string, string | undefined>>): void {
  let isDirectory: boolean;
  try {
    isDirectory = fs.statSync(home).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOTDIR") return;
    isDirectory = false;
  }
  if (isDirectory) return;
  const origin = env.KEEL_HOME?.trim() ? "KEEL_HOME" : "the keel home";
  throw new UserError(
    `${origin} \`${home}\` is not a directory. Set KEEL_HOME to a directory (it is created if missing), ` +
      "or unset it to use ~/.keel. Nothing was read from or written to that path.",
    2,
  );
}
