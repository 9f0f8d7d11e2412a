import {
  type Event,
  type EventMsg,
  type EventMsgOf,
  type FileChanges,
  TurnItemSchema,
} from "../../protocol/events.js";
import type { CommandExecutionItemSchema, UserInput } from "../../protocol/v2/items.js";
import type { ServerNotificationMethod, ServerNotificationParams } from "../../protocol/v2/registry.js";
import type { TurnError } from "../../protocol/v2/shared.js";
import type { Turn } from "../../protocol/v2/turn.js";
import type { z } from "zod";
import {
  camel,
  commandActionsToV2,
  fileChangesToV2,
  rateLimitsToV2,
  shellJoin,
  tokenUsageToV2,
  turnItemToV2,
  userInputFromV2,
} from "./convert.js";
import { mcpToolCallItem } from "../../tools/mcp-item.js";
import { webSearchActionDetail, webSearchActionToV2 } from "../../tools/web-search.js";
import { mcpStartupStatusToV2 } from "./mcp-convert.js";
import { REVIEWER_FAILED_TEXT, renderReviewOutput } from "../../review/output.js";
import { v7 as uuidv7 } from "uuid";
import {
  type ClientRequestEvent,
  dynamicToolItemCompleted,
  dynamicToolItemStarted,
} from "./client-requests.js";

/**
 * The one place where engine events become v2 notifications (spec app-server.md §7.4, §8,
 * §13.3). Stateful per thread: it knows the running turn (for `turn/completed` and a failure's
 * `error`), when each item started, and which items are open. Side effects the thread must
 * perform (status changes, server requests) are returned as outputs, in order.
 */

export type Notification = {
  [M in ServerNotificationMethod]: { method: M; params: ServerNotificationParams<M> };
}[ServerNotificationMethod];

export type ApprovalEvent =
  | EventMsgOf<"exec_approval_request">
  | EventMsgOf<"apply_patch_approval_request">
  | EventMsgOf<"request_permissions">;

export type MapperOutput =
  /** To the thread's subscribers. */
  | { kind: "notify"; notification: Notification }
  /** To every initialized connection (`deprecationNotice`, `account/*`). */
  | { kind: "broadcast"; notification: Notification }
  | { kind: "turnStarted"; turnId: string }
  | { kind: "turnEnded"; turnId: string; failed: boolean }
  /** After `turn/completed`: the turn's server requests are withdrawn. */
  | { kind: "turnFinished"; turnId: string }
  /** A server request; `itemStarted` (its item's start) goes out after the status change. */
  | {
      kind: "approval";
      event: ApprovalEvent;
      turnId: string;
      startedAtMs: number;
      itemStarted: Notification | null;
    }
  /** A question or dynamic tool call for the client; `itemStarted` goes out first. */
  | { kind: "clientRequest"; event: ClientRequestEvent; turnId: string; itemStarted: Notification | null }
  | { kind: "userMessage"; text: string }
  | { kind: "nameChanged"; name: string | null };

const note = <M extends ServerNotificationMethod>(
  method: M,
  params: ServerNotificationParams<M>,
): MapperOutput => ({ kind: "notify", notification: { method, params } as Notification });

const broadcast = <M extends ServerNotificationMethod>(
  method: M,
  params: ServerNotificationParams<M>,
): MapperOutput => ({ kind: "broadcast", notification: { method, params } as Notification });

type CommandItem = z.infer<typeof CommandExecutionItemSchema>;

interface RunningTurn {
  id: string;
  startedAt: number;
  error: TurnError | null;
}

interface ExpectedInput {
  key: string;
  content: UserInput[];
  clientId: string | null;
}

function durationMs(value: unknown): number | null {
  if (typeof value === "number") return Math.round(value);
  if (value && typeof value === "object") {
    const d = value as { secs?: number; nanos?: number };
    return Math.round((d.secs ?? 0) * 1000 + (d.nanos ?? 0) / 1e6);
  }
  return null;
}

function errorInfo(info: unknown): TurnError["codexErrorInfo"] {
  return typeof info === "string" ? camel(info) : null;
}

