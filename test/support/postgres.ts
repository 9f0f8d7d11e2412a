import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { migrate } from "../../src/store/postgres/schema.js";

/**
 * A fresh PostgreSQL database for one test file: a random name, created on first use and dropped
 * (connections and all) after the file's tests. `.ci/run` exports `KEEL_TEST_PG_URL`; when it is set
 * an unreachable server fails the tests. Without it the default local URL is tried and, when nothing
 * answers there, the caller skips (a developer machine without PostgreSQL).
 */
export interface TestDatabase {
  /** False only outside CI when no server answers: `describe.skipIf(!db.available)`. */
  available: boolean;
  /** Connection string of the fresh database (empty when unavailable). */
  url: string;
  /** The server's maintenance database, for creating more databases in a test. */
  adminUrl: string;
}

const DEFAULT_URL = "postgres://keel:keel@127.0.0.1:5432/postgres";

export async function testDatabase(prefix = "keel_test"): Promise<TestDatabase> {
  const fromCi = process.env.KEEL_TEST_PG_URL;
  const adminUrl = fromCi || DEFAULT_URL;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => {});
    if (fromCi) throw new Error(`KEEL_TEST_PG_URL is set but PostgreSQL does not answer: ${String(error)}`);
    return { available: false, url: "", adminUrl };
  }
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  afterAll(() => dropDatabase(adminUrl, name));
  return { available: true, url: withDatabase(adminUrl, name), adminUrl };
}

/** `url` pointing at database `name` (same server, role and password). */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // FORCE ends sessions a killed child process may have left behind.
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Resolves once `check` holds (polled); fails after `ms`. For states only the database shows. */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Inside a `describe`: a pool on the test database, keel's schema migrated before the tests and
 * the pool ended after them (after the describe's own `afterAll` hooks, which run first).
 */
export function schemaPool(db: TestDatabase, max = 6): pg.Pool {
  const pool = new pg.Pool({ connectionString: db.url, max });
  beforeAll(() => migrate(pool));
  afterAll(() => pool.end());
  return pool;
}
