import type { z } from "zod";
import type { JsonRpcErrorObject, RequestId } from "../protocol/jsonrpc.js";
import type {
  ClientRequestMethod,
  ClientRequestResult,
  ServerNotificationMethod,
  ServerNotificationParams,
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestResult,
  clientRequests,
} from "../protocol/v2/registry.js";
import { RpcError } from "./errors.js";
import type { InProcessEndpoint } from "./transports/in-process.js";
import { errorMessage } from "../lib/errors.js";

type ClientParamsInput<M extends ClientRequestMethod> = z.input<(typeof clientRequests)[M]["params"]>;

export type ServerRequestHandler<M extends ServerRequestMethod> = (
  params: ServerRequestParams<M>,
  id: RequestId,
) => ServerRequestResult<M> | Promise<ServerRequestResult<M>>;

/**
 * A typed JSON-RPC client over an in-process endpoint (the library API): requests return
 * promises that reject with `RpcError`, notifications and server requests go to listeners.
 */
export class AppServerClient {
  private nextId = 1;
  private readonly pending = new Map<
    RequestId,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private readonly notificationListeners = new Set<(method: string, params: unknown) => void>();
  private readonly requestHandlers = new Map<string, (params: unknown, id: RequestId) => unknown>();

  constructor(private readonly endpoint: InProcessEndpoint) {
    endpoint.onMessage((message) => this.receive(message));
    endpoint.onClose(() => {
      for (const { reject } of this.pending.values()) reject(new Error("connection closed"));
      this.pending.clear();
    });
  }

  request<M extends ClientRequestMethod>(
    method: M,
    params?: ClientParamsInput<M>,
  ): Promise<ClientRequestResult<M>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.endpoint.send(params === undefined ? { id, method } : { id, method, params });
    });
  }

  /** Convenience: `initialize` followed by the `initialized` notification. */
  async initialize(params: ClientParamsInput<"initialize">): Promise<ClientRequestResult<"initialize">> {
    const result = await this.request("initialize", params);
    this.endpoint.send({ method: "initialized" });
    return result;
  }

  onNotification(listener: (method: string, params: unknown) => void): () => void {
    this.notificationListeners.add(listener);
    return () => this.notificationListeners.delete(listener);
  }

  /** Typed listener for one notification method. */
  on<M extends ServerNotificationMethod>(
    method: M,
    listener: (params: ServerNotificationParams<M>) => void,
  ): () => void {
    return this.onNotification((m, params) => {
      if (m === method) listener(params as ServerNotificationParams<M>);
    });
  }

  /** Answers server requests of `method`; unhandled ones get a −32601 error. */
  handleServerRequest<M extends ServerRequestMethod>(method: M, handler: ServerRequestHandler<M>): void {
    this.requestHandlers.set(method, handler as (params: unknown, id: RequestId) => unknown);
  }

  close(): void {
    this.endpoint.close();
  }

  private receive(message: unknown): void {
    if (message === null || typeof message !== "object") return;
    const m = message as {
      id?: RequestId;
      method?: string;
      params?: unknown;
      result?: unknown;
      error?: JsonRpcErrorObject;
    };
    if (m.method !== undefined && m.id !== undefined) {
      void this.answer(m.id, m.method, m.params);
      return;
    }
    if (m.method !== undefined) {
      for (const listener of this.notificationListeners) listener(m.method, m.params);
      return;
    }
    if (m.id === undefined) return;
    const entry = this.pending.get(m.id);
    if (entry === undefined) return;
    this.pending.delete(m.id);
    if (m.error !== undefined) entry.reject(new RpcError(m.error.code, m.error.message, m.error.data));
    else entry.resolve(m.result);
  }

  private async answer(id: RequestId, method: string, params: unknown): Promise<void> {
    const handler = this.requestHandlers.get(method);
    if (handler === undefined) {
      this.endpoint.send({ id, error: { code: -32601, message: `no handler for ${method}` } });
      return;
    }
    try {
      this.endpoint.send({ id, result: await handler(params, id) });
    } catch (error) {
      const message = errorMessage(error);
      this.endpoint.send({ id, error: { code: -32603, message } });
    }
  }
}
