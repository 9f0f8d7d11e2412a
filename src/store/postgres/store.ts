import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type { Pool, PoolClient, QueryResultRow } from "pg";
import { errorMessage } from "../../lib/errors.js";
import type { RolloutItem } from "../../protocol/rollout.js";
import {
  fromIndexRow,
  INDEX_COLUMNS,
  type IndexRow,
  type ListDialect,
  type ListThreadsParams,
  type ListThreadsResult,
  listPage,
  listQuery,
  toIndexRow,
} from "../../rollout/index-db.js";
import { ThreadLockedError } from "../../rollout/lock.js";
import { metadataFromItems, metadataFromSessionMeta, type ThreadMetadata } from "../../rollout/metadata.js";
import { parseRolloutFileName, rolloutPath } from "../../rollout/paths.js";
import { type LoadedRollout, parseRolloutText } from "../../rollout/reader.js";
import { reconstructSession } from "../../rollout/reconstruct.js";
import { InMemoryRecorder, type ThreadRecorder } from "../../rollout/recorder.js";
import {
  type CreateThreadParams,
  type ForkThreadParams,
  type GitColumns,
  type OpenedThread,
  type ReadThreadResult,
  ThreadArchivedError,
  ThreadNotFoundError,
  type ThreadRef,
} from "../../rollout/store.js";
import { type PlanDefaults, planFork, planNewThread } from "../../rollout/thread-plan.js";
import { cutAtVisibleTurn, textBeforeTurn } from "../../rollout/truncate.js";
import { buildTurns } from "../../rollout/turns.js";
import { redactSecrets, redactUrl } from "../redact.js";
import { type ThreadExport, ThreadExistsError, type ThreadStore } from "../types.js";
import { PgCluster } from "./cluster.js";
import { LeaseLostError, LeaseManager, type Queryable } from "./lease.js";
import { PostgresRecorder } from "./recorder.js";
import { migrate } from "./schema.js";

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database` (a password here works but is better kept out). */
  url: string;
  /** Takes precedence over a password in the URL (from KEEL_STORE_PASSWORD). */
  password?: string;
  /** Largest number of connections (default 10). */
  poolSize?: number;
  cliVersion?: string;
  originator?: string;
  onWarning?: (message: string) => void;
  now?: () => Date;
  /** Where this server's clients connect (`ws://…`), named when another server finds a thread held. */
  address?: string | null;
  /** Lease lifetime without a heartbeat and heartbeat period (defaults 6 s and 2 s). */
  leaseTtlMs?: number;
  heartbeatMs?: number;
}

/** A failure talking to PostgreSQL, with the URL's password and the password itself masked. */
export class StoreUnavailableError extends Error {
  readonly code = "STORE_UNAVAILABLE";
  constructor(message: string) {
    super(message);
    this.name = "StoreUnavailableError";
  }
}

/** `pg:/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`: the file store's name for the thread. */
export function pgThreadPath(createdAt: Date, threadId: string): string {
  return rolloutPath("pg:", createdAt, threadId);
}

const UUID_AT_END = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\.jsonl)?$/i;

const PG_DIALECT: ListDialect = {
  table: "keel_threads",
  param: (n) => `$${n}`,
  archived: (value) => value,
  contains: (column, param) => `strpos(${column}, ${param}) > 0`,
};

type PgRow = Omit<IndexRow, "archived"> & { archived: boolean };

/** `col = $n, …` for every column but the id, numbered like `toPgValues`. */
function setMetaColumns(): string {
  return INDEX_COLUMNS.map((c, i) => `${c} = $${i + 1}`)
    .filter((_, i) => INDEX_COLUMNS[i] !== "id")
    .join(", ");
}

/** Errors from PostgreSQL or the connection to it (others, like TurnNotFoundError, pass through). */
function isDatabaseError(error: unknown): boolean {
  const e = error as { severity?: unknown; code?: unknown } | null;
  return (
    e !== null &&
    typeof e === "object" &&
    (e.severity !== undefined || /^E[A-Z]+$/.test(String(e.code ?? "")))
  );
}

