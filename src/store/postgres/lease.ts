import type pg from "pg";
import { ThreadHeldElsewhereError, type ThreadHolder } from "../cluster.js";
import { dropStaleRequests } from "./requests.js";

/**
 * Thread leases: at most one server writes a thread at a time (issue 19). A lease is a row in
 * `thread_leases` (migration 0002) with a holder, an expiry renewed by a heartbeat, and a
 * generation that grows on every take-over. Appends check the generation inside their transaction
 * (`assertFence`), so a holder that stalled past its expiry and comes back cannot write after
 * another server took the thread over. All times are the database's clock, never a server's.
 */

/** Who holds a lease (the same shape every store's errors use). */
export type LeaseHolder = ThreadHolder;

export interface Lease {
  threadId: string;
  /** Fencing token: appends made under this lease carry it. */
  generation: number;
}

/** The thread is leased by another live server. */
export { ThreadHeldElsewhereError as LeaseHeldError };

/** This server's lease was taken over: the write it attempted is refused. */
export class LeaseLostError extends Error {
  readonly code = "THREAD_LEASE_LOST";
  constructor(
    readonly threadId: string,
    readonly generation: number,
  ) {
    super(
      `thread ${threadId}: this server's lease (generation ${generation}) was taken over by another ` +
        "server; the write was refused",
    );
    this.name = "LeaseLostError";
  }
}

/** What `pg.Pool`, `pg.Client` and `pg.PoolClient` have in common. */
export type Queryable = Pick<pg.Pool, "query">;

export interface LeaseManagerOptions {
  db: Queryable;
  self: LeaseHolder;
  /** How long a lease lives without a heartbeat (default 6 s). */
  ttlMs?: number;
  /** How often held leases are renewed (default 2 s); keep well under `ttlMs`. */
  heartbeatMs?: number;
  /** A lease this server held was taken over (seen at the next heartbeat). */
  onLost?: (threadId: string) => void;
  /** A heartbeat failed (database unreachable); leases are retried at the next beat. */
  onError?: (error: unknown) => void;
}

interface LeaseRow {
  generation: string;
  server_id: string | null;
  host: string | null;
  pid: number | null;
  address: string | null;
  expires_at: Date;
}

const ACQUIRE_SQL = `
INSERT INTO thread_leases AS l
  (thread_id, generation, server_id, host, pid, address, acquired_at, heartbeat_at, expires_at)
VALUES ($1, 1, $2, $3, $4, $5, now(), now(), now() + $6 * interval '1 millisecond')
ON CONFLICT (thread_id) DO UPDATE SET
  generation = l.generation + 1,
  server_id = EXCLUDED.server_id, host = EXCLUDED.host, pid = EXCLUDED.pid, address = EXCLUDED.address,
  acquired_at = now(), heartbeat_at = now(), expires_at = EXCLUDED.expires_at
WHERE l.server_id IS NULL OR l.expires_at <= now() OR l.server_id = EXCLUDED.server_id
RETURNING generation`;

const RENEW_SQL = `
UPDATE thread_leases AS l
SET heartbeat_at = now(), expires_at = now() + $3 * interval '1 millisecond'
FROM unnest($1::text[], $2::bigint[]) AS h(thread_id, generation)
WHERE l.thread_id = h.thread_id AND l.generation = h.generation AND l.server_id = $4
RETURNING l.thread_id`;

// The generation is kept; only the holder is cleared, so the thread is free at once.
const RELEASE_SQL = `
UPDATE thread_leases SET server_id = NULL, host = NULL, pid = NULL, address = NULL, expires_at = now()
WHERE thread_id = $1 AND generation = $2 AND server_id = $3`;

export class LeaseManager {
  private readonly db: Queryable;
  private readonly self: LeaseHolder;
  private readonly ttlMs: number;
  private readonly heartbeatMs: number;
  private readonly onLost: (threadId: string) => void;
  private readonly onError: (error: unknown) => void;
  private readonly leases = new Map<string, Lease>();
  private readonly pending = new Map<string, Promise<Lease>>();
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;

  constructor(options: LeaseManagerOptions) {
    this.db = options.db;
    this.self = options.self;
    this.ttlMs = options.ttlMs ?? 6000;
    this.heartbeatMs = options.heartbeatMs ?? 2000;
    this.onLost = options.onLost ?? (() => {});
    this.onError = options.onError ?? (() => {});
  }

  get holder(): LeaseHolder {
    return this.self;
  }

  /** The lease this server holds on `threadId`, if any. */
  held(threadId: string): Lease | undefined {
    return this.leases.get(threadId);
  }

  /**
   * Takes the thread's lease, or keeps it when this server already holds it (a row still naming
   * this server, say while its release is in flight, is taken again with a new generation). Throws
   * `LeaseHeldError` naming the holder when another server's lease is still alive.
   */
  acquire(threadId: string): Promise<Lease> {
    const have = this.leases.get(threadId);
    if (have) return Promise.resolve(have);
    let running = this.pending.get(threadId);
    if (!running) {
      running = this.take(threadId).finally(() => this.pending.delete(threadId));
      this.pending.set(threadId, running);
    }
    return running;
  }

