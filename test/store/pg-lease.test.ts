import fc from "fast-check";
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  assertFence,
  LeaseHeldError,
  type LeaseHolder,
  LeaseLostError,
  LeaseManager,
  readLease,
} from "../../src/store/postgres/lease.js";
import { schemaPool, testDatabase } from "../support/postgres.js";

const db = await testDatabase();

function holder(name: string, address: string | null = null): LeaseHolder {
  return { serverId: `srv-${name}`, host: `host-${name}`, pid: 4000 + name.length, address };
}

/** Simulates time passing for every lease without sleeping: the database clock decides expiry. */
async function expireAll(pool: pg.Pool): Promise<void> {
  await pool.query("UPDATE thread_leases SET expires_at = now() - interval '1 second'");
}

describe.skipIf(!db.available)("thread leases on PostgreSQL", () => {
  const pool = schemaPool(db);
  const managers: LeaseManager[] = [];
  // Heartbeats are driven by hand in these tests (a huge interval never fires).
  const manager = (h: LeaseHolder, onLost?: (id: string) => void) => {
    const m = new LeaseManager({ db: pool, self: h, ttlMs: 60_000, heartbeatMs: 3_600_000, onLost });
    managers.push(m);
    return m;
  };

  afterAll(async () => {
    await Promise.allSettled(managers.map((m) => m.close()));
  });

  it("refuses a second server with an error naming the holder, and frees the thread on release", async () => {
    const a = manager(holder("a", "ws://10.0.0.1:4500"));
    const b = manager(holder("b"));
    const first = await a.acquire("t-held");
    expect(first.generation).toBe(1);
    // The holder asking again keeps its lease (resume after load).
    expect(await a.acquire("t-held")).toBe(first);

    const refused = await b.acquire("t-held").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LeaseHeldError);
    const message = (refused as Error).message;
    expect(message).toContain("srv-a");
    expect(message).toContain("host-a");
    expect(message).toContain("ws://10.0.0.1:4500");
    expect((refused as LeaseHeldError).holder).toEqual(holder("a", "ws://10.0.0.1:4500"));

    await a.release("t-held");
    const taken = await b.acquire("t-held");
    expect(taken.generation).toBe(2);
    expect((await readLease(pool, "t-held"))?.holder?.serverId).toBe("srv-b");
  });

  it("lets another server take an expired lease, and tells the old holder at its next heartbeat", async () => {
    const lost: string[] = [];
    const a = manager(holder("a"), (id) => lost.push(id));
    const b = manager(holder("b"));
    await a.acquire("t-dead");
    await expect(b.acquire("t-dead")).rejects.toBeInstanceOf(LeaseHeldError);
    await expireAll(pool);
    expect((await b.acquire("t-dead")).generation).toBe(2);
    await a.heartbeat();
    expect(lost).toEqual(["t-dead"]);
    expect(a.held("t-dead")).toBeUndefined();
  });

  it("renews leases on heartbeat by the database clock", async () => {
    const a = manager(holder("a"));
    await a.acquire("t-beat");
    await pool.query(
      "UPDATE thread_leases SET expires_at = now() + interval '1 second' WHERE thread_id = 't-beat'",
    );
    const before = (await readLease(pool, "t-beat"))!.expiresAt;
    await a.heartbeat();
    const after = (await readLease(pool, "t-beat"))!;
    expect(after.expiresAt.getTime()).toBeGreaterThan(before.getTime() + 30_000);
    expect(after.live).toBe(true);
  });

  it("fences a stale holder: its append is refused once another server took over", async () => {
    const a = manager(holder("a"));
    const b = manager(holder("b"));
    const stale = await a.acquire("t-fence");
    await expireAll(pool);
    const fresh = await b.acquire("t-fence");
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await expect(assertFence(client, "t-fence", stale.generation)).rejects.toBeInstanceOf(LeaseLostError);
      await client.query("ROLLBACK");
      await client.query("BEGIN");
      await assertFence(client, "t-fence", fresh.generation);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
  });

  it("makes a take-over wait for an append already past its fence", async () => {
    const a = manager(holder("a"));
    const b = manager(holder("b"));
    const lease = await a.acquire("t-race");
    await expireAll(pool);
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await assertFence(client, "t-race", lease.generation);
      let tookOver = false;
      const takeover = b.acquire("t-race").then((l) => {
        tookOver = true;
        return l;
      });
      // The row lock holds the take-over back while the append's transaction is open.
      await new Promise((r) => setTimeout(r, 300));
      expect(tookOver).toBe(false);
      await client.query("COMMIT");
      expect((await takeover).generation).toBe(lease.generation + 1);
    } finally {
      client.release();
    }
  });

  it("keeps at most one server able to write, whatever the order of acquire, release, heartbeat and expiry", async () => {
    type Op = { kind: "acquire" | "release" | "heartbeat"; server: number } | { kind: "expire" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constantFrom("acquire", "release", "heartbeat"),
        server: fc.nat(2),
      }) as fc.Arbitrary<Op>,
      fc.constant({ kind: "expire" } as Op),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const threadId = `t-prop-${run++}`;
        const servers = [0, 1, 2].map((i) => manager(holder(`p${i}`)));
        let lastGeneration = 0;
        for (const step of ops) {
          if (step.kind === "expire") await expireAll(pool);
          else if (step.kind === "acquire") await servers[step.server]!.acquire(threadId).catch(() => {});
          else if (step.kind === "release") await servers[step.server]!.release(threadId);
          else await servers[step.server]!.heartbeat();
          const state = await readLease(pool, threadId);
          const generation = state?.generation ?? 0;
          expect(generation).toBeGreaterThanOrEqual(lastGeneration);
          lastGeneration = generation;
          // Only the server holding the current generation passes the fence.
          let writers = 0;
          for (const s of servers) {
            const lease = s.held(threadId);
            if (!lease) continue;
            const ok = await assertFence(pool, threadId, lease.generation).then(
              () => true,
              () => false,
            );
            if (ok) writers += 1;
          }
          expect(writers).toBeLessThanOrEqual(1);
        }
        await Promise.all(servers.map((s) => s.close()));
      }),
      { numRuns: 15 },
    );
  });
});
