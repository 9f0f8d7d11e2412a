import type { OutgoingMessage } from "../protocol/jsonrpc.js";
import type { OversizedInfo } from "./id-scanner.js";
import { errorMessage } from "../lib/errors.js";

/**
 * A message transport carries whole JSON-RPC messages in both directions. Stdio, WebSocket,
 * unix-socket and in-process transports all implement it, so one `Connection` serves them all.
 */
export interface MessageTransport {
  /** Sends one message; silently dropped once the transport is closed. */
  send(message: OutgoingMessage): void;
  /** Registers the single receiver of inbound events; called once, before any event arrives. */
  start(receiver: TransportReceiver): void;
  /** Closes the transport; `onClose` of the receiver fires once. */
  close(): void;
  /** Human-readable peer description for logs. */
  readonly description: string;
  /**
   * Whether the peer proved it may act on the host's files (`fs/*`): true for stdio, unix
   * sockets and authenticated WebSocket listeners. Absent means no (fail closed).
   */
  readonly hostFileAccess?: boolean;
}

export interface TransportReceiver {
  /** One decoded JSON value (not yet validated as JSON-RPC). */
  onMessage(value: unknown): void;
  /** A message over the size limit, with its top-level id when one could be found. */
  onOversized(bytes: number, info: OversizedInfo): void;
  onClose(): void;
}

/** Codex's unix socket advertises 16 MiB as its largest unfragmented message. */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export type Logger = (line: string) => void;

/**
 * Decodes one text frame. Invalid JSON is logged and dropped without a response (spec §1.2):
 * there is no id to answer.
 */
export function decodeFrame(text: string, log: Logger, receiver: TransportReceiver): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    log(`Failed to deserialize JSONRPCMessage: ${errorMessage(error)}`);
    return;
  }
  receiver.onMessage(value);
}

/**
 * A command's output deltas are best effort (Codex: the item's aggregatedOutput is complete):
 * while a client has this much unread, transports drop them instead of queueing them — a command
 * may print gigabytes.
 */
export const DELTA_BACKLOG_LIMIT = 4 * 1024 * 1024;

/** Whether a transport with `unreadBytes` queued for its client should drop `message`. */
export function droppedForLaggingClient(message: OutgoingMessage, unreadBytes: number): boolean {
  return (
    unreadBytes > DELTA_BACKLOG_LIMIT &&
    "method" in message &&
    message.method === "item/commandExecution/outputDelta"
  );
}
