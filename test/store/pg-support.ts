import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";

/** Superuser URL of the test server; every test file makes (and drops) its own database there. */
export const PG_ADMIN_URL = process.env.KEEL_TEST_PG_URL ?? "postgres://keel:keel@127.0.0.1:5432/postgres";

async function reachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether PostgreSQL tests run. Unreachable server: skipped locally (with a message saying so),
 * a failure in CI — a store that is never tested must not look green.
 */
export async function postgresAvailable(): Promise<boolean> {
  const problem = await reachable();
  if (problem === null) return true;
  if (process.env.CI) throw new Error(`PostgreSQL test server unreachable in CI (${problem})`);
  console.warn(
    `skipping PostgreSQL store tests: no server at the KEEL_TEST_PG_URL / default URL (${problem})`,
  );
  return false;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new empty database; `drop` removes it (terminating connections left open). */
export async function freshDatabase(): Promise<TestDatabase> {
  const name = `keel_test_${randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client(PG_ADMIN_URL);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client(PG_ADMIN_URL);
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Inside a `describe`: a fresh database for its tests, dropped after them. */
export function useFreshDatabase(): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  return () => {
    if (!db) throw new Error("the test database is not ready");
    return db;
  };
}
