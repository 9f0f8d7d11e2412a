import { describe, expect, it } from "vitest";
import {
  decodeItemsAppended,
  encodeItemsAppended,
  ITEMS_CHANNEL,
  NotifyListener,
} from "../../src/store/postgres/notify.js";
import { schemaPool, testDatabase, until } from "../support/postgres.js";

const db = await testDatabase();

describe.skipIf(!db.available)("LISTEN/NOTIFY listener", () => {
  const pool = schemaPool(db, 2);

  it("delivers committed notifications and reconnects after its session is killed", async () => {
    const seen: string[] = [];
    let reconnects = 0;
    const listener = new NotifyListener({
      connectionString: db.url,
      channels: [ITEMS_CHANNEL],
      onNotify: (_channel, payload) => seen.push(payload),
      onReconnect: () => {
        reconnects += 1;
      },
      retryMs: 20,
    });
    await listener.start();
    try {
      const send = (seq: number) =>
        pool.query("SELECT pg_notify($1, $2)", [ITEMS_CHANNEL, encodeItemsAppended({ threadId: "t1", seq })]);
      await send(1);
      await until(() => seen.length === 1);

      // A rolled-back append notifies nobody.
      const tx = await pool.connect();
      await tx.query("BEGIN");
      await tx.query("SELECT pg_notify($1, $2)", [
        ITEMS_CHANNEL,
        encodeItemsAppended({ threadId: "t1", seq: 99 }),
      ]);
      await tx.query("ROLLBACK");
      tx.release();

      // The server drops the listening session (a restart, a network cut).
      await pool.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
      );
      await until(() => reconnects === 1 && listener.connected);
      await send(2);
      await until(() => seen.length === 2);
      expect(seen.map(decodeItemsAppended)).toEqual([
        { threadId: "t1", seq: 1 },
        { threadId: "t1", seq: 2 },
      ]);
    } finally {
      await listener.close();
    }
  });

  it("announces each committed append once per thread with its last seq, and nothing on rollback", async () => {
    const seen: string[] = [];
    const listener = new NotifyListener({
      connectionString: db.url,
      channels: [ITEMS_CHANNEL],
      onNotify: (_channel, payload) => seen.push(payload),
    });
    await listener.start();
    try {
      const thread = (id: string) =>
        pool.query(
          `INSERT INTO keel_threads (id, rollout_path, cwd, source, source_kind, created_at_ms, updated_at_ms, cli_version)
           VALUES ($1, 'pg:/x', '/w', '"cli"', 'cli', 0, 0, '0')`,
          [id],
        );
      await thread("ta");
      await thread("tb");
      const rows = (id: string, from: number, n: number) =>
        Array.from({ length: n }, (_, i) => `('${id}', ${from + i}, '{}')`).join(", ");
      const tx = await pool.connect();
      await tx.query("BEGIN");
      await tx.query(
        `INSERT INTO keel_items (thread_id, seq, line) VALUES ${rows("ta", 0, 3)}, ${rows("tb", 0, 2)}`,
      );
      await tx.query("ROLLBACK");
      await tx.query("BEGIN");
      await tx.query(
        `INSERT INTO keel_items (thread_id, seq, line) VALUES ${rows("ta", 0, 3)}, ${rows("tb", 0, 2)}`,
      );
      await tx.query("COMMIT");
      await tx.query(`INSERT INTO keel_items (thread_id, seq, line) VALUES ${rows("ta", 3, 1)}`);
      tx.release();
      await until(() => seen.length === 3);
      const events = seen.map(decodeItemsAppended);
      expect(events.slice(0, 2)).toEqual(
        expect.arrayContaining([
          { threadId: "ta", seq: 2 },
          { threadId: "tb", seq: 1 },
        ]),
      );
      expect(events[2]).toEqual({ threadId: "ta", seq: 3 });
    } finally {
      await listener.close();
    }
  });

  it("ignores payloads keel did not write", () => {
    expect(decodeItemsAppended("not json")).toBeNull();
    expect(decodeItemsAppended('{"t":1,"s":"x"}')).toBeNull();
  });
});
