import { MIGRATION_0002 } from "./migration-0002.js";

/**
 * Versioned schema migrations, applied in order by `migrate` (schema.ts). Kept as TypeScript
 * strings rather than .sql files so they travel inside keel's single-file build.
 *
 * Numbers are never reused or edited once released: a change is a new migration.
 * 0002 belongs to the lease table (multi-server work).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const INIT = `
CREATE TABLE keel_threads (
  id              text PRIMARY KEY,
  -- pg:/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl: the file name the file store would use.
  rollout_path    text NOT NULL,
  cwd             text NOT NULL,
  name            text,
  preview         text NOT NULL DEFAULT '',
  model           text,
  reasoning_effort text,
  model_provider  text,
  -- session_meta.source as JSON text; source_kind is its v2 ThreadSourceKind (list filter).
  source          text NOT NULL,
  source_kind     text NOT NULL,
  -- Milliseconds since the epoch; columns named like the file store's SQLite index.
  created_at_ms   bigint NOT NULL,
  updated_at_ms   bigint NOT NULL,
  archived        boolean NOT NULL DEFAULT false,
  archived_at_ms  bigint,
  forked_from_id  text,
  cli_version     text NOT NULL,
  tokens_used     bigint NOT NULL DEFAULT 0,
  git_sha         text,
  git_branch      text,
  git_origin_url  text,
  agent_nickname  text,
  agent_role      text,
  -- Number of lines in keel_items (the next seq).
  item_count      bigint NOT NULL DEFAULT 0
);

-- thread/list: keyset pagination per (archived, sort key, id), both directions.
CREATE INDEX keel_threads_updated ON keel_threads (archived, updated_at_ms, id);
CREATE INDEX keel_threads_created ON keel_threads (archived, created_at_ms, id);
CREATE INDEX keel_threads_cwd_updated ON keel_threads (archived, cwd, updated_at_ms, id);
CREATE INDEX keel_threads_cwd_created ON keel_threads (archived, cwd, created_at_ms, id);

-- One row per rollout line, verbatim (text, not jsonb: byte-exact, and a line this version
-- cannot parse is kept like the file keeps it). Append-only; seq counts from 0.
CREATE TABLE keel_items (
  thread_id  text NOT NULL REFERENCES keel_threads (id) ON DELETE CASCADE,
  seq        bigint NOT NULL,
  line       text NOT NULL,
  PRIMARY KEY (thread_id, seq)
);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "0001_init", sql: INIT },
  { version: 2, name: "0002_leases", sql: MIGRATION_0002 },
];

/** Postgres advisory-lock key held while migrating ("keel" + schema). */
export const MIGRATION_LOCK_KEY = 0x6b65656c;
