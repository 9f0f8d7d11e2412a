import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import type { OutgoingMessage } from "../../protocol/jsonrpc.js";
import { scanTopLevel } from "../id-scanner.js";
import type { AppServer } from "../server.js";
import {
  decodeFrame,
  droppedForLaggingClient,
  type Logger,
  type MessageTransport,
  type TransportReceiver,
} from "../transport.js";
import { bindOrigins, checkWebUpgrade, fromOwnSite, selectProtocol, type WebAccess } from "../web/access.js";
import { serveStatic } from "../web/static-files.js";
import { type WsAuthPolicy, authorizeUpgrade } from "../ws-auth.js";
import type { WsLimits } from "../ws-limits.js";
import { BufferBudget, CloseCode, ConnectionGuard, refuse } from "./ws-guard.js";

/** One WebSocket connection: one JSON message per frame (spec app-server.md §1.3). */
export class WebSocketTransport implements MessageTransport {
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    readonly description: string,
    private readonly log: Logger,
    private readonly maxMessageBytes: number,
    /** Unsent bytes this connection may leave queued: more means the client is not reading. */
    private readonly maxQueuedBytes: number,
    private readonly raw: net.Socket,
    /** A unix socket (mode 0600) or a listener with `--ws-auth`. */
    readonly hostFileAccess: boolean = false,
  ) {}

  start(receiver: TransportReceiver): void {
    this.socket.on("message", (data: RawData) => {
      const buffer = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      if (buffer.length > this.maxMessageBytes) {
        receiver.onOversized(buffer.length, scanTopLevel(buffer));
        return;
      }
      decodeFrame(buffer.toString("utf8"), this.log, receiver);
    });
    this.socket.on("error", (error) => this.log(`websocket error: ${error.message}`));
    this.socket.on("close", () => {
      this.closed = true;
      receiver.onClose();
    });
  }

  send(message: OutgoingMessage): void {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return;
    if (droppedForLaggingClient(message, this.socket.bufferedAmount)) return;
    // Checked before queueing, so one large answer always goes out; a client that leaves answers
    // unread must not make the server hold them without end.
    if (this.socket.bufferedAmount > this.maxQueuedBytes) {
      const reason = `client is not reading: over ${this.maxQueuedBytes} bytes of answers queued`;
      this.log(`closing connection: ${reason}`);
      this.closed = true;
      refuse(this.socket, this.raw, CloseCode.policyViolation, reason);
      return;
    }
    this.socket.send(JSON.stringify(message));
  }

  close(): void {
    if (this.closed) return;
    this.socket.close(1000);
  }
}

export type ListenTarget =
  | { readonly kind: "tcp"; readonly host: string; readonly port: number }
  | { readonly kind: "unix"; readonly path: string };

export interface WebSocketListener {
  /** `ws://HOST:PORT` with the bound port, or `unix://PATH`. */
  readonly url: string;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** null: no authentication (the caller warns about it). */
  readonly auth: WsAuthPolicy | null;
  readonly limits: WsLimits;
  /** `keel web`: serve the page from `root` (a real path) and admit the page's token. */
  readonly web?: { readonly root: string; readonly access: WebAccess };
}

/**
 * Serves WebSocket connections on TCP or a unix socket (created mode 0600). The same listener
 * answers `GET /readyz` and `GET /healthz`; any request or upgrade with an `Origin` header gets
 * 403, an upgrade without the required bearer token 401. The limits bound the connections, the
 * memory they hold and how long they may take.
 */
