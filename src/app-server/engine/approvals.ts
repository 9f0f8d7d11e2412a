import type { ReviewDecision } from "../../protocol/events.js";
import type {
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestResult,
} from "../../protocol/v2/registry.js";
import type { ApprovalResponse, Session } from "../../session/index.js";
import type { ThreadRequestOutcome, ThreadServerRequest, ThreadSubscriptions } from "../subscriptions.js";
import {
  commandActionsToV2,
  decisionFromV2,
  decisionsToV2,
  grantsSomething,
  requestedPermissionsFromV2,
  requestedPermissionsToV2,
  shellJoin,
} from "./convert.js";
import type { ApprovalEvent } from "./event-mapper.js";

/**
 * Session approval requests over the wire (spec app-server.md §9): each one becomes a server
 * request to the thread's subscribers (first answer wins), its answer becomes the session's
 * ApprovalResponse, and the turn's unanswered requests are withdrawn when it ends.
 */

export type AnyRequest = {
  [M in ServerRequestMethod]: { method: M; params: ServerRequestParams<M> };
}[ServerRequestMethod];

interface Translated {
  request: AnyRequest;
  /** The session's approval key (approval id for sub-command callbacks, else the call id). */
  key: string;
  toResponse(result: unknown): ApprovalResponse;
}

/** The v2 server request for an approval event, and how its answer maps back. */
export function translateApproval(
  event: ApprovalEvent,
  threadId: string,
  turnId: string,
  startedAtMs: number,
): Translated {
  const scope = { threadId, turnId, itemId: event.call_id, startedAtMs };
  switch (event.type) {
    case "exec_approval_request":
      if (event.network_approval_context) return networkApproval(event, scope);
      return {
        key: event.approval_id ?? event.call_id,
        request: {
          method: "item/commandExecution/requestApproval",
          params: {
            ...scope,
            ...(event.approval_id ? { approvalId: event.approval_id } : {}),
            ...(event.approval_kind === "write_stdin" ? { kind: "writeStdin" as const } : {}),
            reason: event.reason ?? null,
            command: shellJoin(event.command),
            cwd: event.cwd,
            commandActions: commandActionsToV2(event.parsed_cmd),
            ...(event.additional_permissions
              ? { additionalPermissions: requestedPermissionsToV2(event.additional_permissions) }
              : {}),
            // Absent, not null, when nothing is proposed (a prompt rule asked), as Codex sends it.
            ...(event.proposed_execpolicy_amendment
              ? { proposedExecpolicyAmendment: event.proposed_execpolicy_amendment }
              : {}),
            availableDecisions: event.available_decisions ? decisionsToV2(event.available_decisions) : null,
          },
        },
        toResponse: (result) => ({
          decision: decisionFromV2(
            (result as ServerRequestResult<"item/commandExecution/requestApproval">).decision,
          ),
        }),
      };
    case "apply_patch_approval_request":
      return {
        key: event.call_id,
        request: {
          method: "item/fileChange/requestApproval",
          params: { ...scope, reason: event.reason ?? null, grantRoot: event.grant_root ?? null },
        },
        toResponse: (result) => ({
          decision: decisionFromV2(
            (result as ServerRequestResult<"item/fileChange/requestApproval">).decision,
          ),
        }),
      };
    case "request_permissions":
      return {
        key: event.call_id,
        request: {
          method: "item/permissions/requestApproval",
          params: {
            ...scope,
            environmentId: "local",
            cwd: event.cwd,
            reason: event.reason ?? null,
            permissions: requestedPermissionsToV2(event.permissions),
          },
        },
        toResponse: (result) => {
          const answer = result as ServerRequestResult<"item/permissions/requestApproval">;
          const permissions = requestedPermissionsFromV2(answer.permissions);
          const decision: ReviewDecision = grantsSomething(permissions) ? "approved" : "denied";
          return { decision, grant: { permissions, scope: answer.scope } };
        },
      };
  }
}

type ExecApprovalEvent = Extract<ApprovalEvent, { type: "exec_approval_request" }>;

/**
 * A managed-proxy network approval (network-proxy.md §6), in Codex 0.169's form: no command or
 * cwd, the host and protocol instead, and the allow/deny `network_rule`s the user may save.
 */
function networkApproval(
  event: ExecApprovalEvent,
  scope: { threadId: string; turnId: string; itemId: string; startedAtMs: number },
): Translated {
  return {
    key: event.call_id,
    request: {
      method: "item/commandExecution/requestApproval",
      params: {
        kind: "command",
        ...scope,
        environmentId: "local",
        reason: event.reason ?? null,
        networkApprovalContext: event.network_approval_context!,
        proposedNetworkPolicyAmendments: event.proposed_network_policy_amendments ?? [],
        availableDecisions: event.available_decisions ? decisionsToV2(event.available_decisions) : null,
      },
    },
    toResponse: (result) => ({
      decision: decisionFromV2(
        (result as ServerRequestResult<"item/commandExecution/requestApproval">).decision,
      ),
    }),
  };
}

/** What the thread learns when an approval is answered. */
export interface ApprovalSettled {
  event: ApprovalEvent;
  turnId: string;
  response: ApprovalResponse | null;
}

export class ApprovalBridge {
  private readonly pending = new Map<ThreadServerRequest<unknown>, string>();

  constructor(
    private readonly threadId: string,
    private readonly subscriptions: ThreadSubscriptions,
    private readonly session: Session,
    /** Runs in the thread's outbox order once an answer (or a failure) arrived. */
    private readonly onSettled: (settled: ApprovalSettled) => void,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Sends the request to every subscriber (and later ones); resolves the session on the first answer. */
  open(event: ApprovalEvent, turnId: string, startedAtMs: number): void {
    const translated = translateApproval(event, this.threadId, turnId, startedAtMs);
    this.send(translated.request, turnId, (outcome) => {
      if (outcome.kind === "withdrawn") return;
      // An error answer from every client declines: the model is told and the turn goes on.
      const response =
        outcome.kind === "answered" ? translated.toResponse(outcome.result) : { decision: "denied" as const };
      this.onSettled({ event, turnId, response });
      this.session.resolveApproval(translated.key, response);
    });
  }

  /**
   * Sends any server request of a turn to the thread's subscribers; `settled` gets the first
   * answer, the failure, or the withdrawal when the turn ends first.
   */
  send(
    { method, params }: AnyRequest,
    turnId: string,
    settled: (outcome: ThreadRequestOutcome<unknown>) => void,
  ): void {
    const request = this.subscriptions.requestThread(
      this.threadId,
      method,
      params as never,
    ) as ThreadServerRequest<unknown>;
    this.pending.set(request, turnId);
    void request.outcome.then((outcome: ThreadRequestOutcome<unknown>) => {
      this.pending.delete(request);
      settled(outcome);
    });
  }

  /** Withdraws the requests of a finished turn (every recipient gets `serverRequest/resolved`). */
  withdrawTurn(turnId: string): void {
    for (const [request, owner] of [...this.pending]) if (owner === turnId) request.withdraw();
  }

  withdrawAll(): void {
    for (const request of [...this.pending.keys()]) request.withdraw();
  }
}