function toPgValues(m: ThreadMetadata): unknown[] {
  const row = toIndexRow(m) as unknown as Record<string, unknown>;
  return INDEX_COLUMNS.map((c) => (c === "archived" ? m.archived : row[c]));
}

function fromPgRow(row: PgRow): ThreadMetadata {
  return fromIndexRow({ ...row, archived: row.archived ? 1 : 0 });
}

/**
 * Threads in PostgreSQL (schema: migrations.ts). The pool and the schema are set up on first
 * use; every error leaving this class has the password masked.
 */
export class PostgresThreadStore implements ThreadStore {
  private readonly opts: PostgresStoreOptions;
  private pool: Pool | null = null;
  private starting: Promise<Pool> | null = null;
  private readonly open = new Map<string, ThreadRecorder>();
  private closed = false;
  /** One writer per thread across servers (lease.ts). */
  private readonly leases: LeaseManager;
  readonly cluster: PgCluster;

  constructor(opts: PostgresStoreOptions) {
    this.opts = opts;
    // Queries of the lease and cluster helpers go through the pool once it is up, errors redacted.
    const db = {
      query: (text: string, values?: unknown[]) =>
        this.ready().then((pool) =>
          pool.query(text, values).catch((error: unknown) => {
            throw this.failure(error);
          }),
        ),
    } as Queryable;
    const self = {
      serverId: randomUUID(),
      host: os.hostname(),
      pid: process.pid,
      address: opts.address ?? null,
    };
    const warn = (error: unknown) => this.opts.onWarning?.(this.failure(error).message);
    this.leases = new LeaseManager({
      db,
      self,
      ttlMs: opts.leaseTtlMs,
      heartbeatMs: opts.heartbeatMs,
      onError: warn,
      onLost: (threadId) =>
        this.opts.onWarning?.(
          `thread ${threadId} was taken over by another server after this one missed its lease; ` +
            "this server's further writes to it are refused",
        ),
    });
    this.cluster = new PgCluster({
      db,
      connectionString: opts.url,
      password: opts.password,
      self,
      onError: warn,
    });
  }

