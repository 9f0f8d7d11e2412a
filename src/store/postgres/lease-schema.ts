/**
 * Migration 0002: one lease row per thread (issue 19, one writer per thread across servers).
 *
 * The row outlives its holder: releasing clears the holder but keeps `generation`, so the number
 * only ever grows and a writer fenced by an old generation stays fenced forever.
 */
export const LEASE_MIGRATION_0002 = `
CREATE TABLE IF NOT EXISTS thread_leases (
  thread_id    text PRIMARY KEY,
  generation   bigint NOT NULL,
  server_id    text,
  host         text,
  pid          integer,
  address      text,
  acquired_at  timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL
);
`;
