import type { Thread } from "../protocol.js";

export interface ThreadListState {
  threads: Thread[];
  nextCursor: string | null;
  loading: boolean;
}

interface Props {
  state: ThreadListState;
  filter: { search: string; archived: boolean };
  currentId: string | null;
  onFilter(filter: { search: string; archived: boolean }): void;
  onOpen(threadId: string): void;
  onMore(): void;
}

export function threadTitle(thread: Thread): string {
  if (thread.name !== null && thread.name !== "") return thread.name;
  if (thread.preview !== "") return thread.preview;
  return "(new thread)";
}

function when(unixSeconds: number): string {
  const date = new Date(unixSeconds * 1000);
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleDateString([], { month: "short", day: "numeric" });
}

export function ThreadList({ state, filter, currentId, onFilter, onOpen, onMore }: Props) {
  return (
    <nav class="threads" aria-label="Threads">
      <input
        type="search"
        placeholder="Search titles"
        aria-label="Search threads"
        value={filter.search}
        onInput={(e) => onFilter({ ...filter, search: e.currentTarget.value })}
      />
      <label class="check">
        <input
          type="checkbox"
          checked={filter.archived}
          onChange={(e) => onFilter({ ...filter, archived: e.currentTarget.checked })}
        />
        Archived
      </label>
      <ul data-testid="thread-list">
        {state.threads.map((thread) => (
          <li key={thread.id}>
            <button
              type="button"
              data-testid="thread-row"
              data-thread-id={thread.id}
              class={`row ${thread.id === currentId ? "current" : ""}`}
              aria-current={thread.id === currentId ? "true" : undefined}
              onClick={() => onOpen(thread.id)}
            >
              <span class="title">{threadTitle(thread)}</span>
              <span class="meta">
                {thread.status.type === "active" ? "● " : ""}
                {when(thread.updatedAt)} · {thread.cwd}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {state.threads.length === 0 && !state.loading && <p class="muted">No threads.</p>}
      {state.nextCursor !== null && (
        <button type="button" onClick={onMore} disabled={state.loading}>
          {state.loading ? "Loading…" : "More"}
        </button>
      )}
    </nav>
  );
}
