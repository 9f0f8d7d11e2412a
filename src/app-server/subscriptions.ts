import type { JsonRpcErrorObject } from "../protocol/jsonrpc.js";
import {
  type RequestSpec,
  type ServerNotificationMethod,
  type ServerNotificationParams,
  type ServerRequestMethod,
  type ServerRequestParams,
  type ServerRequestResult,
  serverRequests,
} from "../protocol/v2/registry.js";
import type { Connection, PendingServerRequest } from "./connection.js";

/** How a server request sent to a thread's subscribers ended. Never rejects. */
export type ThreadRequestOutcome<R> =
  /** `connection` is null when a client of another server answered (shared requests). */
  | { readonly kind: "answered"; readonly result: R; readonly connection: Connection | null }
  /** Every client that received it answered with an error. */
  | { readonly kind: "failed"; readonly error: JsonRpcErrorObject }
  | { readonly kind: "withdrawn" };

export interface ThreadServerRequest<R> {
  readonly outcome: Promise<ThreadRequestOutcome<R>>;
  readonly settled: boolean;
  /**
   * Withdraws the request (turn ended or interrupted): later answers are ignored and every
   * recipient gets `serverRequest/resolved`.
   */
  withdraw(): void;
}

/**
 * Shows a thread's server requests to clients of other servers and brings their answer back
 * (a PostgreSQL store shared by several servers); absent on a single server.
 */
export interface SharedRequests {
  publish(
    threadId: string,
    method: string,
    params: unknown,
    onAnswer: (result: unknown) => void,
  ): Promise<{ close(): Promise<void> }>;
}

/**
 * Which connections are subscribed to which threads, and the fan-out of thread traffic
 * (spec app-server.md §4, §9): notifications of a thread go to its subscribers (each honouring
 * its opt-outs); a server request goes to every subscriber — including ones that subscribe while
 * it is pending — and the first answer wins; then every recipient receives
 * `serverRequest/resolved` with its own request id.
 */
export class ThreadSubscriptions {
  private readonly byThread = new Map<string, Set<Connection>>();
  private readonly pendingByThread = new Map<string, Set<FanoutRequest>>();
  private readonly tracked = new WeakSet<Connection>();
  private readonly listeners = new Set<(threadId: string, subscriberCount: number) => void>();

  private shared: SharedRequests | null = null;
  private sharedErrors: (error: unknown) => void = () => {};

  constructor(private readonly allConnections: () => Iterable<Connection>) {}

  /** From now on requests are also offered to other servers' clients. */
  shareRequests(shared: SharedRequests, onError: (error: unknown) => void): void {
    this.shared = shared;
    this.sharedErrors = onError;
  }

  /** Subscribes; returns false when it already was. Pending requests of the thread are replayed. */
  subscribe(threadId: string, connection: Connection): boolean {
    if (connection.closed) return false;
    let set = this.byThread.get(threadId);
    if (set === undefined) {
      set = new Set();
      this.byThread.set(threadId, set);
    }
    if (set.has(connection)) return false;
    set.add(connection);
    this.track(connection);
    for (const request of this.pendingByThread.get(threadId) ?? []) request.sendTo(connection);
    this.changed(threadId, set.size);
    return true;
  }

  /** Returns false when the connection was not subscribed. */
  unsubscribe(threadId: string, connection: Connection): boolean {
    const set = this.byThread.get(threadId);
    if (set === undefined || !set.delete(connection)) return false;
    if (set.size === 0) this.byThread.delete(threadId);
    this.changed(threadId, set.size);
    return true;
  }

  isSubscribed(threadId: string, connection: Connection): boolean {
    return this.byThread.get(threadId)?.has(connection) ?? false;
  }

  subscribers(threadId: string): Connection[] {
    return [...(this.byThread.get(threadId) ?? [])];
  }

  threadsOf(connection: Connection): string[] {
    const threads: string[] = [];
    for (const [threadId, set] of this.byThread) if (set.has(connection)) threads.push(threadId);
    return threads;
  }

