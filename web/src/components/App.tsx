import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Notification, ServerRequest, Thread } from "../protocol.js";
import { type ConnStatus, RpcClient } from "../rpc.js";
import { initTheme, nextTheme, type ThemeChoice } from "../theme.js";
import {
  activeTurn,
  addRequest,
  applyNotification,
  emptyView,
  notificationThreadId,
  resolveRequest,
  type ThreadView,
} from "../thread-state.js";
import { Composer } from "./Composer.js";
import { defaultStartOptions, StartOptions, type StartOptionsValue, startParams } from "./StartOptions.js";
import { ThreadList, type ThreadListState } from "./ThreadList.js";
import { ThreadPane } from "./ThreadPane.js";

const PAGE_SIZE = 25;
/** Threads people started (the page, the TUI, exec, programs); sub-agents stay out of the list. */
const LISTED_SOURCES = ["cli", "vscode", "exec", "appServer"] as const;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function App({ token }: { token: string | null }) {
  const [status, setStatus] = useState<{ status: ConnStatus; detail?: string }>({
    status: token === null ? "no-token" : "connecting",
  });
  const [views, setViews] = useState<Record<string, ThreadView>>({});
  const [currentId, setCurrentId] = useState<string | null>(null);
  const [list, setList] = useState<ThreadListState>({ threads: [], nextCursor: null, loading: false });
  const [filter, setFilter] = useState({ search: "", archived: false });
  const [startOptions, setStartOptions] = useState<StartOptionsValue>(defaultStartOptions);
  const [error, setError] = useState<string | null>(null);
  const [theme, setTheme] = useState<ThemeChoice>(() => initTheme(document.documentElement, localStorage));
  const [sidebarOpen, setSidebarOpen] = useState(true);

  // Handlers are created once; they read the latest state through refs.
  const currentRef = useRef(currentId);
  currentRef.current = currentId;
  const filterRef = useRef(filter);
  filterRef.current = filter;
  /** Server requests that arrived for a thread whose resume has not answered yet. */
  const early = useRef(new Map<string, ServerRequest[]>());

  const client = useMemo(() => {
    if (token === null) return null;
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/`;
    return new RpcClient(url, ["keel.v2", `keel-token.${token}`], {
      onStatus: (s, detail) => setStatus({ status: s, detail }),
      onNotification: (n) => onNotification(n),
      onServerRequest: (r) => onServerRequest(r),
      onReady: () => onReady(),
    });
  }, [token]);

  function updateView(threadId: string, change: (view: ThreadView) => ThreadView): void {
    setViews((all) => {
      const view = all[threadId];
      return view === undefined ? all : { ...all, [threadId]: change(view) };
    });
  }

  function patchListThread(threadId: string, change: (thread: Thread) => Thread | null): void {
    setList((l) => ({
      ...l,
      threads: l.threads.flatMap((t) => {
        if (t.id !== threadId) return [t];
        const next = change(t);
        return next === null ? [] : [next];
      }),
    }));
  }

  function onNotification(n: Notification): void {
    switch (n.method) {
      case "thread/started":
        if (!filterRef.current.archived)
          setList((l) =>
            l.threads.some((t) => t.id === n.params.thread.id)
              ? l
              : { ...l, threads: [n.params.thread, ...l.threads] },
          );
        break;
      case "thread/name/updated":
        patchListThread(n.params.threadId, (t) => ({ ...t, name: n.params.threadName ?? null }));
        break;
      case "thread/status/changed":
        patchListThread(n.params.threadId, (t) => ({ ...t, status: n.params.status }));
        break;
      case "item/started": {
        const { item, threadId } = n.params;
        if (item.type === "userMessage" && item.content[0]?.type === "text") {
          const preview = item.content[0].text;
          patchListThread(threadId, (t) => (t.preview === "" ? { ...t, preview } : t));
        }
        break;
      }
      case "thread/archived":
      case "thread/unarchived":
        patchListThread(n.params.threadId, () => null);
        break;
    }
    const threadId = notificationThreadId(n);
    if (threadId !== null) updateView(threadId, (view) => applyNotification(view, n));
  }

  function onServerRequest(r: ServerRequest): void {
    const threadId = (r.params as { threadId?: string }).threadId;
    if (r.method === "item/tool/call" || threadId === undefined) {
      // The page registers no dynamic tools; say so rather than leave the turn waiting.
      client?.respondError(r.id, -32601, `keel web cannot answer ${r.method}`);
      return;
    }
    setViews((all) => {
      const view = all[threadId];
      if (view === undefined) {
        early.current.set(threadId, [...(early.current.get(threadId) ?? []), r]);
        return all;
      }
      return { ...all, [threadId]: addRequest(view, r) };
    });
  }

  function showView(view: ThreadView): void {
    const queued = early.current.get(view.thread.id) ?? [];
    early.current.delete(view.thread.id);
    const withRequests = queued.reduce(addRequest, view);
    setViews((all) => ({ ...all, [view.thread.id]: withRequests }));
    setCurrentId(view.thread.id);
    if (window.matchMedia("(max-width: 720px)").matches) setSidebarOpen(false);
  }

  async function loadThreads(cursor: string | null): Promise<void> {
    if (client === null) return;
    const { search, archived } = filterRef.current;
    setList((l) => ({ ...l, loading: true }));
    try {
      const page = await client.request("thread/list", {
        limit: PAGE_SIZE,
        cursor,
        archived: archived ? true : null,
        searchTerm: search === "" ? null : search,
        sourceKinds: [...LISTED_SOURCES],
      });
      setList((l) => ({
        threads: cursor === null ? page.data : [...l.threads, ...page.data],
        nextCursor: page.nextCursor,
        loading: false,
      }));
    } catch (e) {
      setList((l) => ({ ...l, loading: false }));
      setError(`Listing threads failed: ${errorText(e)}`);
    }
  }

  async function resume(threadId: string): Promise<void> {
    if (client === null) return;
    setError(null);
    try {
      const { thread, ...settings } = await client.request("thread/resume", {
        threadId,
        persistExtendedHistory: true,
      });
      showView(emptyView(thread, settings));
    } catch (e) {
      setError(`Opening the thread failed: ${errorText(e)}`);
    }
  }

  function onReady(): void {
    // A new connection has no subscriptions: answers owed on the old one are void, and the open
    // thread is resumed again so its events (and pending approvals) flow to this socket.
    early.current.clear();
    setViews({});
    void loadThreads(null);
    const open = currentRef.current;
    if (open !== null) void resume(open);
  }

  useEffect(() => {
    client?.start();
    return () => client?.stop();
  }, [client]);

  useEffect(() => {
    if (status.status !== "connected") return;
    const timer = setTimeout(() => void loadThreads(null), 200);
    return () => clearTimeout(timer);
  }, [filter.search, filter.archived]);

  async function startThread(): Promise<ThreadView | null> {
    if (client === null) return null;
    setError(null);
    try {
      const { thread, ...settings } = await client.request("thread/start", startParams(startOptions));
      const view = emptyView(thread, settings);
      showView(view);
      setList((l) =>
        l.threads.some((t) => t.id === thread.id) ? l : { ...l, threads: [thread, ...l.threads] },
      );
      return view;
    } catch (e) {
      setError(`Starting a thread failed: ${errorText(e)}`);
      return null;
    }
  }

  const view = currentId === null ? null : (views[currentId] ?? null);
  const running = view === null ? null : activeTurn(view);

  async function send(text: string): Promise<boolean> {
    if (client === null) return false;
    setError(null);
    const target = view ?? (await startThread());
    if (target === null) return false;
    const input = [{ type: "text" as const, text, text_elements: [] }];
    const threadId = target.thread.id;
    try {
      const turn = activeTurn(target);
      if (turn !== null) await client.request("turn/steer", { threadId, input, expectedTurnId: turn.id });
      else {
        const { turn: started } = await client.request("turn/start", { threadId, input });
        updateView(threadId, (v) =>
          applyNotification(v, { method: "turn/started", params: { threadId, turn: started } }),
        );
      }
      return true;
    } catch (e) {
      setError(`Sending failed: ${errorText(e)}`);
      return false;
    }
  }

  async function interrupt(): Promise<void> {
    if (client === null || view === null || running === null) return;
    try {
      await client.request("turn/interrupt", { threadId: view.thread.id, turnId: running.id });
    } catch (e) {
      setError(`Interrupt failed: ${errorText(e)}`);
    }
  }

  // Esc interrupts the running turn from anywhere on the page (fields that use Esc stop it first).
  const interruptRef = useRef(interrupt);
  interruptRef.current = interrupt;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented) void interruptRef.current();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  async function act(label: string, action: () => Promise<void>): Promise<void> {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(`${label} failed: ${errorText(e)}`);
    }
  }

  const threadActions = {
    rename: (name: string) =>
      act("Renaming", async () => {
        if (client === null || view === null) return;
        await client.request("thread/name/set", { threadId: view.thread.id, name });
        updateView(view.thread.id, (v) => ({ ...v, thread: { ...v.thread, name } }));
        patchListThread(view.thread.id, (t) => ({ ...t, name }));
      }),
    fork: () =>
      act("Forking", async () => {
        if (client === null || view === null) return;
        const { thread, ...settings } = await client.request("thread/fork", {
          threadId: view.thread.id,
          persistExtendedHistory: true,
        });
        showView(emptyView(thread, settings));
        setList((l) => ({ ...l, threads: [thread, ...l.threads.filter((t) => t.id !== thread.id)] }));
      }),
    archive: () =>
      act("Archiving", async () => {
        if (client === null || view === null) return;
        await client.request("thread/archive", { threadId: view.thread.id });
        patchListThread(view.thread.id, () => null);
        setCurrentId(null);
      }),
    unarchive: () =>
      act("Restoring", async () => {
        if (client === null || view === null) return;
        await client.request("thread/unarchive", { threadId: view.thread.id });
        patchListThread(view.thread.id, () => null);
      }),
  };

  function answer(requestId: ServerRequest["id"], result: unknown, choice: string): void {
    if (client === null || view === null) return;
    client.respond(requestId, result);
    updateView(view.thread.id, (v) => resolveRequest(v, requestId, { by: "here", choice }));
  }

  return (
    <div class={`shell ${sidebarOpen ? "" : "sidebar-closed"}`}>
      <header class="topbar">
        <button
          type="button"
          class="icon"
          aria-label="Toggle thread list"
          aria-expanded={sidebarOpen}
          onClick={() => setSidebarOpen((o) => !o)}
        >
          ☰
        </button>
        <h1>keel</h1>
        <span
          class={`conn conn-${status.status}`}
          data-testid="conn-status"
          data-status={status.status}
          title={status.detail}
          aria-live="polite"
        >
          {statusLabel(status.status)}
        </span>
        <button
          type="button"
          class="icon"
          aria-label={`Theme: ${theme}`}
          title={`Theme: ${theme}`}
          onClick={() => setTheme((t) => nextTheme(document.documentElement, localStorage, t))}
        >
          {theme === "dark" ? "☾" : theme === "light" ? "☀" : "◐"}
        </button>
      </header>
      <aside class="sidebar">
        <StartOptions
          client={client}
          connected={status.status === "connected"}
          value={startOptions}
          onChange={setStartOptions}
        />
        <button
          type="button"
          class="primary"
          data-testid="new-thread"
          onClick={() => void startThread()}
          disabled={client === null}
        >
          New thread
        </button>
        <ThreadList
          state={list}
          filter={filter}
          currentId={currentId}
          onFilter={setFilter}
          onOpen={(id) => void resume(id)}
          onMore={() => void loadThreads(list.nextCursor)}
        />
      </aside>
      <main class="main">
        {token === null && (
          <p class="notice" data-testid="error">
            No access token. Open the address <code>keel web</code> printed (it ends in <code>#token=…</code>
            ).
          </p>
        )}
        {error !== null && (
          <p class="notice error" data-testid="error" role="alert">
            {error}
          </p>
        )}
        {view !== null ? (
          <ThreadPane view={view} client={client} actions={threadActions} onAnswer={answer} />
        ) : (
          <section class="empty">
            <p>Pick a thread on the left, start a new one, or just type below.</p>
          </section>
        )}
        <Composer
          disabled={client === null || status.status !== "connected"}
          running={running !== null}
          onSend={send}
          onInterrupt={() => void interrupt()}
        />
      </main>
    </div>
  );
}

/** The indicator's text: connected, connecting or disconnected; the detail goes in its tooltip. */
function statusLabel(status: ConnStatus): string {
  switch (status) {
    case "connected":
      return "connected";
    case "connecting":
      return "connecting";
    case "reconnecting":
    case "no-token":
      return "disconnected";
  }
}
