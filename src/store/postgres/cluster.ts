import type { RolloutItem } from "../../protocol/rollout.js";
import { parseRolloutLine } from "../../rollout/reader.js";
import type { SharedRequests } from "../../app-server/subscriptions.js";
import type { RemoteRequestWatcher, StoreCluster, ThreadHolder } from "../cluster.js";
import type { Queryable } from "./lease.js";
import { decodeItemsAppended, ITEMS_CHANNEL, NotifyListener } from "./notify.js";
import { REQUESTS_CHANNEL, RequestRelay } from "./requests.js";

/**
 * The PostgreSQL side of several servers on one database: one LISTEN connection per server feeds
 * the followers of threads other servers write and the shared server requests. A follower reads
 * the log itself (`seq >= next`), so a missed or merged notification only delays it.
 */

interface Follower {
  next: number;
  onItems: (items: RolloutItem[]) => void;
  /** Reads run one after another, so runs of items arrive in order and never twice. */
  reading: Promise<void>;
}

export interface PgClusterOptions {
  db: Queryable;
  connectionString: string;
  password?: string;
  self: ThreadHolder;
  onError?: (error: unknown) => void;
}

export class PgCluster implements StoreCluster {
  readonly self: ThreadHolder;
  private readonly db: Queryable;
  private readonly relay: RequestRelay;
  private readonly listener: NotifyListener;
  private readonly followers = new Map<string, Set<Follower>>();
  private started: Promise<void> | null = null;
  private readonly onError: (error: unknown) => void;

  constructor(options: PgClusterOptions) {
    // Shared with the lease manager: an address announced later goes into its next leases.
    this.self = options.self;
    this.db = options.db;
    this.onError = options.onError ?? (() => {});
    this.relay = new RequestRelay(options.db, options.self.serverId, this.onError);
    this.listener = new NotifyListener({
      connectionString: options.connectionString,
      password: options.password,
      channels: [ITEMS_CHANNEL, REQUESTS_CHANNEL],
      onNotify: (channel, payload) => this.dispatch(channel, payload),
      onReconnect: () => this.catchUp(),
      onError: this.onError,
    });
  }

  /** Opens the LISTEN connection (once; later calls wait for the first). */
  start(): Promise<void> {
    this.started ??= this.listener.start();
    return this.started;
  }

  /** This server's requests; the first one opens the LISTEN connection that brings answers back. */
  readonly shared: SharedRequests = {
    publish: async (threadId, method, params, onAnswer) => {
      await this.start();
      return this.relay.publish(threadId, method, params, onAnswer);
    },
  };

  follow(threadId: string, fromSeq: number, onItems: (items: RolloutItem[]) => void): () => void {
    const follower: Follower = { next: fromSeq, onItems, reading: Promise.resolve() };
    let set = this.followers.get(threadId);
    if (!set) {
      set = new Set();
      this.followers.set(threadId, set);
    }
    set.add(follower);
    // Whatever was committed between the caller's read and this subscription.
    void this.start()
      .then(() => this.read(threadId, follower))
      .catch(this.onError);
    return () => {
      set.delete(follower);
      if (set.size === 0) this.followers.delete(threadId);
    };
  }

  watchRequests(threadId: string, watcher: RemoteRequestWatcher): () => void {
    void this.start().catch(this.onError);
    return this.relay.watch(threadId, watcher);
  }

  announce(address: string): void {
    this.self.address = address;
  }

  answer(key: string, threadId: string, result: unknown): Promise<boolean> {
    return this.relay.answer(key, threadId, result);
  }

  private dispatch(channel: string, payload: string): void {
    if (channel === REQUESTS_CHANNEL) {
      this.relay.handle(payload);
      return;
    }
    const appended = decodeItemsAppended(payload);
    if (!appended) return;
    for (const follower of this.followers.get(appended.threadId) ?? []) {
      if (appended.seq >= follower.next) this.read(appended.threadId, follower);
    }
  }

  private catchUp(): void {
    for (const [threadId, set] of this.followers) for (const f of set) this.read(threadId, f);
    this.relay.resync();
  }

  private read(threadId: string, follower: Follower): Promise<void> {
    follower.reading = follower.reading
      .then(async () => {
        const result = await this.db.query<{ seq: string; line: string }>(
          "SELECT seq, line FROM keel_items WHERE thread_id = $1 AND seq >= $2 ORDER BY seq",
          [threadId, follower.next],
        );
        if (result.rows.length === 0) return;
        const items: RolloutItem[] = [];
        for (const row of result.rows) {
          const parsed = parseRolloutLine(row.line);
          if (parsed.ok) items.push({ type: parsed.line.type, payload: parsed.line.payload } as RolloutItem);
        }
        follower.next = Number(result.rows.at(-1)!.seq) + 1;
        if (items.length > 0) follower.onItems(items);
      })
      .catch(this.onError);
    return follower.reading;
  }

  async close(): Promise<void> {
    this.followers.clear();
    await this.listener.close();
  }
}
