import {
  JsonRpcErrorResponseSchema,
  type JsonRpcErrorObject,
  JsonRpcNotificationSchema,
  JsonRpcRequestSchema,
  JsonRpcSuccessSchema,
  type OutgoingMessage,
  type RequestId,
  type TraceContext,
} from "../protocol/jsonrpc.js";
import type { ClientInfo, InitializeCapabilities } from "../protocol/v2/initialize.js";
import {
  type ServerNotificationMethod,
  type ServerNotificationParams,
  type ServerRequestMethod,
  type ServerRequestParams,
  type ServerRequestResult,
  serverNotifications,
  serverRequests,
} from "../protocol/v2/registry.js";
import {
  ErrorCode,
  alreadyInitialized,
  invalidRequest,
  messageTooLarge,
  overloaded,
  toRpcError,
} from "./errors.js";
import type { OversizedInfo } from "./id-scanner.js";
import { withoutExperimentalFields } from "./experimental.js";
import { describeParamsError } from "./params-error.js";
import type { Logger, MessageTransport } from "./transport.js";
import { errorMessage } from "../lib/errors.js";

/** A client request after envelope validation. */
export interface IncomingRequest {
  readonly id: RequestId;
  readonly method: string;
  /** `params` as sent; `undefined` when absent. */
  readonly params: unknown;
  readonly trace: TraceContext | null | undefined;
}

/** Receives what a connection decodes; the router implements it. */
export interface ConnectionHandler {
  /** Resolves with the result or throws (an `RpcError` for a precise error). */
  handleRequest(connection: Connection, request: IncomingRequest): Promise<unknown>;
  handleNotification(connection: Connection, method: string, params: unknown): void;
}

/** What `initialize` fixed for the lifetime of the connection. */
export interface ConnectionCapabilities {
  readonly experimentalApi: boolean;
  readonly optOutNotificationMethods: ReadonlySet<string>;
  readonly requestAttestation: boolean;
  readonly requiredHumanApproval: boolean;
}

const DEFAULT_CAPABILITIES: ConnectionCapabilities = {
  experimentalApi: false,
  optOutNotificationMethods: new Set(),
  requestAttestation: false,
  requiredHumanApproval: false,
};

/** How a server → client request ended. Never rejects, so nobody has to catch. */
export type ServerRequestOutcome<R> =
  | { readonly kind: "answered"; readonly result: R }
  | { readonly kind: "error"; readonly error: JsonRpcErrorObject }
  | { readonly kind: "cancelled"; readonly reason: "withdrawn" | "closed" };

export interface PendingServerRequest<R> {
  /** The id in this connection's server-request id space (0, 1, 2, …). */
  readonly id: number;
  readonly outcome: Promise<ServerRequestOutcome<R>>;
  /** Withdraws the request: a later answer is ignored. Sends nothing by itself. */
  cancel(): void;
}

interface PendingEntry {
  readonly method: ServerRequestMethod;
  readonly settle: (outcome: ServerRequestOutcome<unknown>) => void;
}

export interface ConnectionOptions {
  readonly id: number;
  readonly transport: MessageTransport;
  readonly handler: ConnectionHandler;
  readonly log: Logger;
  readonly maxMessageBytes: number;
  /** Requests being handled at once before new ones get −32001 (spec §1.6). */
  readonly maxInFlightRequests?: number;
}

/**
 * One client connection: handshake state, capabilities, the server-request id counter and the
 * pending server requests. Transport-agnostic; requests are handled concurrently and answered
 * in completion order.
 */
export class Connection {
  readonly id: number;
  private readonly transport: MessageTransport;
  private readonly handler: ConnectionHandler;
  private readonly log: Logger;
  private readonly maxMessageBytes: number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private nextServerRequestId = 0;
  private readonly pending = new Map<number, PendingEntry>();
  private readonly closeListeners = new Set<() => void>();
  private state: { clientInfo: ClientInfo; capabilities: ConnectionCapabilities } | undefined;
  private isClosed = false;

  constructor(options: ConnectionOptions) {
    this.id = options.id;
    this.transport = options.transport;
    this.handler = options.handler;
    this.log = options.log;
    this.maxMessageBytes = options.maxMessageBytes;
    this.maxInFlight = options.maxInFlightRequests ?? 1024;
    this.transport.start({
      onMessage: (value) => this.receive(value),
      onOversized: (bytes, info) => this.receiveOversized(bytes, info),
      onClose: () => this.handleClose(),
    });
  }