/** A command's item as it starts (from its begin event, or its end when no begin was seen). */
function commandItem(msg: EventMsgOf<"exec_command_begin"> | EventMsgOf<"exec_command_end">): CommandItem {
  return {
    type: "commandExecution",
    id: msg.call_id,
    command: shellJoin(msg.command),
    cwd: msg.cwd,
    processId: msg.process_id ?? null,
    source: camel(msg.source ?? "agent") as CommandItem["source"],
    status: "inProgress",
    commandActions: commandActionsToV2(
      (msg.parsed_cmd ?? []) as EventMsgOf<"exec_command_begin">["parsed_cmd"],
    ),
    aggregatedOutput: null,
    exitCode: null,
    durationMs: null,
  };
}

/**
 * A command start that an approval request precedes: Codex announces that item as the agent's
 * (its exec source is only reported once the command has run), so the start says "agent".
 */
function asAgentStart(notification: Notification): Notification {
  const params = notification.params as ServerNotificationParams<"item/started">;
  if (params.item.type !== "commandExecution") return notification;
  return {
    ...notification,
    params: { ...params, item: { ...params.item, source: "agent", processId: null } },
  } as Notification;
}

export class EventMapper {
  private turn: RunningTurn | null = null;
  private readonly itemStarts = new Map<string, number>();
  private readonly commands = new Map<string, CommandItem>();
  private readonly patches = new Map<string, FileChanges>();
  private readonly userContent = new Map<string, { content: UserInput[]; clientId: string | null }>();
  private expected: ExpectedInput[] = [];
  /** An exec item's start, held back one step: an approval request may have to precede it. */
  private stash: { callId: string; notification: Notification } | null = null;

