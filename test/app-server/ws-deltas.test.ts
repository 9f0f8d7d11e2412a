import type net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { DELTA_BACKLOG_LIMIT } from "../../src/app-server/transport.js";
import { WebSocketTransport } from "../../src/app-server/transports/websocket.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

/** A real WebSocket connection whose client has stopped reading. */
async function stalledConnection(): Promise<{ server: WebSocket; raw: net.Socket }> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const { port } = wss.address() as net.AddressInfo;
  const accepted = new Promise<WebSocket>((resolve) => wss.once("connection", (ws) => resolve(ws)));
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise<void>((resolve) => client.once("open", () => resolve()));
  const server = await accepted;
  (client as unknown as { _socket: net.Socket })._socket.pause();
  cleanups.push(() => {
    client.terminate();
    wss.close();
  });
  return { server, raw: (server as unknown as { _socket: net.Socket })._socket };
}

describe("websocket transport under a client that does not read", () => {
  it("drops command output deltas instead of closing the connection for them", async () => {
    const { server, raw } = await stalledConnection();
    const logs: string[] = [];
    const maxQueued = 16 * 1024 * 1024;
    const transport = new WebSocketTransport(server, "test", (m) => logs.push(m), 1 << 20, maxQueued, raw);
    transport.start({ onMessage: () => {}, onOversized: () => {}, onClose: () => {} });
    // 24 MiB of deltas: more than the connection may queue.
    for (let i = 0; i < 3000; i++) {
      transport.send({
        method: "item/commandExecution/outputDelta",
        params: { threadId: "t", turnId: "u", itemId: "c", delta: `${i}`.padEnd(8192, "x") },
      });
      if (i % 200 === 0) await sleep(1);
    }
    expect(server.bufferedAmount).toBeLessThanOrEqual(DELTA_BACKLOG_LIMIT + 9000);
    transport.send({ method: "item/completed", params: { item: "done" } });
    expect(logs.filter((l) => l.includes("client is not reading"))).toEqual([]);
    expect(server.readyState).toBe(WebSocket.OPEN);
  });
});
