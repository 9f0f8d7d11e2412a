import { afterAll, describe, expect, it } from "vitest";
import { LeaseManager } from "../../src/store/postgres/lease.js";
import { NotifyListener } from "../../src/store/postgres/notify.js";
import {
  type PendingRemoteRequest,
  REQUESTS_CHANNEL,
  RequestRelay,
} from "../../src/store/postgres/requests.js";
import { schemaPool, testDatabase, until } from "../support/postgres.js";

const db = await testDatabase();

describe.skipIf(!db.available)("server requests shared across servers", () => {
  const pool = schemaPool(db);
  const closers: (() => Promise<unknown>)[] = [];

  /** One "server": its relay, fed by its own LISTEN connection. */
  async function server(id: string): Promise<RequestRelay> {
    const relay = new RequestRelay(pool, id);
    const listener = new NotifyListener({
      connectionString: db.url,
      channels: [REQUESTS_CHANNEL],
      onNotify: (_c, payload) => relay.handle(payload),
      onReconnect: () => relay.resync(),
    });
    await listener.start();
    closers.push(() => listener.close());
    return relay;
  }

  afterAll(async () => {
    for (const close of closers) await close();
  });

  it("shows a request of server A to B's watchers, and brings B's first answer back to A", async () => {
    const leases = new LeaseManager({
      db: pool,
      self: { serverId: "srv-a", host: "a", pid: 1, address: null },
      heartbeatMs: 3_600_000,
    });
    closers.push(() => leases.close());
    await leases.acquire("t1");
    const a = await server("srv-a");
    const b = await server("srv-b");

    const opened: PendingRemoteRequest[] = [];
    const closed: string[] = [];
    b.watch("t1", { opened: (r) => opened.push(r), closed: (k) => closed.push(k) });

    const answers: unknown[] = [];
    const params = { threadId: "t1", turnId: "turn-1", itemId: "call-1", command: "rm -rf build" };
    const published = await a.publish("t1", "item/commandExecution/requestApproval", params, (x) =>
      answers.push(x),
    );
    await until(() => opened.length === 1);
    expect(opened[0]).toEqual({
      key: published.key,
      threadId: "t1",
      method: "item/commandExecution/requestApproval",
      params,
    });

    expect(await b.answer(published.key, "t1", { decision: "accept" })).toBe(true);
    // The first answer wins, across servers too.
    expect(await b.answer(published.key, "t1", { decision: "decline" })).toBe(false);
    await until(() => answers.length === 1 && closed.length === 1);
    expect(answers).toEqual([{ decision: "accept" }]);
    expect(closed).toEqual([published.key]);

    // Settled on A (a local client answered, or the turn ended): B's watchers are told.
    const second = await a.publish("t1", "item/fileChange/requestApproval", { threadId: "t1" }, () => {});
    await until(() => opened.length === 2);
    await second.close();
    await until(() => closed.length === 2);
    expect(closed[1]).toBe(second.key);
    await published.close();
  });

  it("hides requests of a holder whose lease lapsed (it died with them); the next holder deletes them", async () => {
    const leases = new LeaseManager({
      db: pool,
      self: { serverId: "srv-c", host: "c", pid: 1, address: null },
      heartbeatMs: 3_600_000,
    });
    closers.push(() => leases.close());
    await leases.acquire("t2");
    const c = await server("srv-c");
    await c.publish("t2", "item/commandExecution/requestApproval", { threadId: "t2" }, () => {});
    await pool.query(
      "UPDATE thread_leases SET expires_at = now() - interval '1 second' WHERE thread_id = 't2'",
    );
    const d = await server("srv-d");
    const opened: PendingRemoteRequest[] = [];
    d.watch("t2", { opened: (r) => opened.push(r), closed: () => {} });
    // A fresh request from a live holder still shows, proving the watch is working.
    const e = new LeaseManager({
      db: pool,
      self: { serverId: "srv-e", host: "e", pid: 1, address: null },
      heartbeatMs: 3_600_000,
    });
    closers.push(() => e.close());
    await e.acquire("t2");
    const relayE = await server("srv-e");
    const live = await relayE.publish(
      "t2",
      "item/commandExecution/requestApproval",
      { threadId: "t2" },
      () => {},
    );
    await until(() => opened.length >= 1);
    expect(opened.map((r) => r.key)).toEqual([live.key]);
    // The take-over deleted the dead holder's request rows: nobody can answer them any more.
    const { rows } = await pool.query("SELECT server_id FROM thread_requests WHERE thread_id = 't2'");
    expect(rows).toEqual([{ server_id: "srv-e" }]);
  });
});