export async function listenWebSocket(
  server: AppServer,
  target: ListenTarget,
  log: Logger,
  { auth, limits, web }: ListenOptions,
): Promise<WebSocketListener> {
  const limit = server.maxMessageBytes;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    ...(web === undefined ? {} : { handleProtocols: selectProtocol }),
  });
  if (target.kind === "unix") {
    wss.on("headers", (headers) => {
      headers.push(`x-codex-websocket-max-unfragmented-message-bytes: ${limit}`);
    });
  }
  const httpServer = http.createServer((request, response) => {
    // Only `keel web` answers a browser, and only one on its own origin and host name (a foreign
    // name resolving to us is DNS rebinding); no CORS header ever invites another origin.
    const allowed =
      web === undefined ? request.headers.origin === undefined : fromOwnSite(request.headers, web.access);
    if (!allowed) {
      response.writeHead(403, { "content-type": "text/plain" }).end("Forbidden\n");
      return;
    }
    const path = (request.url ?? "/").split("?")[0];
    if (request.method === "GET" && (path === "/readyz" || path === "/healthz")) {
      response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    if (web !== undefined) {
      serveWebPage(request, response, web.root, log);
      return;
    }
    response.writeHead(426, { "content-type": "text/plain", upgrade: "websocket" }).end("Upgrade Required\n");
  });
  const budget = new BufferBudget(limits.maxBufferedBytes);
  const guards = new WeakMap<object, ConnectionGuard>();
  // Sockets whose upgrade request has not arrived yet, oldest first. They are capped, but a
  // newcomer is never refused for it: the oldest is dropped instead. A hard cap would let anyone
  // who can open TCP sockets (no token needed) lock every client out by holding idle ones.
  const notUpgraded = new Set<net.Socket>();
  httpServer.on("connection", (socket: net.Socket) => {
    if (notUpgraded.size >= limits.maxConnections) {
      const oldest = notUpgraded.values().next().value as net.Socket;
      notUpgraded.delete(oldest);
      oldest.destroy();
    }
    notUpgraded.add(socket);
    socket.once("close", () => notUpgraded.delete(socket));
    guards.set(socket, new ConnectionGuard(socket, limits, budget, log));
  });
  let peerCounter = 0;
  httpServer.on("upgrade", (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    notUpgraded.delete(socket as net.Socket);
    const webRefusal = web === undefined ? null : checkWebUpgrade(request.headers, web.access);
    if (webRefusal !== null) {
      log(`refused a WebSocket upgrade: ${webRefusal.reason}`);
      const status = webRefusal.status === 401 ? "401 Unauthorized" : "403 Forbidden";
      socket.end(
        `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(webRefusal.reason)}\r\nConnection: close\r\n\r\n${webRefusal.reason}`,
      );
      return;
    }
    if (web === undefined && request.headers.origin !== undefined) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const denied =
      auth === null || web !== undefined
        ? null
        : authorizeUpgrade(request.headers.authorization, auth, Date.now() / 1000);
    if (denied !== null) {
      log(`refused a WebSocket upgrade: ${denied}`);
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(denied)}\r\nConnection: close\r\n\r\n${denied}`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const raw = socket as net.Socket;
      if (wss.clients.size > limits.maxConnections) {
        log(
          `refused a connection: ${wss.clients.size - 1} connections open (limit ${limits.maxConnections})`,
        );
        refuse(ws, raw, CloseCode.tryAgainLater, `too many connections (limit ${limits.maxConnections})`);
        return;
      }
      guards.get(raw)?.attach(ws);
      const peer =
        target.kind === "tcp"
          ? `ws ${request.socket.remoteAddress}:${request.socket.remotePort}`
          : `unix #${++peerCounter}`;
      const trusted = target.kind === "unix" || auth !== null || web !== undefined;
      server.attach(new WebSocketTransport(ws, peer, log, limit, limits.maxMessageBytes, raw, trusted));
    });
  });

  if (target.kind === "unix") await removeStaleSocket(target.path);
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    const onListening = () => {
      httpServer.off("error", reject);
      resolve();
    };
    if (target.kind === "tcp") httpServer.listen(target.port, target.host, onListening);
    else listenPrivately(httpServer, target.path, onListening);
  });
  httpServer.on("error", (error) => log(`listener error: ${error.message}`));

  let url: string;
  if (target.kind === "tcp") {
    const address = httpServer.address() as net.AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    url = `ws://${host}:${address.port}`;
    if (web !== undefined) bindOrigins(web.access, address.address, address.port);
  } else {
    url = `unix://${target.path}`;
  }

  return {
    url,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeAllConnections();
      if (target.kind === "unix") fs.rmSync(target.path, { force: true });
    },
  };
}

/** A `keel web` listener's page; the request passed the origin and host checks. */
function serveWebPage(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  root: string,
  log: Logger,
): void {
  serveStatic(request, response, root, request.headers.host!.toLowerCase()).catch((error: unknown) => {
    log(`serving ${request.url}: ${String(error)}`);
    if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
    response.end();
  });
}

/**
 * Binds the unix socket with mode 0600: whoever can connect drives the server as this user. The
 * umask covers the moment between bind and chmod; the bind happens inside `listen`.
 */
function listenPrivately(httpServer: http.Server, socketPath: string, onListening: () => void): void {
  const previous = process.umask(0o177);
  try {
    httpServer.listen(socketPath, () => {
      fs.chmodSync(socketPath, 0o600);
      onListening();
    });
  } finally {
    process.umask(previous);
  }
}

/** A socket file left by a dead server is removed; a live one is an error. */
async function removeStaleSocket(path: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (alive) throw new Error(`another server is listening on ${path}`);
  fs.rmSync(path, { force: true });
}
