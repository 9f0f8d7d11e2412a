import { FileThreadStore } from "../rollout/store.js";
import type { ThreadStore } from "./types.js";

export interface OpenThreadStoreOptions {
  /** `$KEEL_HOME`: the file store's root. */
  home: string;
  /** Told when something the user should know happened to the store. */
  onWarning?: (message: string) => void;
}

/** The thread store keel runs on: rollout files + SQLite index (the default). */
export function openThreadStore(opts: OpenThreadStoreOptions): ThreadStore {
  return new FileThreadStore({ home: opts.home, onWarning: opts.onWarning });
}
