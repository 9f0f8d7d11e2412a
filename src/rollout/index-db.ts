import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import type Database from "better-sqlite3";
import { errorMessage } from "../lib/errors.js";
import type { SessionSource } from "../protocol/rollout.js";
import { sourceKind, type ThreadMetadata } from "./metadata.js";

/**
 * better-sqlite3, loaded when the index is first opened (a native addon: loading it is not free,
 * and most app-server requests never touch the index).
 */
let sqliteModule: typeof Database | undefined;
function sqlite(): typeof Database {
  sqliteModule ??= createRequire(import.meta.url)("better-sqlite3") as typeof Database;
  return sqliteModule;
}

/**
 * The thread index: a SQLite table with one row per thread, derived from the rollouts (which stay
 * the source of truth). Rows are written with a short busy timeout; when the database is locked
 * the write is skipped and the thread is marked dirty (in memory and in a marker file) so the
 * next successful write or the next open repairs it. A missing, unreadable or old-schema
 * database is recreated and refilled by the caller-supplied rebuild.
 */

export const INDEX_DB_FILE = "keel_threads.sqlite";
export const INDEX_DIRTY_FILE = "keel_threads.dirty";
/** Bump when the table layout changes: an older database is then rebuilt from the rollouts. */
export const INDEX_SCHEMA_VERSION = 1;

export type SortKey = "created_at" | "updated_at";
export type SortDirection = "asc" | "desc";

export interface ListThreadsParams {
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | null;
  /** Page size, 1…1000 (default 25). */
  limit?: number;
  sortKey?: SortKey;
  sortDirection?: SortDirection;
  /** true = archived threads only; default false = live threads only. */
  archived?: boolean;
  /** Exact cwd match (any of). */
  cwd?: string | string[];
  /** v2 `ThreadSourceKind`s (any of); absent or empty = all sources. */
  sourceKinds?: string[];
  /** Provider ids (any of); absent or empty = all. */
  modelProviders?: string[];
  /** Case-sensitive substring of the name or the preview. */
  searchTerm?: string;
}

export interface ListThreadsResult {
  data: ThreadMetadata[];
  nextCursor: string | null;
}

export class InvalidCursorError extends Error {
  readonly code = "INVALID_CURSOR";
  constructor(cursor: string) {
    super(`invalid cursor: ${cursor}`);
    this.name = "InvalidCursorError";
  }
}

export interface ThreadIndexOptions {
  /** Busy wait for writes made on behalf of a turn (default 200 ms). */
  writeBusyTimeoutMs?: number;
  /** Busy wait for reads, listing and maintenance (default 5000 ms). */
  readBusyTimeoutMs?: number;
}

export interface IndexRow {
  id: string;
  rollout_path: string;
  cwd: string;
  name: string | null;
  preview: string;
  model: string | null;
  reasoning_effort: string | null;
  model_provider: string | null;
  source: string;
  source_kind: string;
  created_at_ms: number;
  updated_at_ms: number;
  archived: number;
  archived_at_ms: number | null;
  forked_from_id: string | null;
  cli_version: string;
  tokens_used: number;
  git_sha: string | null;
  git_branch: string | null;
  git_origin_url: string | null;
  agent_nickname: string | null;
  agent_role: string | null;
}

export const INDEX_COLUMNS = [
  "id",
  "rollout_path",
  "cwd",
  "name",
  "preview",
  "model",
  "reasoning_effort",
  "model_provider",
  "source",
  "source_kind",
  "created_at_ms",
  "updated_at_ms",
  "archived",
  "archived_at_ms",
  "forked_from_id",
  "cli_version",
  "tokens_used",
  "git_sha",
  "git_branch",
  "git_origin_url",
  "agent_nickname",
  "agent_role",
] as const;