  get description(): string {
    return this.transport.description;
  }

  /** See `MessageTransport.hostFileAccess`. */
  get hostFileAccess(): boolean {
    return this.transport.hostFileAccess === true;
  }

  get initialized(): boolean {
    return this.state !== undefined;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The client's `clientInfo` (its name is the session originator); undefined before initialize. */
  get clientInfo(): ClientInfo | undefined {
    return this.state?.clientInfo;
  }

  get capabilities(): ConnectionCapabilities {
    return this.state?.capabilities ?? DEFAULT_CAPABILITIES;
  }

  /** Records a successful handshake; a second call throws `Already initialized`. */
  markInitialized(clientInfo: ClientInfo, capabilities: InitializeCapabilities | null | undefined): void {
    if (this.state !== undefined) throw alreadyInitialized();
    this.state = {
      clientInfo,
      capabilities: {
        experimentalApi: capabilities?.experimentalApi === true,
        optOutNotificationMethods: new Set(capabilities?.optOutNotificationMethods ?? []),
        requestAttestation: capabilities?.requestAttestation === true,
        requiredHumanApproval: capabilities?.requiredHumanApproval === true,
      },
    };
  }

  /** Whether `notify(method)` would deliver: initialized, open, not opted out, not gated. */
  wantsNotification(method: string): boolean {
    if (this.state === undefined || this.isClosed) return false;
    const caps = this.state.capabilities;
    if (caps.optOutNotificationMethods.has(method)) return false;
    const spec = (serverNotifications as Record<string, { experimental?: boolean }>)[method];
    return !(spec?.experimental === true && !caps.experimentalApi);
  }

  /** Sends a notification unless the client opted out of it. Returns whether it was sent. */
  notify<M extends ServerNotificationMethod>(method: M, params: ServerNotificationParams<M>): boolean {
    if (!this.wantsNotification(method)) return false;
    this.transport.send({ method, params: this.visibleParams(serverNotifications, method, params) });
    return true;
  }

  /** Sends a server → client request with the next id of this connection. */
  request<M extends ServerRequestMethod>(
    method: M,
    params: ServerRequestParams<M>,
  ): PendingServerRequest<ServerRequestResult<M>> {
    const id = this.nextServerRequestId++;
    let settle!: (outcome: ServerRequestOutcome<unknown>) => void;
    const outcome = new Promise<ServerRequestOutcome<unknown>>((resolve) => {
      settle = resolve;
    });
    if (this.isClosed) {
      settle({ kind: "cancelled", reason: "closed" });
    } else {
      this.pending.set(id, { method, settle });
      this.transport.send({ id, method, params: this.visibleParams(serverRequests, method, params) });
    }
    return {
      id,
      outcome: outcome as Promise<ServerRequestOutcome<ServerRequestResult<M>>>,
      cancel: () => {
        const entry = this.pending.get(id);
        if (entry === undefined) return;
        this.pending.delete(id);
        entry.settle({ kind: "cancelled", reason: "withdrawn" });
      },
    };
  }

  /** Params as this client may see them: experimental fields only for `experimentalApi` clients. */
  private visibleParams<P>(specs: object, method: string, params: P): P {
    if (this.state?.capabilities.experimentalApi === true) return params;
    const spec = (specs as Record<string, { experimentalFields?: readonly string[] } | undefined>)[method];
    return withoutExperimentalFields(params, spec?.experimentalFields) as P;
  }

  /** Number of server requests still waiting for an answer. */
  get pendingServerRequests(): number {
    return this.pending.size;
  }

  onClose(listener: () => void): () => void {
    if (this.isClosed) {
      queueMicrotask(listener);
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): void {
    this.transport.close();
  }

  private send(message: OutgoingMessage): void {
    if (!this.isClosed) this.transport.send(message);
  }

  private receive(value: unknown): void {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.log("Failed to deserialize JSONRPCMessage: expected a JSON object");
      return;
    }
    const hasMethod = "method" in value;
    const hasId = "id" in value;
    if (hasMethod && hasId) this.receiveRequest(value);
    else if (hasMethod) this.receiveNotification(value);
    else if (hasId && ("result" in value || "error" in value)) this.receiveResponse(value);
    else this.log("Failed to deserialize JSONRPCMessage: not a request, response or notification");
  }

  private receiveRequest(value: object): void {
    const idProblem = describeInvalidId((value as { id: unknown }).id);
    if (idProblem !== null) {
      const error = invalidRequest(
        `Invalid request: \`id\` must be a string or an integer, got ${idProblem}`,
      );
      this.log(`answering a request with an unusable id: ${error.message}`);
      this.send({ jsonrpc: "2.0", id: null, error: error.toJson() });
      return;
    }
    const parsed = JsonRpcRequestSchema.safeParse(value);
    if (!parsed.success) {
      // The id is usable (checked above): the client can be told what is wrong.
      const error = invalidRequest(describeParamsError(parsed.error, value));
      this.log(`answering a malformed request: ${error.message}`);
      this.send({ id: (value as { id: RequestId }).id, error: error.toJson() });
      return;
    }
    const { id, method, params, trace } = parsed.data;
    if (this.inFlight >= this.maxInFlight) {
      this.send({ id, error: overloaded().toJson() });
      return;
    }
    this.inFlight++;
    let result: Promise<unknown>;
    try {
      result = this.handler.handleRequest(this, { id, method, params, trace });
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (value) => this.send({ id, result: value === undefined ? {} : value }),
      (error: unknown) => {
        const rpc = toRpcError(error);
        if (rpc.code === ErrorCode.internalError) this.log(`request ${method} failed: ${rpc.message}`);
        this.send({ id, error: rpc.toJson() });
      },
    );
    result.finally(() => this.inFlight--).catch(() => {});
  }

  private receiveNotification(value: object): void {
    const parsed = JsonRpcNotificationSchema.safeParse(value);
    if (!parsed.success) {
      this.log("Failed to deserialize JSONRPCMessage: invalid notification");
      return;
    }
    this.handler.handleNotification(this, parsed.data.method, parsed.data.params);
  }

  private receiveResponse(value: object): void {
    const error = "error" in value ? JsonRpcErrorResponseSchema.safeParse(value) : undefined;
    const success = error === undefined ? JsonRpcSuccessSchema.safeParse(value) : undefined;
    const id = error?.data?.id ?? success?.data?.id;
    if (id === undefined) {
      this.log("Failed to deserialize JSONRPCMessage: invalid response");
      return;
    }
    const entry = typeof id === "number" ? this.pending.get(id) : undefined;
    if (entry === undefined) {
      // Answers to withdrawn or unknown requests are ignored (spec §9).
      this.log(`ignoring response to unknown or withdrawn server request ${JSON.stringify(id)}`);
      return;
    }
    this.pending.delete(id as number);
    if (error?.data !== undefined) {
      entry.settle({ kind: "error", error: error.data.error });
      return;
    }
    const resultSchema = serverRequests[entry.method].result;
    const result = resultSchema.safeParse(success?.data?.result);
    if (!result.success) {
      const message = describeParamsError(result.error, success?.data?.result);
      entry.settle({ kind: "error", error: { code: ErrorCode.invalidRequest, message } });
      return;
    }
    entry.settle({ kind: "answered", result: result.data });
  }

  private receiveOversized(bytes: number, { id, isRequest }: OversizedInfo): void {
    const error = messageTooLarge(bytes, this.maxMessageBytes);
    this.log(`dropping message of ${bytes} bytes (limit ${this.maxMessageBytes})`);
    if (id === undefined) return;
    if (isRequest) {
      this.send({ id, error: error.toJson() });
      return;
    }
    // An answer to one of our requests that is too large counts as a failed answer.
    const entry = typeof id === "number" ? this.pending.get(id) : undefined;
    if (entry === undefined) return;
    this.pending.delete(id as number);
    entry.settle({ kind: "error", error: error.toJson() });
  }

  private handleClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const entry of this.pending.values()) entry.settle({ kind: "cancelled", reason: "closed" });
    this.pending.clear();
    for (const listener of this.closeListeners) {
      try {
        listener();
      } catch (error) {
        this.log(`close listener failed: ${errorMessage(error)}`);
      }
    }
    this.closeListeners.clear();
  }
}

/**
 * What is wrong with a request id, or null when it is a string or an integer. Integers beyond
 * 2^53−1 are refused: they do not survive a round trip through a JS number.
 */
function describeInvalidId(id: unknown): string | null {
  if (typeof id === "string" || Number.isSafeInteger(id)) return null;
  if (id === null) return "null";
  if (Number.isInteger(id)) return `an integer beyond 2^53-1 (${JSON.stringify(id)})`;
  if (typeof id === "number") return `a number with a fraction (${JSON.stringify(id)})`;
  if (typeof id === "boolean") return `a boolean (${id})`;
  return Array.isArray(id) ? "an array" : "an object";
}