  /** Told whenever a thread's subscriber count changes (the engine unloads idle threads at 0). */
  onSubscribersChanged(listener: (threadId: string, subscriberCount: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends a thread-scoped notification to its subscribers. Returns how many received it. */
  notifyThread<M extends ServerNotificationMethod>(
    threadId: string,
    method: M,
    params: ServerNotificationParams<M>,
  ): number {
    let sent = 0;
    for (const connection of this.byThread.get(threadId) ?? []) if (connection.notify(method, params)) sent++;
    return sent;
  }

  /** Sends a global notification (`account/*`, `configWarning`, …) to every initialized connection. */
  notifyAll<M extends ServerNotificationMethod>(method: M, params: ServerNotificationParams<M>): number {
    let sent = 0;
    for (const connection of this.allConnections()) if (connection.notify(method, params)) sent++;
    return sent;
  }

  /**
   * Sends a server request to the thread's subscribers; the first answer wins. `local`: a request
   * mirrored from another server, which is not shared again.
   */
  requestThread<M extends ServerRequestMethod>(
    threadId: string,
    method: M,
    params: ServerRequestParams<M>,
    options: { local?: boolean } = {},
  ): ThreadServerRequest<ServerRequestResult<M>> {
    const request = new FanoutRequest(threadId, method, params, () => this.forget(threadId, request));
    let set = this.pendingByThread.get(threadId);
    if (set === undefined) {
      set = new Set();
      this.pendingByThread.set(threadId, set);
    }
    set.add(request);
    for (const connection of this.byThread.get(threadId) ?? []) request.sendTo(connection);
    if (this.shared && !options.local) this.share(this.shared, threadId, request);
    return request as unknown as ThreadServerRequest<ServerRequestResult<M>>;
  }

  /** Server requests of the thread still waiting for an answer. */
  pendingRequests(threadId: string): number {
    return this.pendingByThread.get(threadId)?.size ?? 0;
  }

  /** Forgets a thread (unloaded): withdraws its pending requests and drops its subscribers. */
  dropThread(threadId: string): void {
    for (const request of [...(this.pendingByThread.get(threadId) ?? [])]) request.withdraw();
    const set = this.byThread.get(threadId);
    if (set === undefined) return;
    this.byThread.delete(threadId);
    this.changed(threadId, 0);
  }

  private share(shared: SharedRequests, threadId: string, request: FanoutRequest): void {
    const published = shared.publish(threadId, request.method, request.params, (result) =>
      request.answerFromElsewhere(result),
    );
    // Settled here, whoever answered: other servers stop showing it.
    void Promise.all([published, request.outcome])
      .then(([handle]) => handle.close())
      .catch(this.sharedErrors);
  }

  private forget(threadId: string, request: FanoutRequest): void {
    const set = this.pendingByThread.get(threadId);
    if (set === undefined) return;
    set.delete(request);
    if (set.size === 0) this.pendingByThread.delete(threadId);
  }

  private track(connection: Connection): void {
    if (this.tracked.has(connection)) return;
    this.tracked.add(connection);
    connection.onClose(() => {
      for (const threadId of this.threadsOf(connection)) this.unsubscribe(threadId, connection);
    });
  }

  private changed(threadId: string, count: number): void {
    for (const listener of this.listeners) listener(threadId, count);
  }
}

class FanoutRequest {
  private readonly recipients = new Map<Connection, PendingServerRequest<unknown>>();
  /** Clients whose answer was an error, with the request id each one got. */
  private readonly failedRecipients = new Map<Connection, number>();
  private readonly errors: JsonRpcErrorObject[] = [];
  private resolveOutcome!: (outcome: ThreadRequestOutcome<unknown>) => void;
  readonly outcome: Promise<ThreadRequestOutcome<unknown>>;
  settled = false;

  constructor(
    private readonly threadId: string,
    readonly method: ServerRequestMethod,
    readonly params: unknown,
    private readonly onSettled: () => void,
  ) {
    this.outcome = new Promise((resolve) => {
      this.resolveOutcome = resolve;
    });
  }

  sendTo(connection: Connection): void {
    if (this.settled || this.recipients.has(connection) || !connection.initialized) return;
    // Experimental requests only go to clients that opted into the experimental API.
    const spec: RequestSpec = serverRequests[this.method];
    if (spec.experimental === true && !connection.capabilities.experimentalApi) return;
    const pending = connection.request(this.method, this.params as never);
    // A client that answered with an error and subscribes again gets a new chance (and a new id).
    this.failedRecipients.delete(connection);
    this.recipients.set(connection, pending);
    pending.outcome.then((outcome) => {
      if (this.settled) return;
      switch (outcome.kind) {
        case "answered":
          this.settle({ kind: "answered", result: outcome.result, connection });
          return;
        case "error":
          // An invalid answer (say, an unknown decision) still counts as received: that client is
          // told `serverRequest/resolved` with the others when the request settles.
          this.errors.push(outcome.error);
          this.recipients.delete(connection);
          this.failedRecipients.set(connection, pending.id);
          if (this.recipients.size === 0) this.settle({ kind: "failed", error: this.errors[0]! });
          return;
        case "cancelled":
          // The client went away; the request stays pending for other or future subscribers.
          this.recipients.delete(connection);
          return;
      }
    });
  }

  withdraw(): void {
    if (!this.settled) this.settle({ kind: "withdrawn" });
  }

  /** A client of another server answered first. */
  answerFromElsewhere(result: unknown): void {
    if (!this.settled) this.settle({ kind: "answered", result, connection: null });
  }

  private settle(outcome: ThreadRequestOutcome<unknown>): void {
    this.settled = true;
    this.onSettled();
    // Codex 0.169 announces no resolution of a dynamic tool call (its item completes instead).
    const announce = this.method !== "item/tool/call";
    for (const [connection, pending] of this.recipients) {
      pending.cancel();
      if (announce)
        connection.notify("serverRequest/resolved", { threadId: this.threadId, requestId: pending.id });
    }
    this.recipients.clear();
    for (const [connection, requestId] of this.failedRecipients) {
      if (announce) connection.notify("serverRequest/resolved", { threadId: this.threadId, requestId });
    }
    this.failedRecipients.clear();
    this.resolveOutcome(outcome);
  }
}
