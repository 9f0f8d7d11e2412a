import { constants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { lockFile } from "./lock.js";
import { bytesToDrop, lineLengths } from "./trim.js";

/**
 * The global prompt history, `$KEEL_HOME/history.jsonl` (rollout.md §9): one JSON line per
 * message a person typed, `{"session_id","ts","text"}`, for a composer's ↑ recall. Written as
 * Codex writes it: owner-only (0600), one `write` per entry under an exclusive lock, trimmed to
 * `[history] max_bytes`.
 */

export const HISTORY_FILENAME = "history.jsonl";

export interface MessageHistoryConfig {
  keelHome: string;
  /** `[history] persistence`: "none" writes nothing. */
  persistence: "save-all" | "none";
  /** `[history] max_bytes`: trim oldest lines past it (null or 0: unbounded). */
  maxBytes: number | null;
}

export interface HistoryEntry {
  session_id: string;
  /** Unix seconds. */
  ts: number;
  text: string;
}

export const historyFile = (keelHome: string): string => path.join(keelHome, HISTORY_FILENAME);

/** The `[history]` table of config.toml, with Codex's defaults. */
export function messageHistoryConfig(
  keelHome: string,
  table: { persistence?: "save-all" | "none"; max_bytes?: number } | null | undefined,
): MessageHistoryConfig {
  return { keelHome, persistence: table?.persistence ?? "save-all", maxBytes: table?.max_bytes ?? null };
}

/**
 * Appends one entry. O_APPEND and a single write: a writer killed mid-way leaves every earlier
 * line whole. The trim rewrites into a temp file renamed over the original, so a kill there
 * loses nothing either (the file gets a new inode, which tells readers their offsets are stale).
 */
export async function appendHistoryEntry(
  config: MessageHistoryConfig,
  sessionId: string,
  text: string,
  now: () => number = Date.now,
): Promise<void> {
  if (config.persistence === "none") return;
  const file = historyFile(config.keelHome);
  await fs.mkdir(config.keelHome, { recursive: true });
  const entry: HistoryEntry = { session_id: sessionId, ts: Math.floor(now() / 1000), text };
  const line = Buffer.from(`${JSON.stringify(entry)}\n`, "utf8");
  const release = await lockFile(file);
  try {
    const handle = await fs.open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    try {
      // An existing file keeps whatever mode it had unless forced back to owner-only.
      if (((await handle.stat()).mode & 0o777) !== 0o600) await handle.chmod(0o600);
      await handle.write(line);
    } finally {
      await handle.close();
    }
    await enforceLimit(file, config.maxBytes);
  } finally {
    await release();
  }
}

async function enforceLimit(file: string, maxBytes: number | null): Promise<void> {
  if (!maxBytes) return;
  if ((await fs.stat(file)).size <= maxBytes) return;
  const data = await fs.readFile(file);
  const drop = bytesToDrop(lineLengths(data), maxBytes);
  if (drop === 0) return;
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, data.subarray(drop), { mode: 0o600 });
  await fs.rename(temp, file);
}

/**
 * `(history_log_id, history_entry_count)` for `session_configured`: the file's inode and its
 * number of `\n` bytes; (0, 0) when there is no file.
 */
export async function messageHistoryMetadata(keelHome: string): Promise<{ logId: number; count: number }> {
  const file = historyFile(keelHome);
  try {
    const [stat, data] = await Promise.all([fs.stat(file), fs.readFile(file)]);
    let count = 0;
    for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) count++;
    return { logId: stat.ino, count };
  } catch {
    return { logId: 0, count: 0 };
  }
}
