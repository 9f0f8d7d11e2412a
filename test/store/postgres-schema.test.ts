// PostgreSQL specifics the conformance suite cannot see: concurrent migrations, a schema from a
// newer keel, and two writers on one thread (two servers). Real database, made and dropped here.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { PostgresThreadStore } from "../../src/store/postgres/store.js";
import { migrate } from "../../src/store/postgres/schema.js";
import { ev } from "../rollout/builders.js";
import { testDatabase } from "../support/postgres.js";

const db = await testDatabase();

describe.skipIf(!db.available)("PostgreSQL schema and writers", () => {
  it("servers migrating at once apply each migration exactly once; a newer schema is refused", async () => {
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: db.url, max: 1 }));
    try {
      const applied = await Promise.all(pools.map((pool) => migrate(pool)));
      expect(applied.filter((a) => a.length > 0)).toEqual([[1, 2]]);
      const { rows } = await pools[0]!.query("SELECT version, name FROM keel_schema_migrations");
      expect(rows).toEqual([
        { version: 1, name: "0001_init" },
        { version: 2, name: "0002_leases" },
      ]);
      await pools[0]!.query("INSERT INTO keel_schema_migrations (version, name) VALUES (99, 'future')");
      await expect(migrate(pools[1]!)).rejects.toThrow(/version 99, newer than this keel knows \(2\)/);
      await pools[0]!.query("DELETE FROM keel_schema_migrations WHERE version = 99");
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it("a second writer on the same thread (another server) stores nothing and fails; the first goes on", async () => {
    const a = new PostgresThreadStore({ url: db.url });
    const b = new PostgresThreadStore({ url: db.url });
    try {
      const rec = a.createThread({ cwd: "/p", modelProvider: "openai" });
      await rec.record([ev("user_message", { message: "one" })]);
      // The lease (migration 0002) refuses the second server before it can write at all.
      await expect(b.resumeThread({ threadId: rec.threadId })).rejects.toThrow(
        /running on another keel server/,
      );
      await rec.record([ev("agent_message", { message: "two", phase: null })]);
      await rec.record([ev("agent_message", { message: "three", phase: null })]);
      const read = await a.readThread({ threadId: rec.threadId });
      const messages = read.rollout.lines.flatMap((l) =>
        l.type === "event_msg" && "message" in l.payload ? [l.payload.message] : [],
      );
      expect(messages).toEqual(["one", "two", "three"]);
      await rec.close();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