const SCHEMA = `
CREATE TABLE threads (
  id TEXT PRIMARY KEY,
  rollout_path TEXT NOT NULL,
  cwd TEXT NOT NULL,
  name TEXT,
  preview TEXT NOT NULL DEFAULT '',
  model TEXT,
  reasoning_effort TEXT,
  model_provider TEXT,
  source TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0,
  archived_at_ms INTEGER,
  forked_from_id TEXT,
  cli_version TEXT NOT NULL DEFAULT '',
  tokens_used INTEGER NOT NULL DEFAULT 0,
  git_sha TEXT,
  git_branch TEXT,
  git_origin_url TEXT,
  agent_nickname TEXT,
  agent_role TEXT
) WITHOUT ROWID;
CREATE INDEX threads_created ON threads(archived, created_at_ms, id);
CREATE INDEX threads_updated ON threads(archived, updated_at_ms, id);
CREATE INDEX threads_cwd_created ON threads(archived, cwd, created_at_ms, id);
CREATE INDEX threads_cwd_updated ON threads(archived, cwd, updated_at_ms, id);
`;

export function toIndexRow(m: ThreadMetadata): IndexRow {
  return {
    id: m.id,
    rollout_path: m.rolloutPath,
    cwd: m.cwd,
    name: m.name,
    preview: m.preview,
    model: m.model,
    reasoning_effort: m.reasoningEffort,
    model_provider: m.modelProvider,
    source: JSON.stringify(m.source),
    source_kind: sourceKind(m.source),
    created_at_ms: Math.round(m.createdAtMs),
    updated_at_ms: Math.round(m.updatedAtMs),
    archived: m.archived ? 1 : 0,
    archived_at_ms: m.archivedAtMs,
    forked_from_id: m.forkedFromId,
    cli_version: m.cliVersion,
    tokens_used: Math.round(m.tokensUsed),
    git_sha: m.gitSha,
    git_branch: m.gitBranch,
    git_origin_url: m.gitOriginUrl,
    agent_nickname: m.agentNickname,
    agent_role: m.agentRole,
  };
}

export function fromIndexRow(r: IndexRow): ThreadMetadata {
  let source: SessionSource;
  try {
    source = JSON.parse(r.source) as SessionSource;
  } catch {
    source = r.source;
  }
  return {
    id: r.id,
    rolloutPath: r.rollout_path,
    cwd: r.cwd,
    name: r.name,
    preview: r.preview,
    model: r.model,
    reasoningEffort: r.reasoning_effort,
    modelProvider: r.model_provider,
    source,
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
    archived: r.archived === 1,
    archivedAtMs: r.archived_at_ms,
    forkedFromId: r.forked_from_id,
    cliVersion: r.cli_version,
    tokensUsed: r.tokens_used,
    gitSha: r.git_sha,
    gitBranch: r.git_branch,
    gitOriginUrl: r.git_origin_url,
    agentNickname: r.agent_nickname,
    agentRole: r.agent_role,
  };
}

const isBusy = (error: unknown) => {
  const code = (error as { code?: string }).code ?? "";
  return code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED");
};

/**
 * Failures of the surroundings, not of the file (locked, disk full, I/O error, no permission):
 * the database must not be deleted for these.
 */
const isEnvironmental = (error: unknown) => {
  const code = (error as { code?: string }).code ?? "";
  // SQLite's codes, then Node's own errno codes (ENOSPC, EACCES, …).
  return (
    isBusy(error) || /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY|NOMEM|PERM)/.test(code) || /^E[A-Z]+$/.test(code)
  );
};

/** SQLite's own words for a damaged file: a bad page shows up only when a query reaches it. */
export function isCorruptionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB"))
    return true;
  return /database disk image is malformed|file is not a database/i.test(errorMessage(error));
}

/** How a SQL engine spells what the list query needs. */
export interface ListDialect {
  table: string;
  /** The n-th (1-based) parameter placeholder. */
  param(n: number): string;
  /** Value of the `archived` column. */
  archived(value: boolean): unknown;
  /** True when `column` contains the text in parameter `param` (case-sensitive). */
  contains(column: string, param: string): string;
}

