import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThreadHeldElsewhereError } from "../../src/store/cluster.js";
import { PostgresThreadStore } from "../../src/store/postgres/store.js";
import { ev } from "../rollout/builders.js";
import { testDatabase } from "../support/postgres.js";

const db = await testDatabase();

const said = (text: string) =>
  ev("user_message", { message: text, images: [], local_images: [], text_elements: [] });

/** The user messages stored for a thread, in order. */
async function storedMessages(store: PostgresThreadStore, threadId: string): Promise<string[]> {
  const read = await store.readThread({ threadId });
  return read.rollout.lines.flatMap((l) =>
    l.type === "event_msg" && l.payload.type === "user_message" ? [String(l.payload.message)] : [],
  );
}

describe.skipIf(!db.available)("PostgreSQL store: one writer per thread across servers", () => {
  const stores: PostgresThreadStore[] = [];
  let admin: pg.Client;
  // Heartbeats never fire in these tests: expiry is simulated on the database clock.
  const server = () => {
    const store = new PostgresThreadStore({
      url: db.url,
      heartbeatMs: 3_600_000,
      address: "ws://a.example:4500",
    });
    stores.push(store);
    return store;
  };
  beforeAll(async () => {
    admin = new pg.Client(db.url);
    await admin.connect();
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await admin.end();
  });

  it("refuses a resume while another server holds the thread, naming it", async () => {
    const a = server();
    const b = server();
    const recorder = a.createThread({ cwd: "/w", modelProvider: null });
    await recorder.record([said("on A")]);
    const refused = await b.resumeThread({ threadId: recorder.threadId }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ThreadHeldElsewhereError);
    expect((refused as Error).message).toContain(`pid ${process.pid}`);
    expect((refused as Error).message).toContain("ws://a.example:4500");
    // Reading is anyone's right.
    expect(await storedMessages(b, recorder.threadId)).toEqual(["on A"]);
    await recorder.close();
    // Released on close: B takes it at once.
    const opened = await b.resumeThread({ threadId: recorder.threadId });
    await opened.recorder.close();
  });

  it("fences a holder that lost its lease: its late append is refused and nothing of it is stored", async () => {
    const a = server();
    const b = server();
    const stale = a.createThread({ cwd: "/w", modelProvider: null });
    await stale.record([said("before the stall")]);
    // A stalls past its lease (no heartbeat); B takes the thread over.
    await admin.query("UPDATE thread_leases SET expires_at = now() - interval '1 second'");
    const taken = await b.resumeThread({ threadId: stale.threadId });
    expect(taken.items.some((i) => i.type === "event_msg" && i.payload.type === "user_message")).toBe(true);
    // A comes back before B wrote anything: only the lease generation stops it.
    await expect(stale.record([said("late write from A")])).rejects.toThrow(/lease .*taken over/);
    await taken.recorder.record([said("from B")]);
    expect(await storedMessages(b, stale.threadId)).toEqual(["before the stall", "from B"]);
    await taken.recorder.close();
  });
});
