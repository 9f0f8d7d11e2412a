import { Fragment } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ServerRequest, ThreadTokenUsage } from "../protocol.js";
import type { RpcClient } from "../rpc.js";
import type { ThreadView, TurnView } from "../thread-state.js";
import { Approval } from "./Approval.js";
import { ItemBlock } from "./Items.js";
import { PermissionsView } from "./Permissions.js";
import { threadTitle } from "./ThreadList.js";

interface Actions {
  rename(name: string): Promise<void>;
  fork(): Promise<void>;
  archive(): Promise<void>;
  unarchive(): Promise<void>;
}

interface Props {
  view: ThreadView;
  client: RpcClient | null;
  actions: Actions;
  onAnswer(requestId: ServerRequest["id"], result: unknown, choice: string): void;
}

export function ThreadPane({ view, client, actions, onAnswer }: Props) {
  const [tab, setTab] = useState<"conversation" | "permissions">("conversation");
  const [renaming, setRenaming] = useState<string | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  // Follow the stream while the reader is at the bottom; stop when they scroll up.
  useEffect(() => {
    const el = scroller.current;
    if (el !== null && stick.current) el.scrollTop = el.scrollHeight;
  });

  const title = threadTitle(view.thread);
  return (
    <section class="thread" aria-label={title}>
      <div class="thread-head">
        {renaming === null ? (
          <h2 title={view.thread.id}>{title}</h2>
        ) : (
          <form
            class="rename"
            onSubmit={(e) => {
              e.preventDefault();
              void actions.rename(renaming.trim()).then(() => setRenaming(null));
            }}
          >
            <input
              aria-label="Thread name"
              value={renaming}
              ref={(el) => el?.focus()}
              onInput={(e) => setRenaming(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key !== "Escape") return;
                e.preventDefault();
                setRenaming(null);
              }}
            />
            <button type="submit">Save</button>
          </form>
        )}
        <div class="thread-actions">
          <button type="button" onClick={() => setRenaming(view.thread.name ?? "")}>
            Rename
          </button>
          <button type="button" onClick={() => void actions.fork()}>
            Fork
          </button>
          <button type="button" onClick={() => void actions.archive()}>
            Archive
          </button>
        </div>
        <TokenUsage usage={view.tokenUsage} />
      </div>
      <div class="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={tab === "conversation"}
          onClick={() => setTab("conversation")}
        >
          Conversation
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === "permissions"}
          onClick={() => setTab("permissions")}
        >
          Permissions
        </button>
      </div>
      {tab === "permissions" ? (
        <PermissionsView view={view} client={client} />
      ) : (
        <div
          class="transcript"
          ref={scroller}
          onScroll={(e) => {
            const el = e.currentTarget;
            stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
          }}
        >
          {view.turns.map((turn) => (
            <TurnBlock key={turn.id} turn={turn} view={view} onAnswer={onAnswer} />
          ))}
          {view.requests
            .filter((r) => !view.turns.some((t) => t.id === requestTurnId(r.request)))
            .map((r) => (
              <Approval key={String(r.request.id)} entry={r} settings={view.settings} onAnswer={onAnswer} />
            ))}
          {view.errors.map((e, i) => (
            <p key={i} class={`notice ${e.willRetry ? "" : "error"}`} data-testid="error">
              {e.willRetry ? "Retrying: " : ""}
              {e.message}
            </p>
          ))}
        </div>
      )}
    </section>
  );
}

function requestItemId(request: ServerRequest): string | null {
  return (request.params as { itemId?: string }).itemId ?? null;
}

function requestTurnId(request: ServerRequest): string | null {
  return (request.params as { turnId?: string | null }).turnId ?? null;
}

function TurnBlock({
  turn,
  view,
  onAnswer,
}: {
  turn: TurnView;
  view: ThreadView;
  onAnswer: Props["onAnswer"];
}) {
  const requests = view.requests.filter((r) => requestTurnId(r.request) === turn.id);
  const itemIds = new Set(turn.items.map((i) => i.item.id));
  const approval = (r: (typeof requests)[number]) => (
    <Approval key={String(r.request.id)} entry={r} settings={view.settings} onAnswer={onAnswer} />
  );
  return (
    <article class={`turn turn-${turn.status}`} data-turn-status={turn.status}>
      {turn.items.map((item) => (
        <Fragment key={item.item.id}>
          <ItemBlock view={item} />
          {requests.filter((r) => requestItemId(r.request) === item.item.id).map(approval)}
        </Fragment>
      ))}
      {turn.plan !== null && (
        <div class="plan" data-testid="plan">
          <h3>Plan</h3>
          {turn.plan.explanation !== null && <p>{turn.plan.explanation}</p>}
          <ol>
            {turn.plan.steps.map((s, i) => (
              <li key={i} class={`step-${s.status}`}>
                <span class="step-mark" title={s.status}>
                  {s.status === "completed" ? "✔" : s.status === "inProgress" ? "▶" : "○"}
                </span>{" "}
                {s.step}
              </li>
            ))}
          </ol>
        </div>
      )}
      {requests.filter((r) => !itemIds.has(requestItemId(r.request) ?? "")).map(approval)}
      {turn.status === "inProgress" && (
        <p class="working" aria-live="polite">
          Working…
        </p>
      )}
      {turn.status === "interrupted" && <p class="muted">Interrupted.</p>}
      {turn.error !== null && (
        <p class="notice error" data-testid="error">
          {turn.error.message}
          {turn.error.additionalDetails !== null ? ` — ${turn.error.additionalDetails}` : ""}
        </p>
      )}
    </article>
  );
}

function TokenUsage({ usage }: { usage: ThreadTokenUsage | null }) {
  if (usage === null) return null;
  const total = usage.total.totalTokens;
  const window = usage.modelContextWindow;
  return (
    <span
      class="tokens"
      data-testid="token-usage"
      title={`input ${usage.total.inputTokens}, cached ${usage.total.cachedInputTokens}, output ${usage.total.outputTokens}, reasoning ${usage.total.reasoningOutputTokens}`}
    >
      {total.toLocaleString()} tokens
      {window !== null ? ` · ${Math.round((usage.last.totalTokens / window) * 100)}% of context` : ""}
    </span>
  );
}
