import type pg from "pg";

/**
 * Cross-server events (issue 19): one dedicated connection per server LISTENs on keel's channels
 * and hands each payload to the subscriber. NOTIFY is a hint, not the data: payloads only say
 * *where* to look (a thread and a sequence number), the item log is the truth. A lost connection
 * loses notifications, so after every reconnect `onReconnect` runs and subscribers read the log
 * from where they were.
 */

/** A committed append: `{"t": threadId, "s": lastSeq}`. */
export const ITEMS_CHANNEL = "keel_items";

export interface ListenerOptions {
  connectionString: string;
  /** Overrides a password in the URL. */
  password?: string;
  channels: readonly string[];
  onNotify: (channel: string, payload: string) => void;
  /** After a reconnect (not the first connect): catch up from the log. */
  onReconnect?: () => void;
  /** A connection failed; the listener retries on its own. */
  onError?: (error: unknown) => void;
  /** First retry delay; doubled up to `maxRetryMs` (defaults 100 ms, 2 s). */
  retryMs?: number;
  maxRetryMs?: number;
}

export class NotifyListener {
  private client: pg.Client | null = null;
  private closed = false;
  private connectedOnce = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private delay: number;

  constructor(private readonly options: ListenerOptions) {
    this.delay = options.retryMs ?? 100;
  }

  /** Connects and LISTENs; rejects when the first connection fails (bad URL, no server). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const { connectionString, password } = this.options;
    // Loaded on first use: `pg` cannot be evaluated while the start-up snapshot is built.
    const { default: pgLib } = await import("pg");
    const client = new pgLib.Client({ connectionString, ...(password !== undefined ? { password } : {}) });
    client.on("notification", (msg) => {
      if (msg.payload !== undefined) this.options.onNotify(msg.channel, msg.payload);
    });
    // Both fire when the server or the network drops the session; one retry is enough.
    const lost = (error?: unknown) => {
      if (this.client !== client) return;
      this.client = null;
      client.removeAllListeners("notification");
      client.end().catch(() => {});
      if (error) this.options.onError?.(error);
      this.scheduleRetry();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    await client.connect();
    for (const channel of this.options.channels)
      await client.query(`LISTEN ${pgLib.escapeIdentifier(channel)}`);
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    this.delay = this.options.retryMs ?? 100;
    const reconnected = this.connectedOnce;
    this.connectedOnce = true;
    if (reconnected) this.options.onReconnect?.();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().catch((error) => {
        this.options.onError?.(error);
        this.delay = Math.min(this.delay * 2, this.options.maxRetryMs ?? 2000);
        this.scheduleRetry();
      });
    }, this.delay);
  }

  /** Whether the LISTEN connection is up right now. */
  get connected(): boolean {
    return this.client !== null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}

/** The payload of an `ITEMS_CHANNEL` notification. */
export interface ItemsAppended {
  threadId: string;
  seq: number;
}

export function encodeItemsAppended(event: ItemsAppended): string {
  return JSON.stringify({ t: event.threadId, s: event.seq });
}

/** Null for a payload keel did not write (a hand-made NOTIFY): ignored, never fatal. */
export function decodeItemsAppended(payload: string): ItemsAppended | null {
  try {
    const parsed = JSON.parse(payload) as { t?: unknown; s?: unknown };
    if (typeof parsed.t !== "string" || typeof parsed.s !== "number") return null;
    return { threadId: parsed.t, seq: parsed.s };
  } catch {
    return null;
  }
}
