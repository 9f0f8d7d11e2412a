import type { RolloutItem } from "../protocol/rollout.js";
import type { SharedRequests } from "../app-server/subscriptions.js";

/**
 * What a store shared by several servers (PostgreSQL) offers beyond `ThreadStore` (issue 19):
 * following a thread another server writes, and that thread's server requests. The file store has
 * no cluster; code that sees `store.cluster === undefined` behaves as a single server.
 */
export interface StoreCluster {
  /** Who this server is, as other servers' errors name it. */
  readonly self: ThreadHolder;
  /**
   * Follows a thread's item log from line `fromSeq` (0 = its first line): `onItems` gets every
   * later committed run of items, in order, once. Returns the stop function.
   */
  follow(threadId: string, fromSeq: number, onItems: (items: RolloutItem[]) => void): () => void;
  /** This server's pending requests, offered to other servers' clients. */
  readonly shared: SharedRequests;
  /** Shows another server's pending requests of a thread; returns the stop function. */
  watchRequests(threadId: string, watcher: RemoteRequestWatcher): () => void;
  /** Answers another server's request; false when it was already answered or settled. */
  answer(key: string, threadId: string, result: unknown): Promise<boolean>;
  /**
   * Where clients reach this server, known once it listens: leases taken from then on carry it,
   * so another server's refusal can name it.
   */
  announce(address: string): void;
}

export interface RemoteRequestWatcher {
  opened(request: { key: string; method: string; params: unknown }): void;
  closed(key: string): void;
}

/** A server holding threads: enough for an operator (and an error message) to find the process. */
export interface ThreadHolder {
  /** Random per process. */
  serverId: string;
  host: string;
  pid: number;
  /** Where clients reach the holder (`ws://host:port`), when it listens on a socket. */
  address: string | null;
}

export function describeHolder(holder: ThreadHolder): string {
  const at = holder.address ? ` at ${holder.address}` : "";
  return `server ${holder.serverId} on ${holder.host}, pid ${holder.pid}${at}`;
}

/** The thread is being written by another live server (its lease has not expired). */
export class ThreadHeldElsewhereError extends Error {
  readonly code = "THREAD_LEASED";
  constructor(
    readonly threadId: string,
    readonly holder: ThreadHolder,
    readonly expiresAt: Date,
  ) {
    super(
      `thread ${threadId} is running on another keel server (${describeHolder(holder)}); ` +
        `connect to that server, or retry after its lease expires (${expiresAt.toISOString()})`,
    );
    this.name = "ThreadHeldElsewhereError";
  }
}
