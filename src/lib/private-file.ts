import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * Replaces `file` with `body` atomically and privately: the new content is written under a
 * temporary name created with mode 0600, synced, then renamed over the old file, so no reader sees
 * half a file and the secret in it is never readable by others, not even for a moment. Throws the
 * underlying error (the temporary file is removed).
 */
export function writePrivateFileAtomic(file: string, body: string): void {
  writeFileDurably(file, body, 0o700);
}

/**
 * The same with the folder's default mode if it must be created. Durable too: the file is
 * synced before the rename and its folder after it, so a power loss leaves the old file or the
 * new one, never an empty or missing one.
 */
export function writeFileDurably(file: string, body: string, dirMode?: number): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, ...(dirMode === undefined ? {} : { mode: dirMode }) });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const fd = fs.openSync(tmp, "wx", 0o600);
    try {
      fs.writeFileSync(fd, body);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  syncDirectory(dir);
}

/** Makes a rename or creation in `dir` durable (best effort where folders cannot be opened). */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself already happened.
  } finally {
    fs.closeSync(fd);
  }
}
