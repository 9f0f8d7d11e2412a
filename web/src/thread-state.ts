import type {
  Notification,
  RequestId,
  ServerRequest,
  Thread,
  ThreadItem,
  ThreadSettings,
  ThreadTokenUsage,
  Turn,
  TurnError,
  TurnStatus,
} from "./protocol.js";

/** One item as shown: the protocol item plus what streamed in before it completed. */
export interface ItemView {
  item: ThreadItem;
  /** Live command output (item/commandExecution/outputDelta). */
  output: string;
  /** Reasoning summary parts, filled by deltas. */
  summary: string[];
  completed: boolean;
}

export interface PlanView {
  explanation: string | null;
  steps: { step: string; status: "pending" | "inProgress" | "completed" }[];
}

export interface TurnView {
  id: string;
  status: TurnStatus;
  error: TurnError | null;
  items: ItemView[];
  plan: PlanView | null;
}

export interface RequestView {
  request: ServerRequest;
  /** Set once answered here or `serverRequest/resolved` arrived. */
  resolved: null | { by: "here"; choice: string } | { by: "elsewhere" };
}

export interface ThreadView {
  thread: Thread;
  settings: ThreadSettings | null;
  turns: TurnView[];
  tokenUsage: ThreadTokenUsage | null;
  /** Stream errors (retried or final) in arrival order. */
  errors: { message: string; willRetry: boolean }[];
  requests: RequestView[];
}

export function emptyView(thread: Thread, settings: ThreadSettings | null): ThreadView {
  return {
    thread,
    settings,
    turns: thread.turns.map(turnView),
    tokenUsage: null,
    errors: [],
    requests: [],
  };
}

function turnView(turn: Turn): TurnView {
  return {
    id: turn.id,
    status: turn.status,
    error: turn.error,
    plan: null,
    items: turn.items.map((item) => ({
      item,
      output: item.type === "commandExecution" ? (item.aggregatedOutput ?? "") : "",
      summary: item.type === "reasoning" ? [...item.summary] : [],
      completed: true,
    })),
  };
}

/** The running turn, if any. */
export function activeTurn(view: ThreadView): TurnView | null {
  const last = view.turns[view.turns.length - 1];
  return last !== undefined && last.status === "inProgress" ? last : null;
}

/** The thread a notification belongs to, or null for global ones. */
export function notificationThreadId(notification: Notification): string | null {
  const params = notification.params as { threadId?: unknown; thread?: { id?: unknown } };
  if (typeof params.threadId === "string") return params.threadId;
  if (typeof params.thread?.id === "string") return params.thread.id;
  return null;
}

function upsertTurn(view: ThreadView, turn: Turn): TurnView[] {
  const index = view.turns.findIndex((t) => t.id === turn.id);
  if (index === -1) return [...view.turns, turnView(turn)];
  const turns = [...view.turns];
  const old = turns[index]!;
  // Live notifications carry `items: []`; keep what streamed in.
  turns[index] = { ...old, status: turn.status, error: turn.error };
  return turns;
}

function mapTurn(view: ThreadView, turnId: string, change: (turn: TurnView) => TurnView): ThreadView {
  let turns = view.turns;
  if (!turns.some((t) => t.id === turnId))
    turns = [...turns, { id: turnId, status: "inProgress", error: null, items: [], plan: null }];
  return { ...view, turns: turns.map((t) => (t.id === turnId ? change(t) : t)) };
}

function mapItem(
  view: ThreadView,
  turnId: string,
  itemId: string,
  change: (item: ItemView) => ItemView,
): ThreadView {
  return mapTurn(view, turnId, (turn) => ({
    ...turn,
    items: turn.items.map((i) => (i.item.id === itemId ? change(i) : i)),
  }));
}

function putItem(view: ThreadView, turnId: string, item: ThreadItem, completed: boolean): ThreadView {
  return mapTurn(view, turnId, (turn) => {
    const index = turn.items.findIndex((i) => i.item.id === item.id);
    if (index === -1) {
      const fresh: ItemView = {
        item,
        output: item.type === "commandExecution" ? (item.aggregatedOutput ?? "") : "",
        summary: item.type === "reasoning" ? [...item.summary] : [],
        completed,
      };
      return { ...turn, items: [...turn.items, fresh] };
    }
    const items = [...turn.items];
    const old = items[index]!;
    const output =
      item.type === "commandExecution" && (item.aggregatedOutput ?? "").length >= old.output.length
        ? (item.aggregatedOutput ?? "")
        : old.output;
    const summary = item.type === "reasoning" && item.summary.length > 0 ? [...item.summary] : old.summary;
    items[index] = { item, output, summary, completed };
    return { ...turn, items };
  });
}

