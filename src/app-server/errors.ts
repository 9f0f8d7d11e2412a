import type { JsonRpcErrorObject } from "../protocol/jsonrpc.js";
import { errorMessage } from "../lib/errors.js";

/**
 * JSON-RPC errors as Codex answers them (spec app-server.md §2): −32600 for nearly every
 * failure, −32603 for internal ones, −32001 for overload.
 */
export const ErrorCode = {
  invalidRequest: -32600,
  invalidParams: -32602,
  internalError: -32603,
  overloaded: -32001,
} as const;

/** An error a handler throws to answer the request with this code and message. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "RpcError";
    this.code = code;
    this.data = data;
  }

  toJson(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export function invalidRequest(message: string, data?: unknown): RpcError {
  return new RpcError(ErrorCode.invalidRequest, message, data);
}

export function invalidParams(message: string): RpcError {
  return new RpcError(ErrorCode.invalidParams, message);
}

export function internalError(message: string): RpcError {
  return new RpcError(ErrorCode.internalError, message);
}

export const notInitialized = (): RpcError => invalidRequest("Not initialized");
export const alreadyInitialized = (): RpcError => invalidRequest("Already initialized");
export const overloaded = (): RpcError =>
  new RpcError(ErrorCode.overloaded, "Server overloaded; retry later.");

export function unknownMethod(method: string, known: readonly string[]): RpcError {
  const expected = known.map((m) => `\`${m}\``).join(", ");
  return invalidRequest(`Invalid request: unknown variant \`${method}\`, expected one of ${expected}`);
}

export function experimentalRequired(descriptor: string): RpcError {
  return invalidRequest(`${descriptor} requires experimentalApi capability`);
}

/** Answer for methods whose implementation needs the session engine, until it is wired in. */
export function notAvailable(method: string): RpcError {
  return invalidRequest(`${method} is not available yet`);
}

export function messageTooLarge(bytes: number, limit: number): RpcError {
  return invalidRequest(`Invalid request: message of ${bytes} bytes exceeds the limit of ${limit} bytes`);
}

/** Turns anything a handler threw into a wire error, never exposing a stack trace. */
export function toRpcError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  const message = errorMessage(error);
  return internalError(message);
}
