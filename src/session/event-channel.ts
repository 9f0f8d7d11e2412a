import type { Event } from "../protocol/events.js";

export type EventListener = (event: Event) => void;

/**
 * What an event must wait for before anyone hears of it: a promise that settles once everything
 * recorded so far is stored (it never rejects), or null when nothing is in flight.
 */
export type StoredGate = () => Promise<void> | null;

/**
 * The session's outbound event queue. Events emitted while nobody listens are buffered and handed
 * to the first subscriber, so start-up events (`session_configured`, warnings) are never lost.
 * Listeners run synchronously in emission order; a throwing listener does not stop the others.
 *
 * With a gate, an event goes out only after the items recorded before it are stored: a client
 * never hears of an item that a crash right after could lose. Events wait in order behind it;
 * when nothing is in flight they go out synchronously, as without a gate.
 */
export class EventChannel {
  private readonly listeners = new Set<EventListener>();
  private readonly closeListeners = new Set<() => void>();
  private backlog: Event[] = [];
  private closed = false;
  /** Events waiting for their items to be stored, in emission order. */
  private held: { event: Event; after: Promise<void> | null }[] = [];
  private readonly settled = new WeakSet<Promise<void>>();
  private waiting = false;
  private closeRequested = false;

  constructor(private readonly gate: StoredGate | null = null) {}

  emit(event: Event): void {
    const after = this.gate?.() ?? null;
    if (this.held.length === 0 && after === null) {
      this.deliver(event);
      return;
    }
    this.held.push({ event, after });
    this.release();
  }

  /** Delivers held events from the head while their items are stored; waits on the first that is not. */
  private release(): void {
    while (this.held.length > 0 && !this.waiting) {
      const { event, after } = this.held[0]!;
      if (after !== null && !this.settled.has(after)) {
        this.waiting = true;
        void after.then(() => {
          this.settled.add(after);
          this.waiting = false;
          this.release();
        });
        return;
      }
      this.held.shift();
      this.deliver(event);
    }
    if (this.held.length === 0 && this.closeRequested) this.finishClose();
  }

  private deliver(event: Event): void {
    if (this.listeners.size === 0) {
      this.backlog.push(event);
      return;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // a front end's bug must not break the session
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    const pending = this.backlog;
    this.backlog = [];
    for (const event of pending) {
      try {
        listener(event);
      } catch {
        // see emit
      }
    }
    return () => this.listeners.delete(listener);
  }

  /** Marks the end of the stream (after the held events); async iterators finish after draining. */
  close(): void {
    this.closeRequested = true;
    if (this.held.length === 0) this.finishClose();
  }

  private finishClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of [...this.closeListeners]) listener();
  }

  /** Async iteration over events from now on (plus the backlog if nobody subscribed yet). */
  async *stream(signal?: AbortSignal): AsyncGenerator<Event> {
    const queue: Event[] = [];
    let wake: (() => void) | null = null;
    let done = this.closed;
    const unsubscribe = this.subscribe((event) => {
      queue.push(event);
      wake?.();
    });
    const onAbort = () => {
      done = true;
      wake?.();
    };
    this.closeListeners.add(onAbort);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (done) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    } finally {
      unsubscribe();
      this.closeListeners.delete(onAbort);
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
