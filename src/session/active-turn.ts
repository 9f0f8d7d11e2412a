import type { TurnAbortReason, UserInput } from "../protocol/events.js";
import type { ClientRequest, ClientResponse } from "./client-requests.js";
import type { ApprovalRequest, ApprovalResponse } from "./tool-router.js";

export type TaskKind = "regular" | "review" | "compact";

interface PendingApproval {
  request: ApprovalRequest;
  resolve(response: ApprovalResponse): void;
  reject(error: unknown): void;
}

interface PendingClientRequest {
  request: ClientRequest;
  resolve(response: unknown): void;
  reject(error: unknown): void;
}

/** Thrown into waiting tools and the model stream when a turn is aborted. */
export class TurnAbortedError extends Error {
  constructor(readonly reason: TurnAbortReason) {
    super(`turn aborted: ${reason}`);
    this.name = "AbortError";
  }
}

/**
 * State of the one running task: its cancellation, the steered-input mailbox (drained at each
 * sampling step) and approvals parked until a front end answers them.
 */
export class ActiveTurn {
  readonly controller = new AbortController();
  readonly startedAt = Date.now();
  /** Input steered into the turn, not yet delivered to the model. */
  private pendingInput: UserInput[][] = [];
  private readonly approvals = new Map<string, PendingApproval>();
  /** Questions and dynamic tool calls waiting for the client, by call id. */
  private readonly clientRequests = new Map<string, PendingClientRequest>();
  abortReason: TurnAbortReason | null = null;
  /** Set once the task passed the point where an abort can no longer change its outcome. */
  finishing = false;
  /** Settles when the task's run function has returned (normally or by abort). */
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly turnId: string,
    readonly kind: TaskKind,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  pushInput(input: UserInput[]): void {
    this.pendingInput.push(input);
  }

  hasPendingInput(): boolean {
    return this.pendingInput.length > 0;
  }

  takePendingInput(): UserInput[][] {
    const taken = this.pendingInput;
    this.pendingInput = [];
    return taken;
  }

  /** Parks a request; the key is the approval id when given, else the call id. */
  waitForApproval(key: string, request: ApprovalRequest): Promise<ApprovalResponse> {
    if (this.signal.aborted) return Promise.reject(new TurnAbortedError(this.abortReason ?? "interrupted"));
    return new Promise((resolve, reject) => {
      this.approvals.set(key, { request, resolve, reject });
    });
  }

  resolveApproval(key: string, response: ApprovalResponse): boolean {
    const pending = this.approvals.get(key);
    if (!pending) return false;
    this.approvals.delete(key);
    pending.resolve(response);
    return true;
  }

  /** Parks a client request under its call id until `resolveClientRequest` or an abort. */
  waitForClient<R extends ClientRequest>(request: R): Promise<ClientResponse<R>> {
    if (this.signal.aborted) return Promise.reject(new TurnAbortedError(this.abortReason ?? "interrupted"));
    return new Promise((resolve, reject) => {
      this.clientRequests.set(request.callId, {
        request,
        resolve: resolve as (response: unknown) => void,
        reject,
      });
    });
  }

  /** Answers a parked client request of that kind; false when none waits under the call id. */
  resolveClientRequest<R extends ClientRequest>(
    kind: R["kind"],
    callId: string,
    response: ClientResponse<R>,
  ): boolean {
    const pending = this.clientRequests.get(callId);
    if (!pending || pending.request.kind !== kind) return false;
    this.clientRequests.delete(callId);
    pending.resolve(response);
    return true;
  }

  pendingApprovals(): { key: string; request: ApprovalRequest }[] {
    return [...this.approvals].map(([key, p]) => ({ key, request: p.request }));
  }

  /** Cancels everything the turn started; queued input, parked approvals and client requests are dropped. */
  abort(reason: TurnAbortReason): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.pendingInput = [];
    const error = new TurnAbortedError(reason);
    for (const pending of [...this.approvals.values(), ...this.clientRequests.values()])
      pending.reject(error);
    this.approvals.clear();
    this.clientRequests.clear();
    this.controller.abort(error);
  }
}
