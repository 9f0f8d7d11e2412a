import pg from "pg";
import { describe } from "vitest";
import { PostgresThreadStore } from "../../src/store/postgres/store.js";
import { storeConformance } from "./conformance.js";
import { postgresAvailable, useFreshDatabase } from "./pg-support.js";

const available = await postgresAvailable();

describe.skipIf(!available)("PostgreSQL store", () => {
  const database = useFreshDatabase();

  storeConformance("PostgreSQL", {
    async open() {
      const store = new PostgresThreadStore({ url: database().url });
      await store.ready();
      // Each test starts on empty tables (one database per file).
      const client = new pg.Client(database().url);
      await client.connect();
      await client.query("TRUNCATE keel_threads CASCADE");
      await client.end();
      return { store, reopen: () => new PostgresThreadStore({ url: database().url }) };
    },
  });
});
