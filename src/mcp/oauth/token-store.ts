import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { writePrivateFileAtomic } from "../../lib/private-file.js";

/**
 * OAuth credentials of streamable HTTP MCP servers, in `$KEEL_HOME/.credentials.json` (Codex's
 * file-store name and entry fields): one entry per server name and URL, so a server whose URL
 * changes is logged out rather than sent another server's token. Mode 0600, replaced atomically.
 */

const EntrySchema = z.object({
  server_name: z.string(),
  server_url: z.string(),
  client_id: z.string(),
  /** Issued by dynamic client registration to confidential clients (keel registers public ones). */
  client_secret: z.string().nullish(),
  access_token: z.string(),
  /** Unix milliseconds. */
  expires_at: z.number().nullish(),
  refresh_token: z.string().nullish(),
  scopes: z.array(z.string()).default([]),
});
export type StoredMcpOAuth = z.infer<typeof EntrySchema>;

const FileSchema = z.record(z.string(), EntrySchema);

export function mcpCredentialsPath(home: string): string {
  return path.join(home, ".credentials.json");
}

function entryKey(serverName: string, serverUrl: string): string {
  const digest = createHash("sha256").update(serverUrl).digest("hex").slice(0, 16);
  return `${serverName}|${digest}`;
}

/** Every entry; an absent file is empty, an unreadable or malformed one an Error with the path. */
function readAll(home: string): Record<string, StoredMcpOAuth> {
  const file = mcpCredentialsPath(home);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return {};
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message})`);
  }
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file} is not a valid MCP credentials file`);
  return parsed.data;
}

export function loadMcpOAuth(home: string, serverName: string, serverUrl: string): StoredMcpOAuth | null {
  return readAll(home)[entryKey(serverName, serverUrl)] ?? null;
}

export function saveMcpOAuth(home: string, entry: StoredMcpOAuth): void {
  const all = readAll(home);
  all[entryKey(entry.server_name, entry.server_url)] = entry;
  writePrivateFileAtomic(mcpCredentialsPath(home), `${JSON.stringify(all, null, 2)}\n`);
}

/** Forgets a server's credentials; false when there were none. */
export function deleteMcpOAuth(home: string, serverName: string, serverUrl: string): boolean {
  const all = readAll(home);
  const key = entryKey(serverName, serverUrl);
  if (!(key in all)) return false;
  delete all[key];
  writePrivateFileAtomic(mcpCredentialsPath(home), `${JSON.stringify(all, null, 2)}\n`);
  return true;
}
