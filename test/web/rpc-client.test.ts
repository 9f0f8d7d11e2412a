import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { type ConnStatus, RpcClient, RpcError } from "../../web/src/rpc.js";

// The page's JSON-RPC client over a real socket (the `ws` client stands in for the browser's
// WebSocket, which Node 20 lacks); the browser tests cover it against `keel web`.

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

interface Seen {
  statuses: ConnStatus[];
  readies: number;
  initializes: unknown[];
  protocols: string[];
}

/** A tiny app-server: answers initialize and `echo`; `hang` never answers. */
async function fakeServer(seen: Seen) {
  const server = new WebSocketServer({
    port: 0,
    host: "127.0.0.1",
    handleProtocols: (protocols) => (protocols.has("keel.v2") ? "keel.v2" : false),
  });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  server.on("connection", (socket, request) => {
    seen.protocols.push(...String(request.headers["sec-websocket-protocol"]).split(/,\s*/));
    socket.on("message", (data) => {
      const message = JSON.parse(String(data));
      if (message.method === "initialize") {
        seen.initializes.push(message.params);
        socket.send(JSON.stringify({ id: message.id, result: { userAgent: "test" } }));
      } else if (message.method === "echo")
        socket.send(JSON.stringify({ id: message.id, result: message.params }));
      else if (message.method === "fail")
        socket.send(JSON.stringify({ id: message.id, error: { code: -32600, message: "bad thing" } }));
    });
  });
  stops.push(() => server.close());
  const { port } = server.address() as { port: number };
  return { server, url: `ws://127.0.0.1:${port}/` };
}

function waitFor(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (check() ? resolve() : setTimeout(poll, 10));
    poll();
  });
}

describe("page RPC client", () => {
  it("handshakes with the token subprotocol, answers requests, and reconnects after a drop", async () => {
    const seen: Seen = { statuses: [], readies: 0, initializes: [], protocols: [] };
    const { server, url } = await fakeServer(seen);
    const client = new RpcClient(url, ["keel.v2", "keel-token.abc"], {
      onStatus: (s) => seen.statuses.push(s),
      onNotification: () => {},
      onServerRequest: () => {},
      onReady: () => seen.readies++,
    });
    stops.push(() => client.stop());
    client.start();
    await waitFor(() => seen.readies === 1);
    expect(seen.protocols).toEqual(["keel.v2", "keel-token.abc"]);
    expect(seen.initializes).toEqual([
      {
        clientInfo: { name: "keel_web", title: "keel web", version: "0.1.0" },
        capabilities: { experimentalApi: true },
      },
    ]);
    // biome-ignore lint/suspicious/noExplicitAny: a method outside the typed table
    const raw = client as any;
    await expect(raw.call("echo", { n: 1 })).resolves.toEqual({ n: 1 });
    await expect(raw.call("fail", {})).rejects.toEqual(new RpcError(-32600, "bad thing"));

    // The server drops the connection while a request waits: it fails, then the client is back.
    const waiting = raw.call("hang", {});
    for (const socket of server.clients) socket.terminate();
    await expect(waiting).rejects.toThrow("connection lost");
    await waitFor(() => seen.readies === 2);
    expect(seen.statuses).toEqual(["connecting", "connected", "reconnecting", "reconnecting", "connected"]);
    expect(seen.initializes).toHaveLength(2);
    await expect(raw.call("echo", { n: 2 })).resolves.toEqual({ n: 2 });
  });
});