  private async take(threadId: string): Promise<Lease> {
    const { serverId, host, pid, address } = this.self;
    const taken = await this.db.query<{ generation: string }>(ACQUIRE_SQL, [
      threadId,
      serverId,
      host,
      pid,
      address,
      this.ttlMs,
    ]);
    const row = taken.rows[0];
    if (!row) {
      const current = await readLease(this.db, threadId);
      // Freed between the two statements: try once more rather than report a stale holder.
      if (!current?.holder) return this.take(threadId);
      // A holder on this machine whose process is gone (a CLI run that exited, a crash) frees the
      // thread at once rather than after its lease: compare-and-set on the generation.
      if (this.deadHere(current.holder)) {
        await this.db.query(RELEASE_SQL, [threadId, current.generation, current.holder.serverId]);
        return this.take(threadId);
      }
      throw new ThreadHeldElsewhereError(threadId, current.holder, current.expiresAt);
    }
    const lease = { threadId, generation: Number(row.generation) };
    this.leases.set(threadId, lease);
    this.startHeartbeat();
    // Best effort: a dead holder's requests are hidden from watchers anyway (its lease lapsed).
    await dropStaleRequests(this.db, threadId, serverId).catch((error: unknown) => this.onError(error));
    return lease;
  }

  private deadHere(holder: LeaseHolder): boolean {
    if (holder.host !== this.self.host || holder.serverId === this.self.serverId) return false;
    try {
      process.kill(holder.pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ESRCH";
    }
  }

  /** Gives the thread up (unload); another server may take it at once. */
  async release(threadId: string): Promise<void> {
    const lease = this.leases.get(threadId);
    if (!lease) return;
    this.leases.delete(threadId);
    await this.db.query(RELEASE_SQL, [threadId, lease.generation, this.self.serverId]);
  }

  /** Renews every held lease in one statement; leases that were taken over are dropped. */
  heartbeat(): Promise<void> {
    if (!this.beating) {
      this.beating = this.renewAll()
        .catch((error) => this.onError(error))
        .finally(() => {
          this.beating = null;
        });
    }
    return this.beating;
  }

  private async renewAll(): Promise<void> {
    const held = [...this.leases.values()];
    if (held.length === 0) return;
    const renewed = await this.db.query<{ thread_id: string }>(RENEW_SQL, [
      held.map((l) => l.threadId),
      held.map((l) => l.generation),
      this.ttlMs,
      this.self.serverId,
    ]);
    const alive = new Set(renewed.rows.map((r) => r.thread_id));
    for (const lease of held) {
      if (alive.has(lease.threadId) || this.leases.get(lease.threadId) !== lease) continue;
      this.leases.delete(lease.threadId);
      this.onLost(lease.threadId);
    }
  }

  private startHeartbeat(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    // The server's own work keeps the process alive, not the heartbeat.
    this.timer.unref();
  }

  /** Stops the heartbeat and releases every lease (orderly shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    await Promise.allSettled([...this.leases.keys()].map((id) => this.release(id)));
  }
}

export interface LeaseState {
  generation: number;
  /** Null when nobody holds it (released, never taken). */
  holder: LeaseHolder | null;
  expiresAt: Date;
  /** Whether the holder's lease is still alive by the database's clock. */
  live: boolean;
}

/** The lease row of a thread as it stands now, or null when it was never leased. */
export async function readLease(db: Queryable, threadId: string): Promise<LeaseState | null> {
  const result = await db.query<LeaseRow & { live: boolean }>(
    `SELECT generation, server_id, host, pid, address, expires_at, expires_at > now() AS live
     FROM thread_leases WHERE thread_id = $1`,
    [threadId],
  );
  const row = result.rows[0];
  if (!row) return null;
  const holder =
    row.server_id === null
      ? null
      : { serverId: row.server_id, host: row.host ?? "", pid: row.pid ?? 0, address: row.address };
  return { generation: Number(row.generation), holder, expiresAt: row.expires_at, live: row.live };
}

/**
 * The fence of an append: inside the writer's transaction, before its INSERT. Locks the lease row
 * (shared) so a take-over waits for this transaction and then sees its items; throws
 * `LeaseLostError` when the generation moved on, so the caller rolls back.
 */
export async function assertFence(tx: Queryable, threadId: string, generation: number): Promise<void> {
  const result = await tx.query<{ generation: string }>(
    "SELECT generation FROM thread_leases WHERE thread_id = $1 FOR SHARE",
    [threadId],
  );
  const current = result.rows[0];
  if (!current || Number(current.generation) !== generation) {
    throw new LeaseLostError(threadId, generation);
  }
}