  /** The URL as it may be shown. */
  get displayUrl(): string {
    return redactUrl(this.opts.url);
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private planDefaults(): PlanDefaults {
    return { now: this.now(), originator: this.opts.originator, cliVersion: this.opts.cliVersion };
  }

  private secrets(): string[] {
    const out = [this.opts.password ?? ""];
    try {
      const password = new URL(this.opts.url).password;
      out.push(password, decodeURIComponent(password));
    } catch {
      // an unparsable URL is never shown whole (redactUrl)
    }
    return out.filter((s) => s.length > 0);
  }

  private failure(error: unknown): StoreUnavailableError {
    if (error instanceof StoreUnavailableError) return error;
    return new StoreUnavailableError(
      redactSecrets(`PostgreSQL store ${this.displayUrl}: ${errorMessage(error)}`, this.secrets()),
    );
  }

  /** Connects and migrates the schema (once). */
  async ready(): Promise<Pool> {
    if (this.pool) return this.pool;
    if (this.closed) throw new StoreUnavailableError(`PostgreSQL store ${this.displayUrl} is closed`);
    this.starting ??= this.start().catch((error: unknown) => {
      this.starting = null;
      throw this.failure(error);
    });
    return this.starting;
  }

  private async start(): Promise<Pool> {
    const pg = (await import("pg")).default;
    // bigint columns (milliseconds, counts) as numbers: every value keel stores fits in 2^53.
    const types = {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === pg.types.builtins.INT8
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    };
    // pg lets the connection string win over separate fields: the password goes into the URL.
    const url = new URL(this.opts.url);
    if (this.opts.password !== undefined) url.password = encodeURIComponent(this.opts.password);
    const pool = new pg.Pool({
      connectionString: url.toString(),
      max: this.opts.poolSize ?? 10,
      types,
      connectionTimeoutMillis: 10_000,
    });
    pool.on("error", (error) => this.opts.onWarning?.(this.failure(error).message));
    try {
      await migrate(pool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    this.pool = pool;
    return pool;
  }

  private async query<R extends QueryResultRow>(sql: string, args: unknown[] = []): Promise<R[]> {
    const pool = await this.ready();
    try {
      return (await pool.query<R>(sql, args)).rows;
    } catch (error) {
      throw this.failure(error);
    }
  }

  /** Runs `use` in one transaction. */
  private async transaction<T>(use: (client: PoolClient) => Promise<T>): Promise<T> {
    const pool = await this.ready();
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw this.failure(error);
    }
    try {
      await client.query("BEGIN");
      const result = await use(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw isDatabaseError(error) ? this.failure(error) : error;
    } finally {
      client.release();
    }
  }

  prepare(): void {
    this.ready().catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------
  // reading

  async listThreads(params: ListThreadsParams = {}): Promise<ListThreadsResult> {
    const query = listQuery(params, PG_DIALECT);
    return listPage(
      (await this.query<PgRow>(query.sql, query.args)).map((r) => ({ ...r, archived: r.archived ? 1 : 0 })),
      query,
    );
  }

  async getThreadMetadata(threadId: string): Promise<ThreadMetadata | null> {
    const [row] = await this.query<PgRow>("SELECT * FROM keel_threads WHERE id = $1", [
      threadId.toLowerCase(),
    ]);
    return row ? fromPgRow(row) : null;
  }

  private async lines(threadId: string): Promise<string[]> {
    const rows = await this.query<{ line: string }>(
      "SELECT line FROM keel_items WHERE thread_id = $1 ORDER BY seq",
      [threadId],
    );
    return rows.map((r) => r.line);
  }

  private idOf(ref: ThreadRef): string {
    if ("threadId" in ref) return ref.threadId.toLowerCase();
    const match = UUID_AT_END.exec(ref.path);
    if (!match) throw new ThreadNotFoundError(ref.path);
    return match[1]!.toLowerCase();
  }

  private async resolve(ref: ThreadRef, allowArchived: boolean): Promise<ThreadMetadata> {
    const meta = await this.getThreadMetadata(this.idOf(ref));
    const shown = "threadId" in ref ? ref.threadId : ref.path;
    if (!meta) throw new ThreadNotFoundError(shown);
    if (!allowArchived && meta.archived) throw new ThreadArchivedError(shown);
    return meta;
  }

  private async load(meta: ThreadMetadata): Promise<{ rollout: LoadedRollout; stored: number }> {
    const lines = await this.lines(meta.id);
    const parsed = parseRolloutText(lines.map((l) => `${l}\n`).join(""));
    const first = parsed.lines.find((l) => l.type === "session_meta");
    const sessionMeta = first?.type === "session_meta" ? first.payload : null;
    return {
      rollout: { ...parsed, path: meta.rolloutPath, meta: sessionMeta, threadId: sessionMeta?.id ?? meta.id },
      stored: lines.length,
    };
  }

  async readThread(ref: ThreadRef, opts: { includeTurns?: boolean } = {}): Promise<ReadThreadResult> {
    const metadata = await this.resolve(ref, true);
    const { rollout } = await this.load(metadata);
    const result: ReadThreadResult = { metadata, rollout, name: metadata.name };
    if (opts.includeTurns) result.turns = buildTurns(rollout.lines);
    return result;
  }

  async locateThread(threadId: string, opts: { includeArchived?: boolean } = {}): Promise<string | null> {
    const meta = await this.getThreadMetadata(threadId);
    if (!meta || (meta.archived && !opts.includeArchived)) return null;
    return meta.rolloutPath;
  }

  async getThreadName(threadId: string): Promise<string | null> {
    return (await this.getThreadMetadata(threadId))?.name ?? null;
  }

  async exportThread(threadId: string): Promise<ThreadExport | null> {
    const metadata = await this.getThreadMetadata(threadId);
    if (!metadata) return null;
    const lines = await this.lines(metadata.id);
    return { metadata, text: lines.map((l) => `${l}\n`).join("") };
  }

  // -------------------------------------------------------------------------------------------
  // recorders

  private track<T extends ThreadRecorder>(recorder: T): T {
    this.open.set(recorder.threadId, recorder);
    return recorder;
  }

  openRecorder(threadId: string): ThreadRecorder | undefined {
    return this.open.get(threadId);
  }

  private recorder(
    metadata: ThreadMetadata,
    mode: "limited" | "extended",
    stored: number,
    sessionMeta?: Parameters<typeof metadataFromSessionMeta>[0],
  ): PostgresRecorder {
    const id = metadata.id;
    return this.track(
      new PostgresRecorder({
        threadId: id,
        path: metadata.rolloutPath,
        mode,
        metadata,
        storedLines: stored,
        sessionMeta,
        // Appends are fenced by the lease: a server that lost it cannot write.
        writer: { append: async (args) => this.append(args, await this.leaseFor(id, args.create)) },
        now: this.opts.now,
        onClose: () => {
          this.open.delete(id);
          void this.leases.release(id).catch(() => undefined);
        },
      }),
    );
  }

  createThread(params: CreateThreadParams): ThreadRecorder {
    const { id, createdAt, mode, meta } = planNewThread(params, this.planDefaults());
    if (params.ephemeral) return new InMemoryRecorder(id, mode, meta);
    return this.recorder(metadataFromSessionMeta(meta, pgThreadPath(createdAt, id)), mode, 0, meta);
  }

  async resumeThread(ref: ThreadRef, opts: { persistExtendedHistory?: boolean } = {}): Promise<OpenedThread> {
    const metadata = await this.resolve(ref, false);
    if (this.open.has(metadata.id)) throw new ThreadLockedError(metadata.id, null, true);
    // Leased before reading: a take-over waits for the old holder's last append (fence), so
    // what is read here is everything it stored.
    await this.leases.acquire(metadata.id);
    let loaded: Awaited<ReturnType<PostgresThreadStore["load"]>>;
    try {
      loaded = await this.load(metadata);
    } catch (error) {
      await this.leases.release(metadata.id).catch(() => undefined);
      throw error;
    }
    const { rollout, stored } = loaded;
    const recorder = this.recorder(metadata, opts.persistExtendedHistory ? "extended" : "limited", stored);
    return {
      recorder,
      items: rollout.lines,
      warnings: rollout.warnings,
      readFrom: metadata.rolloutPath,
      session: reconstructSession(rollout.lines, "resumed"),
      name: metadata.name,
      metadata,
    };
  }

  async forkThread(params: ForkThreadParams): Promise<OpenedThread> {
    let sourceItems: RolloutItem[];
    let warnings: LoadedRollout["warnings"] = [];
    let readFrom: string | null = null;
    if ("items" in params.from) {
      sourceItems = [...params.from.items];
    } else {
      const source = await this.resolve(params.from, true);
      const { rollout } = await this.load(source);
      sourceItems = rollout.lines.map(({ type, payload }) => ({ type, payload }) as RolloutItem);
      warnings = rollout.warnings;
      readFrom = source.rolloutPath;
    }
    const plan = planFork(params, sourceItems, this.planDefaults());
    const name = plan.sourceId
      ? ((await this.getThreadName(plan.sourceId)) ?? reconstructSession(sourceItems, "resumed").threadName)
      : null;
    let recorder: ThreadRecorder;
    let metadata: ThreadMetadata | null = null;
    if (params.ephemeral) {
      const mem = new InMemoryRecorder(plan.id, plan.mode, plan.meta);
      await mem.recordVerbatim(plan.copied);
      recorder = mem;
    } else {
      const file = pgThreadPath(plan.createdAt, plan.id);
      metadata =
        metadataFromItems([{ type: "session_meta", payload: plan.meta }, ...plan.copied], file) ??
        metadataFromSessionMeta(plan.meta, file);
      metadata.name = name;
      const pgRecorder = this.recorder(metadata, plan.mode, 0, plan.meta);
      await pgRecorder.recordVerbatim(plan.copied);
      recorder = pgRecorder;
    }
    return {
      recorder,
      items: plan.copied,
      warnings,
      readFrom,
      session: reconstructSession(plan.copied, "forked"),
      name,
      metadata,
    };
  }

  /**
   * A recorder's lines and the thread's row, in one statement (atomic without BEGIN/COMMIT, one
   * round trip). An existing row is updated only while `item_count` is the seq the recorder
   * expects: lines written meanwhile by anyone else make the statement store nothing and fail.
   */
  private async append(
    args: { metadata: ThreadMetadata; seq: number; lines: string[]; create: boolean },
    generation: number | null = null,
  ) {
    const values = toPgValues(args.metadata);
    const params: unknown[] = [...values];
    const arg = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const count = arg(args.seq + args.lines.length);
    // The lease row is share-locked: a take-over waits for this statement, then sees its lines.
    const fence =
      generation === null
        ? "SELECT 1"
        : `SELECT 1 FROM thread_leases WHERE thread_id = $1 AND generation = ${arg(generation)} FOR SHARE`;
    const thread = args.create
      ? `INSERT INTO keel_threads (${INDEX_COLUMNS.join(", ")}, item_count)
           SELECT ${values.map((_, i) => `$${i + 1}`).join(", ")}, ${count} WHERE EXISTS (SELECT 1 FROM f)
           RETURNING id`
      : `UPDATE keel_threads SET ${setMetaColumns()}, item_count = ${count}
           WHERE id = $1 AND item_count = ${arg(args.seq)} AND EXISTS (SELECT 1 FROM f) RETURNING id`;
    const seqs = arg(args.lines.map((_, i) => args.seq + i));
    const lines = arg(args.lines);
    const sql = `WITH f AS (${fence}), t AS (${thread}),
      i AS (INSERT INTO keel_items (thread_id, seq, line)
            SELECT t.id, s.seq, s.line FROM t, unnest(${seqs}::bigint[], ${lines}::text[]) AS s(seq, line)
            RETURNING 1)
      SELECT (SELECT count(*) FROM t) AS threads, (SELECT count(*) FROM i) AS items,
        (SELECT count(*) FROM f) AS fenced`;
    const [row] = await this.query<{ threads: number; fenced: number }>(sql, params);
    if (row && generation !== null && row.fenced === 0)
      throw new LeaseLostError(args.metadata.id, generation);
    if (!row || row.threads !== 1) {
      throw new StoreUnavailableError(
        `thread ${args.metadata.id} was changed by another writer (expected ${args.seq} stored lines); ` +
          "its new lines were not stored",
      );
    }
  }

  // -------------------------------------------------------------------------------------------
  // managing closed threads

  private refuseIfOpen(threadId: string): void {
    if (this.open.has(threadId)) throw new ThreadLockedError(threadId, null, true);
  }

  private async updateRow(meta: ThreadMetadata): Promise<void> {
    const values = toPgValues(meta);
    await this.query(`UPDATE keel_threads SET ${setMetaColumns()} WHERE id = $1`, values);
  }

  async setThreadName(threadId: string, name: string | null): Promise<void> {
    const recorder = this.open.get(threadId);
    const value = name ?? "";
    if (recorder) {
      await recorder.record([
        {
          type: "event_msg",
          payload: { type: "thread_name_updated", thread_id: threadId, thread_name: value },
        },
      ]);
      if (recorder.ephemeral) return;
    }
    const rows = await this.query("UPDATE keel_threads SET name = $2 WHERE id = $1 RETURNING id", [
      threadId.toLowerCase(),
      value === "" ? null : value,
    ]);
    if (rows.length === 0 && !recorder) throw new ThreadNotFoundError(threadId);
  }

  private async setArchived(threadId: string, archived: boolean): Promise<ThreadMetadata> {
    this.refuseIfOpen(threadId);
    const meta = await this.getThreadMetadata(threadId);
    if (!meta) throw new ThreadNotFoundError(threadId);
    if (meta.archived === archived) return meta;
    const updated = { ...meta, archived, archivedAtMs: archived ? this.now().getTime() : null };
    await this.updateRow(updated);
    return updated;
  }

  archiveThread(threadId: string): Promise<ThreadMetadata> {
    return this.setArchived(threadId, true);
  }

  unarchiveThread(threadId: string): Promise<ThreadMetadata> {
    return this.setArchived(threadId, false);
  }

  async discardThread(threadId: string): Promise<void> {
    this.refuseIfOpen(threadId);
    await this.query("DELETE FROM keel_threads WHERE id = $1", [threadId.toLowerCase()]);
  }

  async deleteThread(threadId: string): Promise<void> {
    this.refuseIfOpen(threadId);
    const rows = await this.query("DELETE FROM keel_threads WHERE id = $1 RETURNING id", [
      threadId.toLowerCase(),
    ]);
    if (rows.length === 0) throw new ThreadNotFoundError(threadId);
  }

  /** Drops the lines from the turn's start on, in one transaction that locks the thread's row. */
  async revertThread(threadId: string, beforeTurnId: string): Promise<ThreadMetadata> {
    this.refuseIfOpen(threadId);
    const id = threadId.toLowerCase();
    return this.transaction(async (client) => {
      const found = await client.query<PgRow>("SELECT * FROM keel_threads WHERE id = $1 FOR UPDATE", [id]);
      const row = found.rows[0];
      if (!row) throw new ThreadNotFoundError(threadId);
      const current = fromPgRow(row);
      if (current.archived) throw new ThreadArchivedError(threadId);
      const lines = (
        await client.query<{ line: string }>(
          "SELECT line FROM keel_items WHERE thread_id = $1 ORDER BY seq",
          [id],
        )
      ).rows.map((r) => r.line);
      const text = lines.map((l) => `${l}\n`).join("");
      cutAtVisibleTurn(parseRolloutText(text).lines, { beforeTurnId });
      const kept = textBeforeTurn(text, beforeTurnId).split("\n").length - 1;
      const derived = metadataFromItems(
        parseRolloutText(
          lines
            .slice(0, kept)
            .map((l) => `${l}\n`)
            .join(""),
        ).lines,
        current.rolloutPath,
      );
      const updated: ThreadMetadata = {
        ...(derived ?? current),
        name: current.name,
        archived: current.archived,
        archivedAtMs: current.archivedAtMs,
      };
      await client.query("DELETE FROM keel_items WHERE thread_id = $1 AND seq >= $2", [id, kept]);
      const values = toPgValues(updated);
      await client.query(
        `UPDATE keel_threads SET ${setMetaColumns()}, item_count = $${values.length + 1} WHERE id = $1`,
        [...values, kept],
      );
      return updated;
    });
  }

  async updateGitInfo(threadId: string, patch: GitColumns): Promise<ThreadMetadata> {
    const recorder = this.open.get(threadId);
    if (recorder instanceof PostgresRecorder) recorder.patchMetadata(patch);
    const row =
      recorder instanceof PostgresRecorder
        ? recorder.currentMetadata()
        : await this.getThreadMetadata(threadId);
    if (!row) throw new ThreadNotFoundError(threadId);
    const updated = { ...row, ...patch };
    await this.updateRow(updated);
    return updated;
  }

  /** Stores the thread under the file name its source used (time and id), every line verbatim. */
  async importThread(thread: ThreadExport): Promise<void> {
    const meta = { ...thread.metadata, id: thread.metadata.id.toLowerCase() };
    const sourceName = path.basename(meta.rolloutPath);
    const parsed = parseRolloutFileName(sourceName);
    meta.rolloutPath = parsed
      ? path.posix.join(path.posix.dirname(pgThreadPath(parsed.createdAt, meta.id)), sourceName)
      : pgThreadPath(new Date(meta.createdAtMs), meta.id);
    const lines = thread.text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    try {
      await this.append({ metadata: meta, seq: 0, lines, create: true });
    } catch (error) {
      if (/duplicate key|keel_threads_pkey/.test(errorMessage(error))) throw new ThreadExistsError(meta.id);
      throw error;
    }
  }

  /** The lease generation a recorder's append carries; a new thread takes its lease first. */
  private async leaseFor(threadId: string, create: boolean): Promise<number> {
    const held = this.leases.held(threadId);
    if (held) return held.generation;
    if (create) return (await this.leases.acquire(threadId)).generation;
    throw new LeaseLostError(threadId, 0);
  }

  async close(): Promise<void> {
    for (const recorder of [...this.open.values()]) await recorder.close().catch(() => undefined);
    await this.leases.close().catch(() => undefined);
    await this.cluster.close().catch(() => undefined);
    this.closed = true;
    const pool = this.pool ?? (await this.starting?.catch(() => null));
    this.pool = null;
    this.starting = null;
    await pool?.end().catch(() => undefined);
  }
}