/** A fresh thread's title is its first prompt, as thread/list reports it. */
export function withPreview(view: ThreadView, item: ThreadItem): ThreadView {
  if (view.thread.preview !== "" || item.type !== "userMessage") return view;
  const text = item.content.find((c) => c.type === "text");
  return text === undefined ? view : { ...view, thread: { ...view.thread, preview: text.text } };
}

/** Applies one thread-scoped notification. Unknown methods leave the view unchanged. */
export function applyNotification(view: ThreadView, notification: Notification): ThreadView {
  switch (notification.method) {
    case "turn/started":
    case "turn/completed":
      return { ...view, turns: upsertTurn(view, notification.params.turn) };
    case "item/started":
      return withPreview(
        putItem(view, notification.params.turnId, notification.params.item, false),
        notification.params.item,
      );
    case "item/completed":
      return putItem(view, notification.params.turnId, notification.params.item, true);
    case "item/agentMessage/delta":
    case "item/plan/delta": {
      const { turnId, itemId, delta } = notification.params;
      return mapItem(view, turnId, itemId, (i) =>
        i.item.type === "agentMessage" || i.item.type === "plan"
          ? { ...i, item: { ...i.item, text: i.item.text + delta } }
          : i,
      );
    }
    case "item/reasoning/summaryTextDelta": {
      const { turnId, itemId, delta, summaryIndex } = notification.params;
      return mapItem(view, turnId, itemId, (i) => {
        const summary = [...i.summary];
        while (summary.length <= summaryIndex) summary.push("");
        summary[summaryIndex] += delta;
        return { ...i, summary };
      });
    }
    case "item/reasoning/summaryPartAdded": {
      const { turnId, itemId, summaryIndex } = notification.params;
      return mapItem(view, turnId, itemId, (i) => {
        const summary = [...i.summary];
        while (summary.length <= summaryIndex) summary.push("");
        return { ...i, summary };
      });
    }
    case "item/commandExecution/outputDelta": {
      const { turnId, itemId, delta } = notification.params;
      return mapItem(view, turnId, itemId, (i) => ({ ...i, output: i.output + delta }));
    }
    case "turn/plan/updated": {
      const { turnId, explanation, plan } = notification.params;
      return mapTurn(view, turnId, (turn) => ({ ...turn, plan: { explanation, steps: plan } }));
    }
    case "thread/tokenUsage/updated":
      return { ...view, tokenUsage: notification.params.tokenUsage };
    case "error":
      return {
        ...view,
        errors: [
          ...view.errors,
          { message: notification.params.error.message, willRetry: notification.params.willRetry },
        ],
      };
    case "thread/name/updated":
      return { ...view, thread: { ...view.thread, name: notification.params.threadName ?? null } };
    case "thread/status/changed":
      return { ...view, thread: { ...view.thread, status: notification.params.status } };
    case "thread/settings/updated": {
      // Later turns run with these; the permission entries table keeps the last full profile.
      const next = notification.params.threadSettings;
      if (view.settings === null) return view;
      return {
        ...view,
        settings: {
          ...view.settings,
          cwd: next.cwd,
          model: next.model,
          approvalPolicy: next.approvalPolicy,
          approvalsReviewer: next.approvalsReviewer,
          sandbox: next.sandboxPolicy,
          activePermissionProfile: next.activePermissionProfile,
        },
      };
    }
    case "serverRequest/resolved":
      return resolveRequest(view, notification.params.requestId, { by: "elsewhere" });
    default:
      return view;
  }
}

export function addRequest(view: ThreadView, request: ServerRequest): ThreadView {
  if (view.requests.some((r) => r.request.id === request.id)) return view;
  return { ...view, requests: [...view.requests, { request, resolved: null }] };
}

/** Marks a request resolved; the first resolution wins (an answer given here stays). */
export function resolveRequest(
  view: ThreadView,
  id: RequestId,
  resolved: NonNullable<RequestView["resolved"]>,
): ThreadView {
  return {
    ...view,
    requests: view.requests.map((r) => (r.request.id === id && r.resolved === null ? { ...r, resolved } : r)),
  };
}