const SQLITE_DIALECT: ListDialect = {
  table: "threads",
  param: () => "?",
  archived: (value) => (value ? 1 : 0),
  contains: (column, param) => `instr(${column}, ${param}) > 0`,
};

export interface ListQuery {
  sql: string;
  args: unknown[];
  key: SortKey;
  dir: SortDirection;
  limit: number;
}

/**
 * One page of thread/list as SQL: filters, then keyset pagination on (sort key, id) — a
 * row-value comparison that seeks the (archived, key, id) index to the cursor. One row more
 * than the page is fetched to know whether there is a next page.
 */
export function listQuery(params: ListThreadsParams, dialect: ListDialect): ListQuery {
  const key: SortKey = params.sortKey ?? "created_at";
  const dir: SortDirection = params.sortDirection ?? "desc";
  const limit = Math.min(1000, Math.max(1, Math.floor(params.limit ?? 25)));
  const col = key === "created_at" ? "created_at_ms" : "updated_at_ms";
  const args: unknown[] = [];
  const arg = (value: unknown) => {
    args.push(value);
    return dialect.param(args.length);
  };
  const where: string[] = [`archived = ${arg(dialect.archived(params.archived === true))}`];
  const anyOf = (column: string, values: readonly string[]) => {
    where.push(`${column} IN (${values.map((v) => arg(v)).join(", ")})`);
  };
  const cwds = params.cwd === undefined ? [] : Array.isArray(params.cwd) ? params.cwd : [params.cwd];
  if (params.cwd !== undefined) anyOf("cwd", cwds.length > 0 ? cwds : [""]);
  if (params.sourceKinds && params.sourceKinds.length > 0) anyOf("source_kind", params.sourceKinds);
  if (params.modelProviders && params.modelProviders.length > 0)
    anyOf("model_provider", params.modelProviders);
  if (params.searchTerm) {
    const term = params.searchTerm;
    where.push(
      `(${dialect.contains("coalesce(name, '')", arg(term))} OR ${dialect.contains("preview", arg(term))})`,
    );
  }
  if (params.cursor) {
    const c = decodeCursor(params.cursor, key, dir);
    const op = dir === "desc" ? "<" : ">";
    where.push(`(${col}, id) ${op} (${arg(c.value)}, ${arg(c.id)})`);
  }
  const order = dir === "desc" ? "DESC" : "ASC";
  const sql =
    `SELECT * FROM ${dialect.table} WHERE ${where.join(" AND ")} ` +
    `ORDER BY ${col} ${order}, id ${order} LIMIT ${arg(limit + 1)}`;
  return { sql, args, key, dir, limit };
}

/** The page and its next cursor from the rows `listQuery` fetched. */
export function listPage(rows: readonly IndexRow[], query: ListQuery): ListThreadsResult {
  const page = rows.slice(0, query.limit).map(fromIndexRow);
  const last = page.at(-1);
  const nextCursor =
    rows.length > query.limit && last
      ? encodeCursor(
          query.key,
          query.dir,
          query.key === "created_at" ? last.createdAtMs : last.updatedAtMs,
          last.id,
        )
      : null;
  return { data: page, nextCursor };
}

function encodeCursor(key: SortKey, dir: SortDirection, value: number, id: string): string {
  return Buffer.from(JSON.stringify([key, dir, value, id])).toString("base64url");
}

function decodeCursor(cursor: string, key: SortKey, dir: SortDirection): { value: number; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(v) &&
      v[0] === key &&
      v[1] === dir &&
      typeof v[2] === "number" &&
      typeof v[3] === "string"
    ) {
      return { value: v[2], id: v[3] };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError(cursor);
}

/** Outcome of opening: whether the caller must refill the table from the rollouts. */
export type OpenState = "ok" | "created" | "recreated";

export class ThreadIndex {
  private readonly upsertStmt: Database.Statement;
  private readonly getStmt: Database.Statement;
  private readonly pendingWrites = new Map<string, ThreadMetadata>();
  private readonly writeTimeout: number;
  private readonly readTimeout: number;

