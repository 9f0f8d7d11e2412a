import type {
  ClientParams,
  ClientRequestMethod,
  ClientRequestResult,
  Notification,
  RequestId,
  ServerRequest,
} from "./protocol.js";

/** What the connection indicator shows. */
export type ConnStatus = "connecting" | "connected" | "reconnecting" | "no-token";

export interface RpcHandlers {
  onStatus(status: ConnStatus, detail?: string): void;
  onNotification(notification: Notification): void;
  onServerRequest(request: ServerRequest): void;
  /** Runs after every successful handshake (first connect and each reconnect). */
  onReady(): void;
}

/** A JSON-RPC error answer, kept whole so the page can show its message. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const MAX_BACKOFF_MS = 10_000;

/**
 * A small app-server v2 client over one WebSocket: requests with ids, notifications, server
 * requests and their answers; reconnects with exponential backoff and repeats the handshake.
 */
export class RpcClient {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private attempt = 0;
  private stopped = false;
  private ready = false;

  constructor(
    private readonly url: string,
    private readonly protocols: string[],
    private readonly handlers: RpcHandlers,
  ) {}

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close();
  }

  request<M extends ClientRequestMethod>(
    method: M,
    params: ClientParams<M>,
  ): Promise<ClientRequestResult<M>> {
    return this.call(method, params) as Promise<ClientRequestResult<M>>;
  }

  private call(method: string, params: unknown): Promise<unknown> {
    const socket = this.socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN || (!this.ready && method !== "initialize"))
      return Promise.reject(new RpcError(-1, "not connected to keel"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Answers a server request. */
  respond(id: RequestId, result: unknown): void {
    this.send({ id, result });
  }

  respondError(id: RequestId, code: number, message: string): void {
    this.send({ id, error: { code, message } });
  }

  private send(message: unknown): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private connect(): void {
    this.handlers.onStatus(this.attempt === 0 ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url, this.protocols);
    this.socket = socket;
    socket.onopen = () => {
      void this.handshake();
    };
    socket.onmessage = (event) => this.receive(String(event.data));
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.ready = false;
      this.socket = null;
      for (const pending of this.pending.values()) pending.reject(new RpcError(-1, "connection lost"));
      this.pending.clear();
      if (this.stopped) return;
      // 0.5 s, 1 s, 2 s … capped, so a restarted server is found again without hammering it.
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt);
      this.attempt++;
      this.handlers.onStatus("reconnecting", `retrying in ${Math.round(delay / 100) / 10} s`);
      setTimeout(() => this.connect(), delay);
    };
  }

  private async handshake(): Promise<void> {
    try {
      await this.call("initialize", {
        clientInfo: { name: "keel_web", title: "keel web", version: "0.1.0" },
        capabilities: { experimentalApi: true },
      });
      this.send({ method: "initialized" });
      this.ready = true;
      this.attempt = 0;
      this.handlers.onStatus("connected");
      this.handlers.onReady();
    } catch (error) {
      this.handlers.onStatus("reconnecting", error instanceof Error ? error.message : String(error));
      this.socket?.close();
    }
  }

  private receive(text: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const id = message.id as RequestId | undefined;
    if (typeof message.method === "string") {
      if (id === undefined) this.handlers.onNotification(message as unknown as Notification);
      else this.handlers.onServerRequest(message as unknown as ServerRequest);
      return;
    }
    if (typeof id !== "number") return;
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    const error = message.error as { code: number; message: string; data?: unknown } | undefined;
    if (error !== undefined) pending.reject(new RpcError(error.code, error.message, error.data));
    else pending.resolve(message.result);
  }
}
