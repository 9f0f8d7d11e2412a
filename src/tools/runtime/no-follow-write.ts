import { constants } from "node:fs";
import fs from "node:fs/promises";

/** The last component of a write target turned into a symlink between the check and the write. */
export class LinkSwappedError extends Error {}

/**
 * Writes `target` (already resolved and checked by the caller) refusing to follow a symlink in
 * its last component: one that appeared after the check would send the write somewhere unchecked.
 */
export async function writeWithoutFollowing(target: string, content: string): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(target, flags, 0o666);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP")
      throw new LinkSwappedError(`${target} became a symlink after it was checked; nothing written`);
    throw error;
  }
  try {
    await handle.writeFile(content, "utf8");
  } finally {
    await handle.close();
  }
}