  private constructor(
    private readonly db: Database.Database,
    readonly home: string,
    readonly openState: OpenState,
    opts: ThreadIndexOptions,
  ) {
    this.writeTimeout = opts.writeBusyTimeoutMs ?? 200;
    this.readTimeout = opts.readBusyTimeoutMs ?? 5000;
    const cols = INDEX_COLUMNS.join(", ");
    const params = INDEX_COLUMNS.map((c) => `@${c}`).join(", ");
    const updates = INDEX_COLUMNS.filter((c) => c !== "id")
      .map((c) => `${c} = excluded.${c}`)
      .join(", ");
    this.upsertStmt = db.prepare(
      `INSERT INTO threads (${cols}) VALUES (${params}) ON CONFLICT(id) DO UPDATE SET ${updates}`,
    );
    this.getStmt = db.prepare("SELECT * FROM threads WHERE id = ?");
  }

  static dbPath(home: string): string {
    return path.join(home, INDEX_DB_FILE);
  }

  static dirtyPath(home: string): string {
    return path.join(home, INDEX_DIRTY_FILE);
  }

  /**
   * Opens (creating or recreating as needed) the index. A database that cannot be read, or has
   * another schema version, is deleted and created empty (`openState` tells the caller to rebuild).
   */
  static open(home: string, opts: ThreadIndexOptions = {}): ThreadIndex {
    fs.mkdirSync(home, { recursive: true });
    const file = ThreadIndex.dbPath(home);
    const existed = fs.existsSync(file);
    const readTimeout = opts.readBusyTimeoutMs ?? 5000;
    let db: Database.Database | null = null;
    try {
      db = new (sqlite())(file, { timeout: readTimeout });
      const state = ThreadIndex.prepareSchema(db, existed);
      return new ThreadIndex(db, home, state, opts);
    } catch (error) {
      db?.close();
      // Locked, full or unwritable is not broken: never delete a database for that.
      if (isEnvironmental(error)) throw error;
      return ThreadIndex.recreate(home, opts);
    }
  }

