/**
 * The wire types the page uses, taken from keel's zod schemas. Type-only imports: nothing of zod
 * or Node reaches the bundle.
 */
import type { z } from "zod";
import type { RequestId } from "../../src/protocol/jsonrpc.js";
import type {
  ClientRequestMethod,
  ClientRequests,
  ClientRequestResult,
  ServerNotificationMethod,
  ServerNotificationParams,
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestResult,
} from "../../src/protocol/v2/registry.js";

export type { RequestId };
export type {
  ActivePermissionProfile,
  PermissionProfileV2,
  SandboxPolicyV2,
} from "../../src/protocol/permissions.js";
export type {
  CommandExecutionApprovalDecision,
  FileChangeApprovalDecision,
  RequestPermissionProfile,
} from "../../src/protocol/v2/approvals.js";
export type { FileUpdateChange, ThreadItem } from "../../src/protocol/v2/items.js";
export type { ThreadTokenUsage, TurnError } from "../../src/protocol/v2/shared.js";
export type { Thread, ThreadStartResponse, ThreadStatus } from "../../src/protocol/v2/thread.js";
export type { Turn, TurnStatus } from "../../src/protocol/v2/turn.js";
export type {
  ClientRequestMethod,
  ClientRequestResult,
  ServerNotificationMethod,
  ServerNotificationParams,
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestResult,
};

/** What a client may send: the schema's input side, so defaulted fields stay optional. */
export type ClientParams<M extends ClientRequestMethod> = z.input<ClientRequests[M]["params"]>;

/** A server notification as received, its params typed by its method. */
export type Notification = {
  [M in ServerNotificationMethod]: { method: M; params: ServerNotificationParams<M> };
}[ServerNotificationMethod];

/** A server → client request as received. */
export type ServerRequest = {
  [M in ServerRequestMethod]: { id: RequestId; method: M; params: ServerRequestParams<M> };
}[ServerRequestMethod];

/** Thread settings echoed by thread/start, thread/resume and thread/fork. */
export type ThreadSettings = Omit<ClientRequestResult<"thread/start">, "thread">;
