import type { OutgoingMessage } from "../../protocol/jsonrpc.js";
import type { MessageTransport, TransportReceiver } from "../transport.js";

/** The client side of an in-process link: plain JSON values in both directions. */
export interface InProcessEndpoint {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onClose(listener: () => void): void;
  close(): void;
  readonly closed: boolean;
}

/**
 * A linked pair for the library API: the server end is a `MessageTransport`, the client end an
 * `InProcessEndpoint`. Messages are structured-cloned (no shared objects, like a JSON boundary)
 * and delivered asynchronously, in order.
 */
export function createInProcessTransport(description = "in-process"): {
  server: MessageTransport;
  client: InProcessEndpoint;
} {
  let receiver: TransportReceiver | undefined;
  const early: unknown[] = [];
  const clientListeners: ((message: unknown) => void)[] = [];
  const closeListeners: (() => void)[] = [];
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    queueMicrotask(() => {
      receiver?.onClose();
      for (const listener of closeListeners) listener();
    });
  };

  const server: MessageTransport = {
    description,
    hostFileAccess: true,
    start(r) {
      receiver = r;
      for (const message of early.splice(0)) r.onMessage(message);
    },
    send(message: OutgoingMessage) {
      if (closed) return;
      const copy = structuredClone(message);
      queueMicrotask(() => {
        if (!closed) for (const listener of clientListeners) listener(copy);
      });
    },
    close,
  };

  const client: InProcessEndpoint = {
    send(message) {
      if (closed) return;
      const copy = structuredClone(message);
      queueMicrotask(() => {
        if (closed) return;
        if (receiver) receiver.onMessage(copy);
        else early.push(copy);
      });
    },
    onMessage(listener) {
      clientListeners.push(listener);
    },
    onClose(listener) {
      closeListeners.push(listener);
    },
    close,
    get closed() {
      return closed;
    },
  };
  return { server, client };
}
