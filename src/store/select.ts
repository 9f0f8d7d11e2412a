import path from "node:path";
import { isTable, readTomlFile } from "../config/toml-file.js";
import { parseStoreUrl } from "./open.js";

/** The store chosen at start-up, as `openThreadStore` takes it. */
export interface StoreSelection {
  /** null: rollout files + SQLite index (the default). */
  url: string | null;
  /** From KEEL_STORE_PASSWORD; overrides a password in the URL. */
  password?: string;
}

/** Environment variable holding the PostgreSQL password (never in config.toml or on the command line). */
export const STORE_PASSWORD_ENV = "KEEL_STORE_PASSWORD";

/**
 * `--store` wins; else `store = "…"` or `[store] url = "…"` in `$KEEL_HOME/config.toml`. Only the
 * user's own config is read: a project's `.keel/config.toml` cannot send threads elsewhere.
 */
export function selectStore(opts: {
  flag?: string;
  home: string;
  env: Readonly<Record<string, string | undefined>>;
}): StoreSelection {
  const password = opts.env[STORE_PASSWORD_ENV] || undefined;
  if (opts.flag !== undefined) return { url: parseStoreUrl(opts.flag), password };
  const file = path.join(opts.home, "config.toml");
  const value = readTomlFile(file).table?.store;
  const url = isTable(value) ? value.url : value;
  if (url === undefined) return { url: null, password };
  if (typeof url !== "string")
    throw new Error(`${file}: store must be a string ("files" or a postgres:// URL)`);
  return { url: parseStoreUrl(url), password };
}
