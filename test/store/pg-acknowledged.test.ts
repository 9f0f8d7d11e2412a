// On PostgreSQL, a client hears of an item only once it is committed: `keel app-server` killed
// with SIGKILL right after a client received `item/completed` still has that item in the
// database. A lock held by the test stalls the group commit, so the order is forced, not raced.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stall, textTurn } from "../support/model-server.js";
import { testDatabase, until } from "../support/postgres.js";
import { fixture, type Message, runTextTurn, text, wsServer } from "../app-server-engine/support.js";

const db = await testDatabase();

/** The user messages stored for a thread, in order. */
async function storedUserMessages(client: pg.Client, threadId: string): Promise<string[]> {
  const { rows } = await client.query<{ line: string }>(
    "SELECT line FROM keel_items WHERE thread_id = $1 ORDER BY seq",
    [threadId],
  );
  return rows.flatMap(({ line }) => {
    const item = JSON.parse(line);
    return item.type === "event_msg" && item.payload.type === "user_message" ? [item.payload.message] : [];
  });
}

const userMessageCompleted = (turnId: string) => (m: Message) =>
  m.method === "item/completed" && m.params.turnId === turnId && m.params.item.type === "userMessage";

describe.skipIf(!db.available)("acknowledged means committed (PostgreSQL store)", () => {
  let admin: pg.Client;
  let locker: pg.Client;
  let lockerPid: number;
  beforeAll(async () => {
    admin = new pg.Client(db.url);
    locker = new pg.Client(db.url);
    await admin.connect();
    await locker.connect();
    lockerPid = (await locker.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
  });
  afterAll(async () => {
    await admin.end();
    await locker.end();
  });

  it("item/completed reaches the client only after the item's commit; kill -9 right after keeps it", async () => {
    const fx = await fixture();
    const server = await wsServer(fx, { args: ["--store", db.url] });
    const peer = await server.connect();
    await peer.initialize();
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    const threadId = thread.id as string;
    await runTextTurn(fx, peer, threadId, "first question", "first answer");

    // Appends to the item log wait behind this lock until the test lets them go.
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE keel_items IN SHARE MODE");
    let locked = true;
    const unlock = async () => {
      if (locked) await locker.query("ROLLBACK");
      locked = false;
    };
    try {
      fx.model.enqueue(stall(textTurn("never finished"), 1, 60_000));
      const { turn } = await peer.request("turn/start", { threadId, input: text("kept question") });
      const completed = peer.next(userMessageCompleted(turn.id), 20_000);
      // The server's append of the user message is now waiting for the lock.
      await until(async () => {
        const { rows } = await admin.query(
          "SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'keel_items'::regclass",
        );
        return rows[0].n > 0;
      });
      // A response sent after this point arrives after anything the server sent before it.
      await peer.request("model/list", {});
      const heardWhileUncommitted = peer.received.some(userMessageCompleted(turn.id));
      if (!heardWhileUncommitted) await unlock();
      await completed;
      server.child.kill("SIGKILL");
      // A dead server's blocked statement must not commit later: end its sessions, as a crash of
      // the connection would, before the lock goes.
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> $1",
        [lockerPid],
      );
      await unlock();

      expect(await storedUserMessages(admin, threadId)).toEqual(["first question", "kept question"]);
      expect(heardWhileUncommitted).toBe(false);
    } finally {
      await unlock();
    }
  }, 60_000);
});
