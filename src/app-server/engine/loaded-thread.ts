import type { Event } from "../../protocol/events.js";
import type { ActivePermissionProfile } from "../../protocol/permissions.js";
import type { Session } from "../../session/index.js";
import type { ThreadSubscriptions } from "../subscriptions.js";
import { ApprovalBridge, type ApprovalSettled } from "./approvals.js";
import { type ClientRequestEvent, clientServerRequest, settleClientRequest } from "./client-requests.js";
import { EventMapper, type MapperOutput, type Notification } from "./event-mapper.js";
import { Outbox } from "./outbox.js";
import { ThreadStatusTracker } from "./thread-status.js";

/** Facts about a loaded thread that the session does not keep. */
export interface ThreadFacts {
  createdAtMs: number;
  updatedAtMs: number;
  preview: string;
  cliVersion: string;
  gitInfo: { sha: string | null; branch: string | null; originUrl: string | null } | null;
  activePermissionProfile: ActivePermissionProfile | null;
  instructionSources: string[];
  /** The request's `config` overrides (thread/start, resume, fork): a reload re-applies them. */
  requestConfig: Readonly<Record<string, unknown>> | null;
}

export interface LoadedThreadDeps {
  subscriptions: ThreadSubscriptions;
  log: (line: string) => void;
  /** A turn ended or a request closed: the engine re-checks idleness. */
  onIdleCandidate: (thread: LoadedThread) => void;
  now?: () => number;
}

/**
 * One thread loaded in this server: its session plus the wire state around it — the event
 * mapper, the status, the pending server requests and the ordered outbox all its traffic goes
 * through. Subscribers come and go; the thread keeps running without any.
 */
export class LoadedThread {
  readonly id: string;
  readonly mapper: EventMapper;
  readonly status: ThreadStatusTracker;
  readonly outbox: Outbox;
  readonly approvals: ApprovalBridge;
  private unsubscribeEvents: (() => void) | null = null;
  private flushQueued = false;
  /** Cancels the pending idle-unload timer, if one runs. */
  idleTimer: (() => void) | null = null;
  closed = false;
  /** While set, MCP start-up statuses skip a held outbox (see `handle`). */
  mcpStatusFirst = false;

  constructor(
    readonly session: Session,
    readonly facts: ThreadFacts,
    private readonly deps: LoadedThreadDeps,
  ) {
    this.id = session.threadId;
    this.mapper = new EventMapper(this.id, deps.now);
    this.outbox = new Outbox((error) => deps.log(`thread ${this.id}: ${(error as Error)?.message ?? error}`));
    this.status = new ThreadStatusTracker((status) =>
      deps.subscriptions.notifyThread(this.id, "thread/status/changed", { threadId: this.id, status }),
    );
    this.approvals = new ApprovalBridge(this.id, deps.subscriptions, session, (settled) =>
      this.outbox.push(() => this.approvalSettled(settled)),
    );
  }

  /** A turn runs (as the session sees it; the status may lag behind a held outbox). */
  get isRunning(): boolean {
    return this.status.isRunning || this.session.activeTurnId() !== null;
  }

  /**
   * Starts forwarding session events. Start-up events buffered by the session (warnings,
   * deprecation notices) are replayed now, so call this once the response is queued.
   */
  listen(): void {
    if (this.unsubscribeEvents) return;
    this.unsubscribeEvents = this.session.subscribe((event) => this.handle(event));
  }

  stopListening(): void {
    this.unsubscribeEvents?.();
    this.unsubscribeEvents = null;
  }

  notify(notification: Notification): void {
    this.deps.subscriptions.notifyThread(this.id, notification.method, notification.params as never);
  }

  private handle(event: Event): void {
    const outputs = this.mapper.map(event);
    if (this.mcpStatusFirst && event.msg.type === "mcp_startup_update") {
      // thread/resume: Codex sends the start-up burst before the response (spec mcp.md §2).
      this.apply(outputs);
      return;
    }
    if (outputs.length > 0) this.outbox.push(() => this.apply(outputs));
    if (event.msg.type === "exec_command_begin" && !this.flushQueued) {
      // The approval request, if any, follows in the same tick; otherwise release the start.
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        const held = this.mapper.flushStash();
        if (held.length > 0) this.outbox.push(() => this.apply(held));
      });
    }
  }

  private apply(outputs: readonly MapperOutput[]): void {
    for (const output of outputs) {
      switch (output.kind) {
        case "notify":
          this.notify(output.notification);
          break;
        case "broadcast":
          this.deps.subscriptions.notifyAll(output.notification.method, output.notification.params as never);
          break;
        case "turnStarted":
          this.status.turnStarted();
          this.deps.onIdleCandidate(this);
          break;
        case "turnEnded":
          this.facts.updatedAtMs = (this.deps.now ?? Date.now)();
          this.status.turnEnded(output.failed);
          break;
        case "turnFinished":
          this.approvals.withdrawTurn(output.turnId);
          this.deps.onIdleCandidate(this);
          break;
        case "approval":
          this.status.requestOpened("waitingOnApproval");
          if (output.itemStarted) this.notify(output.itemStarted);
          this.approvals.open(output.event, output.turnId, output.startedAtMs);
          break;
        case "clientRequest":
          this.openClientRequest(output.event, output.turnId, output.itemStarted);
          break;
        case "userMessage":
          if (this.facts.preview === "" && output.text.trim() !== "") this.facts.preview = output.text;
          break;
        case "nameChanged":
          break;
        default: {
          const unhandled: never = output;
          void unhandled;
        }
      }
    }
  }

  /** Questions flag the thread as waiting on the user; dynamic tool calls do not (as in Codex). */
  private openClientRequest(
    event: ClientRequestEvent,
    turnId: string,
    itemStarted: Notification | null,
  ): void {
    const asksUser = event.type === "request_user_input";
    if (asksUser) this.status.requestOpened("waitingOnUserInput");
    if (itemStarted) this.notify(itemStarted);
    this.approvals.send(clientServerRequest(event, this.id, turnId), turnId, (outcome) => {
      // A withdrawn request belongs to a turn that ended, which cleared the flags already.
      if (outcome.kind === "withdrawn") return;
      this.outbox.push(() => {
        if (asksUser) this.status.requestClosed("waitingOnUserInput");
        settleClientRequest(this.session, event, outcome);
      });
    });
  }

  private approvalSettled(settled: ApprovalSettled): void {
    this.status.requestClosed("waitingOnApproval");
    const decision = settled.response?.decision;
    const refused = decision === "denied" || decision === "abort";
    if (settled.event.type === "apply_patch_approval_request" && refused) {
      this.apply(this.mapper.declinePatch(settled.event.call_id, settled.turnId));
    }
  }
}
