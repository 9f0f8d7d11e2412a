/**
 * Migration 0002 (issue 19, many servers on one database): thread leases and shared server
 * requests. Lease rows: one per thread, for one writer per thread across servers.
 *
 * The row outlives its holder: releasing clears the holder but keeps `generation`, so the number
 * only ever grows and a writer fenced by an old generation stays fenced forever.
 */
export const MIGRATION_0002 = `
CREATE TABLE thread_leases (
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

-- Pending server requests of running threads, answerable from any server (requests.ts).
CREATE TABLE thread_requests (
  request_key text PRIMARY KEY,
  thread_id   text NOT NULL,
  server_id   text NOT NULL,
  method      text NOT NULL,
  params      jsonb NOT NULL,
  answer      jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX thread_requests_by_thread ON thread_requests (thread_id, created_at);

-- Every committed append tells the other servers where the thread's log now ends (notify.ts):
-- one notification per thread per statement, sent at COMMIT and dropped on ROLLBACK.
CREATE FUNCTION keel_items_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('keel_items', json_build_object('t', thread_id, 's', max(seq))::text)
  FROM appended GROUP BY thread_id;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER keel_items_notify AFTER INSERT ON keel_items
  REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION keel_items_notify();
`;
