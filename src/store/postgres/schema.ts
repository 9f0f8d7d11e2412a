import type { Pool } from "pg";
import { MIGRATION_LOCK_KEY, type Migration, MIGRATIONS } from "./migrations.js";

export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `the database's keel schema is at version ${found}, newer than this keel knows (${known}); ` +
        "upgrade keel before using this database",
    );
    this.name = "SchemaTooNewError";
  }
}

/**
 * Brings the schema up to date. Everything happens in one transaction holding a transaction-level
 * advisory lock, so servers starting at once apply each migration exactly once (the later ones
 * wait, then find nothing to do) and a failed migration leaves no trace.
 * Returns the versions applied now.
 */
export async function migrate(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    try {
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      await client.query(
        `CREATE TABLE IF NOT EXISTS keel_schema_migrations (
           version integer PRIMARY KEY,
           name text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const { rows } = await client.query<{ version: number }>("SELECT version FROM keel_schema_migrations");
      const applied = new Set(rows.map((r) => r.version));
      const known = Math.max(0, ...migrations.map((m) => m.version));
      const newest = Math.max(0, ...applied);
      if (newest > known) throw new SchemaTooNewError(newest, known);
      const done: number[] = [];
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(migration.version)) continue;
        await client.query(migration.sql);
        await client.query("INSERT INTO keel_schema_migrations (version, name) VALUES ($1, $2)", [
          migration.version,
          migration.name,
        ]);
        done.push(migration.version);
      }
      await client.query("COMMIT");
      return done;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  } finally {
    client.release();
  }
}
