import fs from "node:fs";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { FrameMeter, resolveWsLimits } from "../../src/app-server/ws-limits.js";
import { tempDir } from "../support/tmp.js";
import { RawWsClient, clientFrame } from "./raw-ws.js";
import { WsClient, startListeningServer } from "./support.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer(args: string[]) {
  const home = tempDir("keel-ws-limits-");
  const server = await startListeningServer(home, "ws://127.0.0.1:0", args);
  cleanups.push(() => server.child.kill("SIGKILL"));
  return server;
}

async function initialized(url: string): Promise<WsClient> {
  const client = await WsClient.connect(url);
  cleanups.push(() => client.close());
  await client.initialize();
  return client;
}

function track(client: RawWsClient): RawWsClient {
  cleanups.push(() => client.destroy());
  return client;
}

const initializeText = JSON.stringify({
  id: 1,
  method: "initialize",
  params: { clientInfo: { name: "raw", title: null, version: "1" } },
});

/** Resident memory of a process, from /proc. */
function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match![1]) * 1024;
}

describe("connection limits", () => {
  it("closes a connection over --ws-max-connections with 1013 and a reason", async () => {
    const { url } = await startServer(["--ws-max-connections", "2"]);
    await initialized(url);
    await initialized(url);
    const third = track(await RawWsClient.upgrade(url));
    expect(await third.closed()).toEqual({ code: 1013, reason: "too many connections (limit 2)" });
  });

  it("cuts a socket that never completes the upgrade, and a connection that never sends", async () => {
    const { url } = await startServer(["--ws-handshake-timeout-seconds", "1"]);
    const silentTcp = track(RawWsClient.tcp(url));
    const silentWs = track(await RawWsClient.upgrade(url));
    const active = await initialized(url);
    await silentTcp.ended;
    expect(await silentWs.closed()).toEqual({ code: 1008, reason: "no message within 1 s of connecting" });
    // A client that spoke in time is not an idle one: it may stay quiet as long as it likes.
    expect(await active.request(2, "app/list", {})).toMatchObject({ id: 2, result: { data: [] } });
  });

  it("closes a connection that starts a message and never finishes it", async () => {
    const { url } = await startServer(["--ws-message-timeout-seconds", "1"]);
    const client = track(await RawWsClient.upgrade(url));
    client.sendText(initializeText);
    client.sendPartialFrame(2 * MiB, MiB);
    expect(await client.closed()).toEqual({ code: 1008, reason: "message not completed within 1 s" });
  });

  it("bounds the bytes of unfinished messages across connections, and the server's memory with them", async () => {
    const budget = 16 * MiB;
    const { url, child } = await startServer(["--ws-max-buffered-bytes", String(budget)]);
    // Baseline once the session engine is loaded (its first request waits for it).
    const probe = await initialized(url);
    expect(await probe.request(2, "thread/list", {})).toMatchObject({ id: 2, result: {} });
    const before = rssBytes(child.pid!);

    const clients: RawWsClient[] = [];
    for (let i = 0; i < 40; i++) {
      const client = track(await RawWsClient.upgrade(url));
      client.sendText(initializeText);
      client.sendPartialFrame(8 * MiB, 6 * MiB);
      clients.push(client);
    }
    // Each held 6 MiB: two fit in the budget, every other one is refused.
    const refused = clients.slice(2).map((c) => c.closed());
    for (const close of await Promise.all(refused)) {
      expect(close).toEqual({
        code: 1013,
        reason: `server busy: unfinished messages over ${budget} bytes across connections`,
      });
    }
    expect(clients.slice(0, 2).every((c) => c.closeFrame === undefined && !c.socket.destroyed)).toBe(true);
    const grown = rssBytes(child.pid!) - before;
    // Without the budget the 40 clients would pin 240 MiB.
    expect(grown, `RSS grew by ${grown} bytes`).toBeLessThan(budget * 4);
    // The server still serves.
    expect(await (await initialized(url)).request(3, "app/list", {})).toMatchObject({ id: 3 });
  });

  it("refuses a message over --ws-max-message-bytes before buffering it (1009)", async () => {
    const { url } = await startServer(["--ws-max-message-bytes", String(MiB)]);
    const client = track(await RawWsClient.upgrade(url));
    client.sendPartialFrame(2 * MiB, 1024);
    expect((await client.closed())?.code).toBe(1009);
  });

  it("closes a connection that leaves more than --ws-max-message-bytes of answers unread", async () => {
    const { url, stderr } = await startServer(["--ws-max-message-bytes", String(MiB)]);
    const client = track(await RawWsClient.upgrade(url));
    client.sendText(initializeText);
    client.socket.pause();
    // Each answer echoes its 64 KiB of cwds: 40 MiB of answers the client never reads.
    const cwds = Array.from({ length: 64 }, (_, i) => `/${String(i).padStart(1023, "d")}`);
    for (let id = 2; id < 642; id++)
      client.sendText(JSON.stringify({ id, method: "hooks/list", params: { cwds } }));
    const deadline = Date.now() + 30_000;
    while (!stderr().includes("client is not reading") && Date.now() < deadline) await sleep(100);
    expect(stderr()).toContain(
      `closing connection: client is not reading: over ${MiB} bytes of answers queued`,
    );
    client.socket.resume();
    await client.ended;
  });

  it("rejects limit flags that are not positive whole numbers", () => {
    expect(() => resolveWsLimits({ wsMaxConnections: "0" })).toThrow(
      "--ws-max-connections must be a positive whole number, got '0'",
    );
    expect(() => resolveWsLimits({ wsMessageTimeoutSeconds: "1.5" })).toThrow("--ws-message-timeout-seconds");
    expect(resolveWsLimits({ wsHandshakeTimeoutSeconds: "3" }).handshakeTimeoutMs).toBe(3000);
  });
});