  /** Deletes the database files and creates an empty index (the caller refills it). */
  static recreate(home: string, opts: ThreadIndexOptions = {}): ThreadIndex {
    const file = ThreadIndex.dbPath(home);
    for (const suffix of ["", "-wal", "-shm", "-journal"]) fs.rmSync(file + suffix, { force: true });
    const db = new (sqlite())(file, { timeout: opts.readBusyTimeoutMs ?? 5000 });
    try {
      ThreadIndex.prepareSchema(db, false);
      return new ThreadIndex(db, home, "recreated", opts);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * SQLite's full `integrity_check` (`quick_check` misses an index that disagrees with its table):
   * null when the file is sound, else what is wrong with it. A check that itself fails counts.
   */
  integrityProblem(): string | null {
    try {
      const rows = this.db.pragma("integrity_check") as { integrity_check: string }[];
      const problems = rows
        .map((r) => r.integrity_check.replace(/\s+/g, " ").trim())
        .filter((r) => r !== "ok" && !r.startsWith("***"));
      return problems.length === 0 ? null : problems.slice(0, 3).join("; ");
    } catch (error) {
      return errorMessage(error);
    }
  }

  /** Closes without retrying pending writes (for a damaged file that is about to be replaced). */
  discard(): void {
    try {
      this.db.close();
    } catch {
      // already unusable
    }
  }

  private static prepareSchema(db: Database.Database, existed: boolean): OpenState {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const version = db.pragma("user_version", { simple: true }) as number;
    const hasTable = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'threads'")
      .get();
    if (version === INDEX_SCHEMA_VERSION && hasTable) {
      // Cheap sanity check that the table is readable (corruption shows up here).
      db.prepare("SELECT id FROM threads LIMIT 1").all();
      return "ok";
    }
    db.transaction(() => {
      for (const t of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string;
      }[]) {
        db.exec(`DROP TABLE IF EXISTS "${t.name.replace(/"/g, '""')}"`);
      }
      db.exec(SCHEMA);
      db.pragma(`user_version = ${INDEX_SCHEMA_VERSION}`);
    })();
    return existed ? "recreated" : "created";
  }

  close(): void {
    this.retryPending();
    this.db.close();
  }

  /** Number of rows waiting for a retry after a busy database. */
  get pendingCount(): number {
    return this.pendingWrites.size;
  }

  /**
   * Writes a thread row with the short busy timeout. Returns false (and marks the thread dirty)
   * when the database stayed locked.
   */
  upsert(meta: ThreadMetadata): boolean {
    this.pendingWrites.set(meta.id, meta);
    return this.retryPending();
  }

  /** Retries every row that could not be written earlier. */
  retryPending(): boolean {
    if (this.pendingWrites.size === 0) return true;
    const rows = [...this.pendingWrites.values()];
    try {
      this.db.pragma(`busy_timeout = ${this.writeTimeout}`);
      this.db.transaction(() => {
        for (const m of rows) this.upsertStmt.run(toIndexRow(m));
      })();
      for (const m of rows) if (this.pendingWrites.get(m.id) === m) this.pendingWrites.delete(m.id);
      return true;
    } catch (error) {
      if (!isBusy(error)) throw error;
      this.markDirty(rows.map((m) => m.id));
      return false;
    } finally {
      this.db.pragma(`busy_timeout = ${this.readTimeout}`);
    }
  }

  /** Records thread ids whose rows may be stale, for whichever process opens the index next. */
  markDirty(ids: readonly string[]): void {
    try {
      fs.appendFileSync(ThreadIndex.dirtyPath(this.home), ids.map((id) => `${id}\n`).join(""));
    } catch {
      // The in-memory retry still covers this process.
    }
  }

  /** Takes the dirty marker (atomically, so concurrent markers are not lost) and returns its ids. */
  takeDirtyIds(): string[] | null {
    const file = ThreadIndex.dirtyPath(this.home);
    const taken = `${file}.${process.pid}.${Date.now()}`;
    try {
      fs.renameSync(file, taken);
    } catch {
      return null;
    }
    try {
      return fs
        .readFileSync(taken, "utf8")
        .split("\n")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    } finally {
      fs.rmSync(taken, { force: true });
    }
  }

  get(id: string): ThreadMetadata | null {
    const row = this.getStmt.get(id) as IndexRow | undefined;
    return row ? fromIndexRow(row) : null;
  }

  delete(id: string): void {
    // A row still waiting for a retry must not bring the thread back.
    this.pendingWrites.delete(id);
    this.db.prepare("DELETE FROM threads WHERE id = ?").run(id);
  }

  /** All (id, path, archived) triples — for reconciling with the files on disk. */
  allLocations(): { id: string; rolloutPath: string; archived: boolean }[] {
    return (
      this.db.prepare("SELECT id, rollout_path, archived FROM threads").all() as {
        id: string;
        rollout_path: string;
        archived: number;
      }[]
    ).map((r) => ({ id: r.id, rolloutPath: r.rollout_path, archived: r.archived === 1 }));
  }

  /** Replaces every row in one transaction. */
  replaceAll(rows: readonly ThreadMetadata[]): void {
    this.db.transaction(() => {
      this.db.exec("DELETE FROM threads");
      for (const m of rows) this.upsertStmt.run(toIndexRow(m));
    })();
  }

  /** Upserts many rows in one transaction (maintenance; uses the long timeout). */
  upsertMany(rows: readonly ThreadMetadata[]): void {
    this.db.transaction(() => {
      for (const m of rows) this.upsertStmt.run(toIndexRow(m));
    })();
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM threads").get() as { n: number }).n;
  }

  list(params: ListThreadsParams = {}): ListThreadsResult {
    const query = listQuery(params, SQLITE_DIALECT);
    return listPage(this.db.prepare(query.sql).all(...query.args) as IndexRow[], query);
  }
}
