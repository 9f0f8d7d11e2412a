import pg from "pg";
import { describe } from "vitest";
import { PostgresThreadStore } from "../../src/store/postgres/store.js";
import { storeConformance } from "./conformance.js";
import { testDatabase } from "../support/postgres.js";

const db = await testDatabase();

describe.skipIf(!db.available)("PostgreSQL store", () => {
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