describe("FrameMeter", () => {
  /** One message as frames: data fragments with control frames (pings) between them. */
  const messageArb = fc.record({
    fragments: fc.array(fc.nat(300), { minLength: 1, maxLength: 4 }),
    pings: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  });

  it("counts the bytes of the unfinished message and every completed one, however the stream is cut", () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 5 }), fc.array(fc.nat(400)), (messages, cuts) => {
        // Every byte of the stream, with the message it belongs to (or -1 for control frames).
        const bytes: number[] = [];
        const owner: number[] = [];
        messages.forEach((message, index) => {
          message.fragments.forEach((size, f) => {
            const last = f === message.fragments.length - 1;
            const data = clientFrame(Buffer.alloc(size, 0x62), { opcode: f === 0 ? 0x1 : 0x0, fin: last });
            const add = (frame: Buffer, who: number) => {
              for (const b of frame) {
                bytes.push(b);
                owner.push(who);
              }
            };
            add(data, index);
            if (message.pings[f] && !last) add(clientFrame(Buffer.from("hi"), { opcode: 0x9 }), -1);
          });
        });
        const stream = Buffer.from(bytes);
        const meter = new FrameMeter();
        let completed = 0;
        let offset = 0;
        for (const cut of [...cuts, stream.length]) {
          const end = Math.min(stream.length, offset + cut);
          completed += meter.push(stream.subarray(offset, end));
          offset = end;
          // Expected: messages whose last byte is in, and data bytes of the one after them.
          const done = offset === 0 ? 0 : completedBefore(owner, offset, messages.length);
          const pending = owner.slice(0, offset).filter((o) => o === done).length;
          expect(completed).toBe(done);
          expect(meter.pending).toBe(done < messages.length ? pending : 0);
        }
        expect(completed).toBe(messages.length);
        expect(meter.pending).toBe(0);
        expect(meter.inMessage).toBe(false);
      }),
    );
  });
});

/** How many messages have all their bytes within the first `offset` bytes. */
function completedBefore(owner: number[], offset: number, count: number): number {
  let done = 0;
  while (done < count) {
    const last = owner.lastIndexOf(done);
    if (last === -1 || last >= offset) break;
    done++;
  }
  return done;
}
