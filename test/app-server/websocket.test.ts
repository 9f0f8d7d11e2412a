import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { WebSocket } from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../support/tmp.js";
import { WsClient, oversizedRequest, startListeningServer } from "./support.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function startWs() {
  const home = tempDir("keel-app-server-ws-");
  const server = await startListeningServer(home, "ws://127.0.0.1:0");
  cleanups.push(() => server.child.kill("SIGKILL"));
  return { ...server, home };
}

function httpGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

describe("app-server over WebSocket", () => {
  it("prints a banner on stderr and answers readyz and healthz", async () => {
    const { url, stderr } = await startWs();
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(stderr()).toContain("keel app-server (WebSockets)");
    const base = url.replace(/^ws:/, "http:");
    expect((await httpGet(`${base}/readyz`)).status).toBe(200);
    expect((await httpGet(`${base}/healthz`)).status).toBe(200);
  });

  it("rejects HTTP requests and upgrades that carry an Origin header", async () => {
    const { url } = await startWs();
    const base = url.replace(/^ws:/, "http:");
    expect((await httpGet(`${base}/readyz`, { Origin: "https://evil.example" })).status).toBe(403);
    const socket = new WebSocket(url, { origin: "https://evil.example" });
    const status = await new Promise<number>((resolve, reject) => {
      socket.on("unexpected-response", (_req, response) => resolve(response.statusCode ?? 0));
      socket.on("open", () => reject(new Error("upgrade with Origin was accepted")));
      socket.on("error", () => {});
    });
    expect(status).toBe(403);
  });

  it("gives every socket its own handshake and echoes id types", async () => {
    const { url, home } = await startWs();
    const first = await WsClient.connect(`${url}/`);
    const second = await WsClient.connect(url);
    cleanups.push(
      () => first.close(),
      () => second.close(),
    );
    expect(await second.request("early", "skills/list", {})).toEqual({
      id: "early",
      error: { code: -32600, message: "Not initialized" },
    });
    const init = await first.initialize("ws_first");
    expect(init).toMatchObject({ id: 1, result: { codexHome: home, platformFamily: "unix" } });
    expect((init.result as { userAgent: string }).userAgent).toMatch(/^ws_first\//);
    expect(await first.request("x-1", "hooks/list", { cwds: ["/p"] })).toEqual({
      id: "x-1",
      result: { data: [{ cwd: "/p", hooks: [], warnings: [], errors: [] }] },
    });
    // The other socket is still uninitialized.
    expect((await second.request(2, "skills/list", {})).error).toEqual({
      code: -32600,
      message: "Not initialized",
    });
    await second.initialize();
    expect(await second.request(3, "initialize", { clientInfo: { name: "a", version: "1" } })).toEqual({
      id: 3,
      error: { code: -32600, message: "Already initialized" },
    });
  });

  it("drops malformed frames and answers oversized ones with an error, keeping the socket", async () => {
    const { url, stderr } = await startWs();
    const client = await WsClient.connect(url);
    cleanups.push(() => client.close());
    await client.initialize();
    client.socket.send("{not json");
    const limit = 16 * 1024 * 1024;
    client.socket.send(oversizedRequest(41, limit + 10));
    expect(await client.inbox.next((m) => m.id === 41, 20_000)).toEqual({
      id: 41,
      error: {
        code: -32600,
        message: `Invalid request: message of ${limit + 10} bytes exceeds the limit of ${limit} bytes`,
      },
    });
    expect(await client.request(42, "app/list", {})).toEqual({
      id: 42,
      result: { data: [], nextCursor: null },
    });
    expect(client.inbox.received).toEqual([]);
    expect(stderr()).toContain("Failed to deserialize JSONRPCMessage");
  });

  it("warns on stderr that any local user can drive a server without --ws-auth", async () => {
    const { stderr } = await startWs();
    expect(stderr()).toContain(
      "WARNING: no --ws-auth: any local user can connect to this port and run commands as this user",
    );
  });

  it("refuses to listen beyond loopback without --ws-auth", async () => {
    const home = tempDir("keel-app-server-ws-");
    await expect(startListeningServer(home, "ws://0.0.0.0:0")).rejects.toThrow(
      /keel: refusing to start non-loopback websocket listener 0\.0\.0\.0:0 without auth/,
    );
  });

  it("stops on SIGTERM", async () => {
    const { child, exited } = await startWs();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});

describe("app-server over a unix socket", () => {
  it("speaks WebSocket over the socket and advertises the message limit", async () => {
    const home = tempDir("keel-app-server-unix-");
    const socketPath = path.join(home, "app.sock");
    const server = await startListeningServer(home, `unix://${socketPath}`);
    cleanups.push(() => server.child.kill("SIGKILL"));
    expect(server.url).toBe(`unix://${socketPath}`);
    // Whoever can connect runs commands as this user: only this user may.
    expect(fs.statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(server.stderr()).toContain("the socket is mode 0600, so only this user can connect");

    const client = new WsClient(new WebSocket(`ws+unix://${socketPath}:/`));
    await client.opened;
    cleanups.push(() => client.close());
    expect(client.upgradeHeaders["x-codex-websocket-max-unfragmented-message-bytes"]).toBe("16777216");
    const init = await client.initialize("unix_client");
    expect(init).toMatchObject({ id: 1, result: { codexHome: home } });
    expect(await client.request(2, "permissionProfile/list", { limit: 1, cursor: "2" })).toEqual({
      id: 2,
      result: { data: [{ id: ":danger-full-access", description: null, allowed: true }], nextCursor: null },
    });

    // readyz is served on the same socket.
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get({ socketPath, path: "/readyz" }, (response) => resolve(response.statusCode ?? 0))
        .on("error", reject);
    });
    expect(status).toBe(200);
    client.close();
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });

  it("replaces a stale socket file and refuses a live one", async () => {
    const home = tempDir("keel-app-server-unix-");
    const socketPath = path.join(home, "s.sock");
    const first = await startListeningServer(home, `unix://${socketPath}`);
    cleanups.push(() => first.child.kill("SIGKILL"));
    // A second server on the same live socket fails without a stack trace.
    await expect(startListeningServer(home, `unix://${socketPath}`)).rejects.toThrow(
      /another server is listening/,
    );
    // After a crash the socket file stays behind; a new server takes it over.
    first.child.kill("SIGKILL");
    await first.exited;
    const second = await startListeningServer(home, `unix://${socketPath}`);
    cleanups.push(() => second.child.kill("SIGKILL"));
    const client = new WsClient(new WebSocket(`ws+unix://${socketPath}:/`));
    await client.opened;
    cleanups.push(() => client.close());
    expect((await client.initialize()).result).toBeDefined();
  });
});
