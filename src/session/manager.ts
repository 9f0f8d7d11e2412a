import type { Event } from "../protocol/events.js";
import type { RolloutItem } from "../protocol/rollout.js";
import type { ThreadRef } from "../rollout/store.js";
import type { ThreadStore } from "../store/types.js";
import type { TurnCut } from "../rollout/truncate.js";
import { ThreadNotFoundError } from "./errors.js";
import { Session, type SessionOptions } from "./session.js";

/** Per-call options: everything of SessionOptions except where the history comes from. */
export type ThreadOptions = Omit<SessionOptions, "initialHistory" | "store" | "listener">;

export interface SessionManagerOptions {
  /** Rollout files, names, index. Without one only ephemeral threads can be started. */
  store?: ThreadStore;
  /** Receives every event of every thread this manager loads, from `session_configured` on. */
  onEvent?: (threadId: string, event: Event) => void;
}

/**
 * Owns the loaded sessions by thread id: start, resume, fork, list, unload. The app-server and
 * `keel exec` both drive threads through it; it knows nothing about transports.
 */
export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly loading = new Map<string, Promise<Session>>();

  constructor(private readonly opts: SessionManagerOptions = {}) {}

  get store(): ThreadStore | undefined {
    return this.opts.store;
  }

  /** A new thread (`cleared: true` marks it as replacing a cleared one). */
  async start(options: ThreadOptions & { cleared?: boolean }): Promise<Session> {
    const { cleared, ...rest } = options;
    return this.adopt(await Session.create(this.sessionOptions(rest, { kind: cleared ? "cleared" : "new" })));
  }

  /** Loads a stored thread; a thread that is already loaded is returned as it is. */
  async resume(thread: ThreadRef, options: ThreadOptions): Promise<Session> {
    if ("threadId" in thread) {
      const loaded = this.sessions.get(thread.threadId);
      if (loaded) return loaded;
      const pending = this.loading.get(thread.threadId);
      if (pending) return pending;
    }
    const promise = Session.create(this.sessionOptions(options, { kind: "resumed", thread }));
    const key = "threadId" in thread ? thread.threadId : null;
    if (key) this.loading.set(key, promise);
    try {
      return this.adopt(await promise);
    } finally {
      if (key) this.loading.delete(key);
    }
  }

  /**
   * Forks a thread into a new one. A loaded source is read as it stands (flushed first; an
   * ephemeral one from memory; a running turn is copied as interrupted).
   */
  async fork(source: ThreadRef, options: ThreadOptions, cut?: TurnCut): Promise<Session> {
    const loaded = "threadId" in source ? this.sessions.get(source.threadId) : undefined;
    let from: ThreadRef | { items: RolloutItem[] } = source;
    if (loaded) {
      const items = await loaded.rolloutItems();
      if (items) from = { items };
      else if (loaded.rolloutPath) from = { path: loaded.rolloutPath };
    }
    return this.adopt(
      await Session.create(this.sessionOptions(options, { kind: "forked", from, ...(cut ? { cut } : {}) })),
    );
  }

  get(threadId: string): Session | undefined {
    return this.sessions.get(threadId);
  }

  /** Throws ThreadNotFoundError when the thread is not loaded. */
  require(threadId: string): Session {
    const session = this.sessions.get(threadId);
    if (!session) throw new ThreadNotFoundError(threadId);
    return session;
  }

  /** Ids of loaded threads, in load order. */
  loadedThreadIds(): string[] {
    return [...this.sessions.keys()];
  }

  /** Shuts the session down (aborting its turn, closing its rollout) and forgets it. */
  async unload(threadId: string): Promise<boolean> {
    const session = this.sessions.get(threadId);
    if (!session) return false;
    this.sessions.delete(threadId);
    await session.shutdown();
    return true;
  }

  async shutdownAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.unload(id)));
  }

  private sessionOptions(
    options: ThreadOptions,
    initialHistory: SessionOptions["initialHistory"],
  ): SessionOptions {
    const onEvent = this.opts.onEvent;
    let threadId = "";
    return {
      ...options,
      initialHistory,
      store: this.opts.store,
      listener: onEvent
        ? (event) => {
            // `session_configured` is always the first event and names the thread.
            if (event.msg.type === "session_configured") threadId = event.msg.session_id;
            onEvent(threadId, event);
          }
        : undefined,
    };
  }

  private adopt(session: Session): Session {
    this.sessions.set(session.threadId, session);
    return session;
  }
}
