import { randomUUID } from "node:crypto";
import type { Queryable } from "./lease.js";

/**
 * Server requests (approvals, questions) of a thread, shared across servers (issue 19): the server
 * running the thread publishes each pending request in `thread_requests`; a server whose clients
 * watch the thread shows it to them and writes the first answer back; the running server applies
 * it as if a local client had answered. Rows live while the request is pending (the running server
 * deletes them when it settles); NOTIFY on `REQUESTS_CHANNEL` says which row changed.
 */

export const REQUESTS_CHANNEL = "keel_requests";

export type RequestEvent = "open" | "answer" | "close";

interface RequestNote {
  key: string;
  threadId: string;
  event: RequestEvent;
}

export interface PendingRemoteRequest {
  key: string;
  threadId: string;
  method: string;
  params: unknown;
}

/** What a watching server does with a thread's requests. */
export interface RequestWatcher {
  opened(request: PendingRemoteRequest): void;
  closed(key: string): void;
}

/** A request this server published; `close` when it settled here (any reason). */
export interface PublishedRequest {
  readonly key: string;
  close(): Promise<void>;
}

export class RequestRelay {
  private readonly published = new Map<string, (answer: unknown) => void>();
  private readonly watchers = new Map<string, Set<RequestWatcher>>();
  private readonly shown = new Map<string, Set<string>>();
  private readonly syncing = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Queryable,
    private readonly serverId: string,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Publishes a pending request of a thread this server runs; `onAnswer` gets a remote answer. */
  async publish(
    threadId: string,
    method: string,
    params: unknown,
    onAnswer: (answer: unknown) => void,
  ): Promise<PublishedRequest> {
    const key = randomUUID();
    this.published.set(key, onAnswer);
    await this.db.query(
      `WITH added AS (
         INSERT INTO thread_requests (request_key, thread_id, server_id, method, params)
         VALUES ($1, $2, $3, $4, $5) RETURNING 1)
       SELECT pg_notify($6, $7) FROM added`,
      [
        key,
        threadId,
        this.serverId,
        method,
        JSON.stringify(params),
        REQUESTS_CHANNEL,
        encode(key, threadId, "open"),
      ],
    );
    return {
      key,
      close: async () => {
        this.published.delete(key);
        await this.db.query(
          `WITH gone AS (DELETE FROM thread_requests WHERE request_key = $1 RETURNING 1)
           SELECT pg_notify($2, $3) FROM gone`,
          [key, REQUESTS_CHANNEL, encode(key, threadId, "close")],
        );
      },
    };
  }

  /** Answers a request shown to a watcher; false when another answer came first or it settled. */
  async answer(key: string, threadId: string, answer: unknown): Promise<boolean> {
    const result = await this.db.query(
      `WITH taken AS (
         UPDATE thread_requests SET answer = $2 WHERE request_key = $1 AND answer IS NULL RETURNING 1)
       SELECT pg_notify($3, $4) FROM taken`,
      [key, JSON.stringify(answer), REQUESTS_CHANNEL, encode(key, threadId, "answer")],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** Starts showing a thread's pending requests to `watcher`; returns the stop function. */
  watch(threadId: string, watcher: RequestWatcher): () => void {
    let set = this.watchers.get(threadId);
    if (!set) {
      set = new Set();
      this.watchers.set(threadId, set);
    }
    set.add(watcher);
    void this.sync(threadId).catch(this.onError);
    return () => {
      set.delete(watcher);
      if (set.size === 0) {
        this.watchers.delete(threadId);
        this.shown.delete(threadId);
      }
    };
  }

  /** A `REQUESTS_CHANNEL` payload arrived. */
  handle(payload: string): void {
    const note = decode(payload);
    if (!note) return;
    if (note.event === "answer") {
      const onAnswer = this.published.get(note.key);
      if (onAnswer) void this.deliverAnswer(note.key, onAnswer).catch(this.onError);
    }
    // Answered elsewhere counts as settled for the watchers here.
    if (this.watchers.has(note.threadId)) void this.sync(note.threadId).catch(this.onError);
  }

  /** After a reconnect: notifications may have been missed, so everything is read again. */
  resync(): void {
    for (const threadId of this.watchers.keys()) void this.sync(threadId).catch(this.onError);
    for (const [key, onAnswer] of this.published) void this.deliverAnswer(key, onAnswer).catch(this.onError);
  }

  private async deliverAnswer(key: string, onAnswer: (answer: unknown) => void): Promise<void> {
    const result = await this.db.query<{ answer: unknown }>(
      "SELECT answer FROM thread_requests WHERE request_key = $1 AND answer IS NOT NULL",
      [key],
    );
    const row = result.rows[0];
    if (row && this.published.get(key) === onAnswer) {
      this.published.delete(key);
      onAnswer(row.answer);
    }
  }

  /** Compares the thread's pending rows with what the watchers were shown (one at a time per thread). */
  private sync(threadId: string): Promise<void> {
    const next = (this.syncing.get(threadId) ?? Promise.resolve()).then(() => this.syncNow(threadId));
    const settled = next.catch(() => {});
    this.syncing.set(threadId, settled);
    void settled.then(() => {
      if (this.syncing.get(threadId) === settled) this.syncing.delete(threadId);
    });
    return next;
  }

  private async syncNow(threadId: string): Promise<void> {
    // Requests of a holder whose lease lapsed died with it: nobody would apply their answer.
    const result = await this.db.query<{ request_key: string; method: string; params: unknown }>(
      `SELECT r.request_key, r.method, r.params FROM thread_requests r
       JOIN thread_leases l ON l.thread_id = r.thread_id AND l.server_id = r.server_id AND l.expires_at > now()
       WHERE r.thread_id = $1 AND r.answer IS NULL AND r.server_id <> $2
       ORDER BY r.created_at`,
      [threadId, this.serverId],
    );
    const watchers = this.watchers.get(threadId);
    if (!watchers) return;
    const shown = this.shown.get(threadId) ?? new Set<string>();
    this.shown.set(threadId, shown);
    const pending = new Set(result.rows.map((r) => r.request_key));
    for (const key of [...shown]) {
      if (pending.has(key)) continue;
      shown.delete(key);
      for (const w of watchers) w.closed(key);
    }
    for (const row of result.rows) {
      if (shown.has(row.request_key)) continue;
      shown.add(row.request_key);
      const request = { key: row.request_key, threadId, method: row.method, params: row.params };
      for (const w of watchers) w.opened(request);
    }
  }
}

/**
 * A server took the thread's lease: requests another server left pending in it (a holder that
 * died with them open) can never be answered there. They are deleted and their watchers told.
 */
export async function dropStaleRequests(db: Queryable, threadId: string, serverId: string): Promise<void> {
  await db.query(
    `WITH gone AS (
       DELETE FROM thread_requests WHERE thread_id = $1 AND server_id <> $2 RETURNING request_key)
     SELECT pg_notify($3, json_build_object('k', request_key, 't', $1::text, 'e', 'close')::text) FROM gone`,
    [threadId, serverId, REQUESTS_CHANNEL],
  );
}

function encode(key: string, threadId: string, event: RequestEvent): string {
  return JSON.stringify({ k: key, t: threadId, e: event });
}

function decode(payload: string): RequestNote | null {
  try {
    const p = JSON.parse(payload) as { k?: unknown; t?: unknown; e?: unknown };
    if (typeof p.k !== "string" || typeof p.t !== "string") return null;
    if (p.e !== "open" && p.e !== "answer" && p.e !== "close") return null;
    return { key: p.k, threadId: p.t, event: p.e };
  } catch {
    return null;
  }
}