  constructor(
    private readonly threadId: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The running turn's id, if any. */
  get turnId(): string | null {
    return this.turn?.id ?? null;
  }

  /**
   * Remembers input a client sent (`turn/start`, `turn/steer`), so its `userMessage` item can
   * echo it exactly (text elements, skills, mentions, `clientUserMessageId`).
   */
  expectInput(content: UserInput[], clientId: string | null): void {
    this.expected.push({ key: JSON.stringify(userInputFromV2(content)), content, clientId });
  }

  /** The held-back exec start, if still held (called once the event burst is over). */
  flushStash(): MapperOutput[] {
    const stash = this.stash;
    this.stash = null;
    return stash ? [{ kind: "notify", notification: stash.notification }] : [];
  }

  /** `item/completed {status:"declined"}` for a patch whose approval was refused. */
  declinePatch(callId: string, turnId: string): MapperOutput[] {
    const changes = this.patches.get(callId);
    if (!changes) return [];
    this.patches.delete(callId);
    return [
      this.completed(turnId, {
        type: "fileChange",
        id: callId,
        changes: fileChangesToV2(changes),
        status: "declined",
      }),
    ];
  }

  map(event: Event): MapperOutput[] {
    const msg = event.msg;
    const out: MapperOutput[] = [];
    const held = this.stash;
    if (held && !(msg.type === "exec_approval_request" && msg.call_id === held.callId)) {
      out.push(...this.flushStash());
    }
    out.push(...this.mapMsg(msg, event.id || this.turn?.id || ""));
    return out;
  }

  private started(turnId: string, item: ServerNotificationParams<"item/started">["item"]): Notification {
    const startedAtMs = this.now();
    this.itemStarts.set(item.id, startedAtMs);
    return { method: "item/started", params: { item, threadId: this.threadId, turnId, startedAtMs } };
  }

  private completed(turnId: string, item: ServerNotificationParams<"item/completed">["item"]): MapperOutput {
    this.itemStarts.delete(item.id);
    return note("item/completed", { item, threadId: this.threadId, turnId, completedAtMs: this.now() });
  }

  private turnObject(
    status: Turn["status"],
    end: { completedAt?: number | null; durationMs?: number | null },
  ): Turn {
    const turn = this.turn!;
    return {
      id: turn.id,
      items: [],
      status,
      error: status === "failed" ? turn.error : null,
      startedAt: turn.startedAt,
      completedAt: end.completedAt ?? null,
      durationMs: end.durationMs ?? null,
    };
  }

  private endTurn(
    msg: EventMsgOf<"task_complete"> | EventMsgOf<"turn_aborted">,
    turnId: string,
  ): MapperOutput[] {
    this.turn ??= { id: turnId, startedAt: Math.floor(this.now() / 1000), error: null };
    const failed = msg.type === "task_complete" && this.turn.error !== null;
    const status = msg.type === "turn_aborted" ? "interrupted" : failed ? "failed" : "completed";
    const turn = this.turnObject(status, { completedAt: msg.completed_at, durationMs: msg.duration_ms });
    const out: MapperOutput[] = [{ kind: "turnEnded", turnId: turn.id, failed }];
    if (failed) {
      out.push(
        note("error", { error: turn.error!, willRetry: false, threadId: this.threadId, turnId: turn.id }),
      );
    }
    out.push(note("turn/completed", { threadId: this.threadId, turn }));
    out.push({ kind: "turnFinished", turnId: turn.id });
    this.turn = null;
    this.expected = [];
    return out;
  }

  private userMessageContent(
    itemId: string,
    coreContent: unknown,
  ): { content: UserInput[]; clientId: string | null } {
    const known = this.userContent.get(itemId);
    if (known) return known;
    const key = JSON.stringify(coreContent);
    const index = this.expected.findIndex((e) => e.key === key);
    const entry = index === -1 ? null : this.expected[index]!;
    if (index !== -1) this.expected.splice(0, index + 1);
    const value = { content: entry?.content ?? [], clientId: entry?.clientId ?? null };
    this.userContent.set(itemId, value);
    return value;
  }

  private lifecycleItem(msg: EventMsgOf<"item_started"> | EventMsgOf<"item_completed">) {
    const parsed = TurnItemSchema.safeParse(msg.item);
    if (!parsed.success) return null;
    const item = parsed.data;
    if (item.type !== "user_message") return turnItemToV2(item);
    const { content, clientId } = this.userMessageContent(item.id, item.content);
    const v2 = turnItemToV2(item, content.length > 0 ? content : undefined);
    return clientId ? { ...v2, clientId } : v2;
  }

  private mapMsg(msg: EventMsg, turnId: string): MapperOutput[] {
    const threadId = this.threadId;
    switch (msg.type) {
      case "session_configured":
      case "agent_message":
      case "agent_reasoning":
      case "agent_reasoning_raw_content":
      case "shutdown_complete":
        return [];
      case "warning":
        return [note("warning", { threadId, message: msg.message })];
      case "deprecation_notice":
        return [broadcast("deprecationNotice", { summary: msg.summary, details: msg.details })];
      case "task_started": {
        const id = msg.turn_id || turnId;
        this.turn = { id, startedAt: msg.started_at ?? Math.floor(this.now() / 1000), error: null };
        return [
          { kind: "turnStarted", turnId: id },
          note("turn/started", { threadId, turn: this.turnObject("inProgress", {}) }),
        ];
      }
      case "task_complete":
      case "turn_aborted":
        return this.endTurn(msg, msg.turn_id || turnId);
      case "user_message":
        return [{ kind: "userMessage", text: msg.message }];
      case "item_started": {
        const item = this.lifecycleItem(msg);
        return item ? [{ kind: "notify", notification: this.started(msg.turn_id || turnId, item) }] : [];
      }
      case "item_completed": {
        const item = this.lifecycleItem(msg);
        if (!item) return [];
        if (item.type === "userMessage") this.userContent.delete(item.id);
        return [this.completed(msg.turn_id || turnId, item)];
      }
      case "agent_message_delta":
        return [note("item/agentMessage/delta", { threadId, turnId, itemId: msg.item_id, delta: msg.delta })];
      case "agent_reasoning_delta":
        return [
          note("item/reasoning/summaryTextDelta", {
            threadId,
            turnId,
            itemId: msg.item_id,
            delta: msg.delta,
            summaryIndex: msg.summary_index,
          }),
        ];
      case "agent_reasoning_section_break":
        return [
          note("item/reasoning/summaryPartAdded", {
            threadId,
            turnId,
            itemId: msg.item_id,
            summaryIndex: msg.summary_index,
          }),
        ];
      case "agent_reasoning_raw_content_delta":
        return [
          note("item/reasoning/textDelta", {
            threadId,
            turnId,
            itemId: msg.item_id,
            delta: msg.delta,
            contentIndex: msg.content_index,
          }),
        ];
      case "token_count":
        if (!msg.info) return [];
        return [
          note("thread/tokenUsage/updated", { threadId, turnId, tokenUsage: tokenUsageToV2(msg.info) }),
          broadcast("account/rateLimits/updated", {
            rateLimits: rateLimitsToV2(msg.rate_limits as Parameters<typeof rateLimitsToV2>[0]),
          }),
        ];
      case "exec_command_begin": {
        const item = commandItem(msg);
        this.commands.set(msg.call_id, item);
        this.stash = { callId: msg.call_id, notification: this.started(msg.turn_id || turnId, item) };
        return [];
      }
      case "exec_command_output_delta":
        return [
          note("item/commandExecution/outputDelta", {
            threadId,
            turnId,
            itemId: msg.call_id,
            delta: msg.chunk,
          }),
        ];
      case "exec_command_end":
        return [this.commandEnd(msg, msg.turn_id || turnId)];
      case "terminal_interaction":
        return [
          note("item/commandExecution/terminalInteraction", {
            threadId,
            turnId,
            itemId: msg.call_id,
            processId: msg.process_id,
            stdin: msg.stdin,
          }),
        ];
      case "exec_approval_request": {
        let itemStarted: Notification | null = null;
        if (this.stash?.callId === msg.call_id) {
          itemStarted = asAgentStart(this.stash.notification);
          this.stash = null;
        }
        return [this.approval(msg, msg.turn_id || turnId, itemStarted)];
      }
      case "apply_patch_approval_request":
        return [
          this.approval(
            msg,
            msg.turn_id || turnId,
            this.patchStart(msg.call_id, msg.changes, msg.turn_id || turnId),
          ),
        ];
      case "request_permissions":
        return [this.approval(msg, msg.turn_id || turnId, null)];
      case "request_user_input":
        return [{ kind: "clientRequest", event: msg, turnId: msg.turn_id || turnId, itemStarted: null }];
      case "dynamic_tool_call_request": {
        const id = msg.turn_id || turnId;
        const itemStarted = this.started(id, dynamicToolItemStarted(msg));
        return [{ kind: "clientRequest", event: msg, turnId: id, itemStarted }];
      }
      case "dynamic_tool_call_response":
        return [
          this.completed(msg.turn_id || turnId, dynamicToolItemCompleted(msg, durationMs(msg.duration))),
        ];
      case "patch_apply_begin": {
        const started = this.patchStart(msg.call_id, msg.changes, msg.turn_id || turnId);
        return started ? [{ kind: "notify", notification: started }] : [];
      }
      case "patch_apply_end":
        return this.patchEnd(msg, msg.turn_id || turnId);
      case "turn_diff":
        return [note("turn/diff/updated", { threadId, turnId, diff: msg.unified_diff })];
      case "plan_update":
        return [
          note("turn/plan/updated", {
            threadId,
            turnId,
            explanation: msg.explanation ?? null,
            plan: msg.plan.map((p) => ({
              step: p.step,
              status: p.status === "in_progress" ? "inProgress" : p.status,
            })),
          }),
        ];
      case "stream_error":
        return [
          note("error", {
            error: {
              message: msg.message,
              codexErrorInfo: null,
              additionalDetails: msg.additional_details ?? null,
            },
            willRetry: true,
            threadId,
            turnId,
          }),
        ];
      case "error":
        if (!this.turn) return [note("warning", { threadId, message: msg.message })];
        this.turn.error = {
          message: msg.message,
          codexErrorInfo: errorInfo(msg.codex_error_info),
          additionalDetails: null,
        };
        return [];
      case "context_compacted":
        return [note("thread/compacted", { threadId, turnId })];
      case "web_search_begin":
        return [
          {
            kind: "notify",
            notification: this.started(turnId, {
              type: "webSearch",
              id: msg.call_id,
              query: "",
              action: { type: "other" },
            }),
          },
        ];
      case "web_search_end": {
        const action = webSearchActionToV2(msg.action);
        return [
          this.completed(turnId, {
            type: "webSearch",
            id: msg.call_id,
            query: msg.query ?? webSearchActionDetail(action),
            action,
          }),
        ];
      }
      case "view_image_tool_call": {
        const item = { type: "imageView" as const, id: msg.call_id, path: msg.path };
        return [{ kind: "notify", notification: this.started(turnId, item) }, this.completed(turnId, item)];
      }
      case "thread_name_updated": {
        const name = msg.thread_name ? msg.thread_name : null;
        return [
          { kind: "nameChanged", name },
          note("thread/name/updated", name === null ? { threadId } : { threadId, threadName: name }),
        ];
      }
      case "mcp_tool_call_begin": {
        const item = mcpToolCallItem(msg.call_id, {
          invocation: msg.invocation,
          readOnlyHint: msg.read_only_hint,
          result: null,
          durationMs: null,
        });
        return [{ kind: "notify", notification: this.started(turnId, item) }];
      }
      case "mcp_tool_call_end": {
        const item = mcpToolCallItem(msg.call_id, {
          invocation: msg.invocation,
          readOnlyHint: msg.read_only_hint,
          result: msg.result,
          durationMs: durationMs(msg.duration),
        });
        return [this.completed(turnId, item)];
      }
      case "elicitation_request":
        return [{ kind: "clientRequest", event: msg, turnId: msg.turn_id ?? "", itemStarted: null }];
      case "mcp_startup_update":
        return [note("mcpServer/startupStatus/updated", mcpStartupStatusToV2(threadId, msg))];
      // No v2 notification: clients follow each server's startupStatus/updated.
      case "mcp_startup_complete":
        return [];
      case "hook_started":
        return [note("hook/started", { threadId, turnId: msg.turn_id, run: msg.run })];
      case "hook_completed":
        return [note("hook/completed", { threadId, turnId: msg.turn_id, run: msg.run })];
      case "entered_review_mode":
        return this.reviewItem(turnId, {
          type: "enteredReviewMode",
          id: uuidv7(),
          review: msg.user_facing_hint,
        });
      case "exited_review_mode":
        return this.reviewItem(turnId, {
          type: "exitedReviewMode",
          id: uuidv7(),
          review: msg.review_output ? renderReviewOutput(msg.review_output) : REVIEWER_FAILED_TEXT,
        });
      default: {
        const unhandled: never = msg;
        return unhandled;
      }
    }
  }

  /** Review mode items have no progress: started and completed at once. */
  private reviewItem(
    turnId: string,
    item: Extract<
      ServerNotificationParams<"item/started">["item"],
      { type: "enteredReviewMode" | "exitedReviewMode" }
    >,
  ): MapperOutput[] {
    return [{ kind: "notify", notification: this.started(turnId, item) }, this.completed(turnId, item)];
  }

  private commandEnd(msg: EventMsgOf<"exec_command_end">, turnId: string): MapperOutput {
    const started = this.commands.get(msg.call_id);
    this.commands.delete(msg.call_id);
    // The completed item names the run's own source even when its start said "agent".
    const base: CommandItem = started ? { ...started, source: commandItem(msg).source } : commandItem(msg);
    const status = (
      msg.status === "completed" || msg.status === "failed" || msg.status === "declined"
        ? msg.status
        : msg.exit_code === 0
          ? "completed"
          : "failed"
    ) as CommandItem["status"];
    const item: CommandItem =
      status === "declined"
        ? { ...base, status, processId: null, aggregatedOutput: null, exitCode: null, durationMs: null }
        : {
            ...base,
            status,
            processId: msg.process_id ?? base.processId,
            aggregatedOutput: msg.aggregated_output ?? "",
            exitCode: msg.exit_code,
            durationMs: durationMs(msg.duration),
          };
    return this.completed(turnId, item);
  }

  private approval(event: ApprovalEvent, turnId: string, itemStarted: Notification | null): MapperOutput {
    return { kind: "approval", event, turnId, startedAtMs: this.now(), itemStarted };
  }

  private patchStart(callId: string, changes: FileChanges, turnId: string): Notification | null {
    if (this.patches.has(callId)) return null;
    this.patches.set(callId, changes);
    return this.started(turnId, {
      type: "fileChange",
      id: callId,
      changes: fileChangesToV2(changes),
      status: "inProgress",
    });
  }

  private patchEnd(msg: EventMsgOf<"patch_apply_end">, turnId: string): MapperOutput[] {
    const changes = this.patches.get(msg.call_id) ?? ((msg.changes ?? {}) as FileChanges);
    this.patches.delete(msg.call_id);
    const out: MapperOutput[] = [];
    const stdout = (msg as { stdout?: unknown }).stdout;
    if (typeof stdout === "string" && stdout !== "") {
      out.push(
        note("item/fileChange/outputDelta", {
          threadId: this.threadId,
          turnId,
          itemId: msg.call_id,
          delta: stdout,
        }),
      );
    }
    const status =
      msg.status === "declined"
        ? "declined"
        : msg.success === false || msg.status === "failed"
          ? "failed"
          : "completed";
    out.push(
      this.completed(turnId, {
        type: "fileChange",
        id: msg.call_id,
        changes: fileChangesToV2(changes),
        status,
      }),
    );
    return out;
  }
}
