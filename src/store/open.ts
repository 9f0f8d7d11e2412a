import { FileThreadStore } from "../rollout/store.js";
import { PostgresThreadStore } from "./postgres/store.js";
import { redactUrl } from "./redact.js";
import type { ThreadStore } from "./types.js";

export interface OpenThreadStoreOptions {
  /** `$KEEL_HOME`: the file store's root. */
  home: string;
  /** `postgres://…` for PostgreSQL; absent, null or "files": rollout files + SQLite index. */
  url?: string | null;
  /** PostgreSQL password (KEEL_STORE_PASSWORD), kept out of the URL. */
  password?: string;
  /** Told when something the user should know happened to the store. */
  onWarning?: (message: string) => void;
}

export class StoreUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreUrlError";
  }
}

/** Checks a `--store` / `store =` value: "files", or a postgres:// or postgresql:// URL. */
export function parseStoreUrl(value: string): string | null {
  const trimmed = value.trim();
  if (trimmed === "" || trimmed === "files") return null;
  if (!/^postgres(ql)?:\/\//i.test(trimmed)) {
    throw new StoreUrlError(
      `unsupported store ${redactUrl(trimmed)}: use "files" or a postgres://user@host:port/database URL`,
    );
  }
  try {
    new URL(trimmed);
  } catch {
    throw new StoreUrlError(`invalid store URL ${redactUrl(trimmed)}`);
  }
  return trimmed;
}

/** The thread store keel runs on: rollout files + SQLite index by default, or PostgreSQL. */
export function openThreadStore(opts: OpenThreadStoreOptions): ThreadStore {
  const url = opts.url ? parseStoreUrl(opts.url) : null;
  if (url) return new PostgresThreadStore({ url, password: opts.password, onWarning: opts.onWarning });
  return new FileThreadStore({ home: opts.home, onWarning: opts.onWarning });
}
