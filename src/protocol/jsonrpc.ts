import { z } from "zod";

/**
 * JSON-RPC 2.0 envelopes as Codex's app-server uses them (spec app-server.md §1.1): the
 * `jsonrpc` member is accepted on input and never sent; ids are strings or integers and are
 * echoed with their type; requests may carry a W3C trace context.
 */

export const RequestIdSchema = z.union([z.string(), z.number().int()]);
export type RequestId = z.infer<typeof RequestIdSchema>;

export const TraceContextSchema = z.object({
  traceparent: z.string().nullish(),
  tracestate: z.string().nullish(),
});
export type TraceContext = z.infer<typeof TraceContextSchema>;

/** Accepted and ignored on input; a value other than "2.0" is still tolerated. */
const jsonrpcMember = z.unknown().optional();

export const JsonRpcRequestSchema = z.object({
  jsonrpc: jsonrpcMember,
  id: RequestIdSchema,
  method: z.string(),
  params: z.unknown().optional(),
  /** A malformed trace context is ignored rather than failing the request. */
  trace: TraceContextSchema.nullish().catch(null),
});
export type JsonRpcRequest = z.infer<typeof JsonRpcRequestSchema>;

export const JsonRpcNotificationSchema = z.object({
  jsonrpc: jsonrpcMember,
  method: z.string(),
  params: z.unknown().optional(),
});
export type JsonRpcNotification = z.infer<typeof JsonRpcNotificationSchema>;

export const JsonRpcErrorObjectSchema = z.object({
  code: z.number().int(),
  message: z.string(),
  data: z.unknown().optional(),
});
export type JsonRpcErrorObject = z.infer<typeof JsonRpcErrorObjectSchema>;

export const JsonRpcSuccessSchema = z.object({
  jsonrpc: jsonrpcMember,
  id: RequestIdSchema,
  result: z.unknown(),
});
export type JsonRpcSuccess = z.infer<typeof JsonRpcSuccessSchema>;

export const JsonRpcErrorResponseSchema = z.object({
  jsonrpc: jsonrpcMember,
  id: RequestIdSchema,
  error: JsonRpcErrorObjectSchema,
});
export type JsonRpcErrorResponse = z.infer<typeof JsonRpcErrorResponseSchema>;

export const JsonRpcResponseSchema = z.union([JsonRpcSuccessSchema, JsonRpcErrorResponseSchema]);
export type JsonRpcResponse = z.infer<typeof JsonRpcResponseSchema>;

/**
 * Any inbound message. A request has `id` and `method`; a response has `id` and `result` or
 * `error`; a notification has `method` only. Order matters: a request also parses as a
 * notification once `id` is stripped.
 */
export const JsonRpcMessageSchema = z.union([
  JsonRpcRequestSchema,
  JsonRpcErrorResponseSchema,
  JsonRpcSuccessSchema,
  JsonRpcNotificationSchema,
]);
export type JsonRpcMessage = z.infer<typeof JsonRpcMessageSchema>;

/** What the server writes: the same shapes without `jsonrpc`. */
export type OutgoingRequest = { id: RequestId; method: string; params?: unknown };
export type OutgoingNotification = { method: string; params?: unknown };
export type OutgoingResponse = { id: RequestId; result: unknown };
export type OutgoingError = { id: RequestId; error: JsonRpcErrorObject };
/** The answer to a request whose id is unusable (JSON-RPC 2.0 §5: the id is then null). */
export type OutgoingIdlessError = { jsonrpc: "2.0"; id: null; error: JsonRpcErrorObject };
export type OutgoingMessage =
  | OutgoingRequest
  | OutgoingNotification
  | OutgoingResponse
  | OutgoingError
  | OutgoingIdlessError;
