import { profileToV2, reportedPermissionProfile, sandboxPolicyToV2 } from "../../permissions/index.js";
import type { SessionConfiguration } from "../../permissions/session-configuration.js";
import type { ActivePermissionProfile } from "../../protocol/permissions.js";
import type { ServerRequestMethod } from "../../protocol/v2/registry.js";
import type { ThreadResumeResponse, ThreadStatus } from "../../protocol/v2/thread.js";
import type { ReadThreadResult } from "../../rollout/store.js";
import type { StoreCluster } from "../../store/cluster.js";
import type { Connection } from "../connection.js";
import type { ThreadServerRequest, ThreadSubscriptions } from "../subscriptions.js";
import { afterResponse } from "./outbox.js";
import { RemoteTurnFeed } from "./remote-turns.js";
import { storedThreadObject, turnsToV2 } from "./thread-view.js";

/**
 * Threads another server runs, watched by clients of this one (issue 19, shared store): their
 * stored items become notifications (RemoteTurnFeed), their pending server requests are shown
 * here and answered back. A watch ends when its last subscriber leaves or this server takes the
 * thread over (its own LoadedThread then notifies the same subscribers).
 */

interface Watch {
  feed: RemoteTurnFeed;
  stop: (() => void)[];
  mirrored: Map<string, ThreadServerRequest<unknown>>;
}

export class RemoteThreads {
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly cluster: StoreCluster,
    private readonly subscriptions: ThreadSubscriptions,
    private readonly log: (line: string) => void,
  ) {
    subscriptions.onSubscribersChanged((threadId, count) => {
      if (count === 0) this.stop(threadId);
    });
  }

  watching(threadId: string): boolean {
    return this.watches.has(threadId);
  }

  /**
   * thread/resume of a thread another server holds: the stored thread, the settings this server
   * would run it with, and from the response on, its notifications.
   */
  watch(
    stored: ReadThreadResult,
    connection: Connection,
    settings: Omit<ThreadResumeResponse, "thread">,
  ): ThreadResumeResponse {
    const threadId = stored.metadata.id;
    const watch = this.watches.get(threadId) ?? this.start(threadId, stored);
    const status: ThreadStatus = watch.feed.running ? { type: "active", activeFlags: [] } : { type: "idle" };
    const turns = turnsToV2(stored.turns ?? []);
    afterResponse(() => this.subscriptions.subscribe(threadId, connection));
    return { thread: storedThreadObject(stored.metadata, status, turns), ...settings };
  }

  private start(threadId: string, stored: ReadThreadResult): Watch {
    const { lines, warnings, unknownTypeLines } = stored.rollout;
    // Every stored line has a seq, including those this version skipped while reading.
    const nextSeq = lines.length + warnings.length + unknownTypeLines;
    const watch: Watch = { feed: new RemoteTurnFeed(threadId, lines), stop: [], mirrored: new Map() };
    this.watches.set(threadId, watch);
    watch.stop.push(
      this.cluster.follow(threadId, nextSeq, (appended) => {
        for (const n of watch.feed.append(appended))
          this.subscriptions.notifyThread(threadId, n.method, n.params);
      }),
      this.cluster.watchRequests(threadId, {
        opened: (request) => this.mirror(threadId, watch, request),
        closed: (key) => watch.mirrored.get(key)?.withdraw(),
      }),
    );
    return watch;
  }

  /** Shows another server's request to this server's subscribers; the first answer goes back. */
  private mirror(
    threadId: string,
    watch: Watch,
    request: { key: string; method: string; params: unknown },
  ): void {
    const shown = this.subscriptions.requestThread(
      threadId,
      request.method as ServerRequestMethod,
      request.params as never,
      { local: true },
    ) as ThreadServerRequest<unknown>;
    watch.mirrored.set(request.key, shown);
    void shown.outcome.then(async (outcome) => {
      watch.mirrored.delete(request.key);
      if (outcome.kind !== "answered" || outcome.connection === null) return;
      try {
        await this.cluster.answer(request.key, threadId, outcome.result);
      } catch (error) {
        this.log(`warning: answer to another server's request failed: ${String(error)}`);
      }
    });
  }

  /** Stops watching (no subscriber left, or this server now runs the thread). */
  stop(threadId: string): void {
    const watch = this.watches.get(threadId);
    if (!watch) return;
    this.watches.delete(threadId);
    for (const stop of watch.stop) stop();
    for (const request of watch.mirrored.values()) request.withdraw();
  }

  stopAll(): void {
    for (const threadId of [...this.watches.keys()]) this.stop(threadId);
  }
}

/** thread/resume's settings block from a configuration (what this server would run it with). */
export function settingsFromConfiguration(
  c: SessionConfiguration,
  instructionSources: string[],
  activePermissionProfile: ActivePermissionProfile | null,
): Omit<ThreadResumeResponse, "thread"> {
  const profile = reportedPermissionProfile(
    c.sandboxPolicy.value,
    c.fileSystemSandboxPolicy,
    c.networkSandboxPolicy,
  );
  return {
    model: c.collaborationMode.settings.model,
    modelProvider: c.providerId,
    serviceTier: c.serviceTier,
    cwd: c.cwd,
    instructionSources,
    approvalPolicy: c.approvalPolicy.value,
    approvalsReviewer: c.approvalsReviewer,
    sandbox: sandboxPolicyToV2(c.sandboxPolicy.value),
    permissionProfile: profile === null ? null : profileToV2(profile),
    activePermissionProfile,
    reasoningEffort: c.collaborationMode.settings.reasoningEffort,
  };
}
