import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import { PostgresThreadStore } from "../../src/store/postgres/store.js";
import { storeConformance } from "./conformance.js";
import { freshDatabase, postgresAvailable, type TestDatabase } from "./pg-support.js";

const available = await postgresAvailable();

describe.skipIf(!available)("PostgreSQL store", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  storeConformance("PostgreSQL", {
    async open() {
      const store = new PostgresThreadStore({ url: db.url });
      await store.ready();
      // Each test starts on empty tables (one database per file).
      const client = new pg.Client(db.url);
      await client.connect();
      await client.query("TRUNCATE keel_threads CASCADE");
      await client.end();
      return { store, reopen: () => new PostgresThreadStore({ url: db.url }) };
    },
  });
});
