import { ThreadNotFoundError as StoredThreadNotFound } from "../../rollout/store.js";
import type { ThreadListParams } from "../../protocol/v2/thread.js";
import type { Turn } from "../../protocol/v2/turn.js";
import { invalidRequest } from "../errors.js";
import { paginate } from "../handlers/thread.js";
import type { HandlerModule } from "../router.js";
import type { Engine } from "./engine.js";
import { afterResponse } from "./outbox.js";
import { loadedThreadObject, storedThreadObject, turnsToV2 } from "./thread-view.js";
import { wire } from "./wire-errors.js";

/**
 * Thread methods besides start/resume/fork: listing and reading stored threads, names, the
 * archive, compaction and turn pages (spec app-server.md §6.4–§6.10).
 */

const INTERACTIVE_SOURCES = ["cli", "vscode"];

export function listParams(params: ThreadListParams) {
  const sortKey =
    params.sortKey === "updated_at" || params.sortKey === "recency_at" ? "updated_at" : "created_at";
  return {
    cursor: params.cursor ?? null,
    limit: params.limit ? Math.min(params.limit, 1000) : 25,
    sortKey,
    sortDirection: params.sortDirection ?? "desc",
    archived: params.archived === true,
    ...(params.cwd ? { cwd: params.cwd } : {}),
    sourceKinds:
      params.sourceKinds && params.sourceKinds.length > 0 ? params.sourceKinds : INTERACTIVE_SOURCES,
    ...(params.modelProviders && params.modelProviders.length > 0
      ? { modelProviders: params.modelProviders }
      : {}),
    ...(params.searchTerm ? { searchTerm: params.searchTerm } : {}),
  } as const;
}

/** Items of a listed turn per `itemsView`: none, the conversation only (default), or everything. */
function withItemsView(turn: Turn, view: "notLoaded" | "summary" | "full"): Turn {
  if (view === "full") return { ...turn, itemsView: "full" };
  if (view === "notLoaded") return { ...turn, items: [], itemsView: "notLoaded" };
  const items = turn.items.filter((i) => i.type === "userMessage" || i.type === "agentMessage");
  return { ...turn, items, itemsView: "summary" };
}

export async function storedOrNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof StoredThreadNotFound) return null;
    throw error;
  }
}

export function threadHandlers(engine: Engine): HandlerModule {
  const { store, server } = engine;
  return {
    resource: "thread",
    handlers: {
      "thread/list": (params) =>
        wire(async () => {
          const page = await store.listThreads(listParams(params));
          const data = page.data.map((meta) => {
            const loaded = engine.get(meta.id);
            return storedThreadObject(meta, loaded ? loaded.status.current() : { type: "notLoaded" });
          });
          return { data, nextCursor: page.nextCursor, backwardsCursor: null };
        }),

      "thread/read": (params) =>
        wire(async () => {
          const includeTurns = params.includeTurns === true;
          const loaded = engine.get(params.threadId);
          if (loaded) {
            return { thread: loadedThreadObject(loaded, includeTurns ? await engine.turnsOf(loaded) : []) };
          }
          const stored = await storedOrNull(() =>
            store.readThread({ threadId: params.threadId }, { includeTurns }),
          );
          if (!stored) throw invalidRequest(`thread not loaded: ${params.threadId}`);
          return {
            thread: storedThreadObject(stored.metadata, { type: "notLoaded" }, turnsToV2(stored.turns ?? [])),
          };
        }),

      "thread/turns/list": (params) =>
        wire(async () => {
          const loaded = engine.get(params.threadId);
          let turns: Turn[];
          if (loaded) {
            if (!(await engine.materialized(loaded))) {
              throw invalidRequest(
                `thread ${params.threadId} is not materialized yet; thread/turns/list is unavailable before first user message`,
              );
            }
            turns = await engine.turnsOf(loaded);
          } else {
            const stored = await store.readThread({ threadId: params.threadId }, { includeTurns: true });
            turns = turnsToV2(stored.turns ?? []);
          }
          const ordered = params.sortDirection === "asc" ? turns : [...turns].reverse();
          const page = paginate(ordered, params.cursor, params.limit);
          const view = params.itemsView ?? "summary";
          return {
            data: page.data.map((t) => withItemsView(t, view)),
            nextCursor: page.nextCursor,
            backwardsCursor: null,
          };
        }),

      "thread/backgroundTerminals/list": (params) =>
        wire(async () => {
          const thread = engine.require(params.threadId);
          const after = params.cursor ? Number(params.cursor) : -1;
          const live = thread.session.backgroundTerminals().filter((p) => p.id > after);
          const page = params.limit ? live.slice(0, params.limit) : live;
          return {
            data: page.map((p) => ({
              itemId: p.callId,
              processId: String(p.id),
              command: p.command,
              cwd: p.cwd,
              osPid: null,
              cpuPercent: null,
              rssKb: null,
            })),
            nextCursor: page.length < live.length ? String(page.at(-1)!.id) : null,
          };
        }),

      "thread/backgroundTerminals/terminate": (params) =>
        wire(async () => {
          const thread = engine.require(params.threadId);
          const id = Number(params.processId);
          const terminated = Number.isInteger(id) && (await thread.session.terminateBackgroundTerminal(id));
          return { terminated };
        }),

      "thread/backgroundTerminals/clean": (params) =>
        wire(async () => {
          const thread = engine.require(params.threadId);
          const release = thread.outbox.hold();
          try {
            await thread.session.cleanBackgroundTerminals();
          } finally {
            afterResponse(release);
          }
          return {};
        }),

      "thread/name/set": (params) =>
        wire(async () => {
          const loaded = engine.get(params.threadId);
          if (loaded) {
            const release = loaded.outbox.hold();
            try {
              await loaded.session.setThreadName(params.name);
            } finally {
              afterResponse(release);
            }
            return {};
          }
          const name = params.name.trim() === "" ? null : params.name.trim();
          try {
            await store.setThreadName(params.threadId, name);
          } catch (error) {
            if (error instanceof StoredThreadNotFound)
              throw invalidRequest(`thread not found: ${params.threadId}`);
            throw error;
          }
          const threadId = params.threadId;
          afterResponse(() =>
            server.subscriptions.notifyAll(
              "thread/name/updated",
              name === null ? { threadId } : { threadId, threadName: name },
            ),
          );
          return {};
        }),

      "thread/archive": (params) =>
        wire(async () => {
          // An archived thread cannot stay loaded: its rollout moves away.
          await engine.unload(params.threadId);
          await store.archiveThread(params.threadId);
          afterResponse(() =>
            server.subscriptions.notifyAll("thread/archived", { threadId: params.threadId }),
          );
          return {};
        }),

      "thread/unarchive": (params) =>
        wire(async () => {
          await store.unarchiveThread(params.threadId);
          const read = await store.readThread({ threadId: params.threadId });
          afterResponse(() =>
            server.subscriptions.notifyAll("thread/unarchived", { threadId: params.threadId }),
          );
          return { thread: storedThreadObject(read.metadata, { type: "notLoaded" }) };
        }),

      "thread/compact/start": (params) =>
        wire(async () => {
          const thread = engine.require(params.threadId);
          const release = thread.outbox.hold();
          try {
            await thread.session.compact();
          } finally {
            afterResponse(release);
          }
          return {};
        }),

      // The user's `!` command: answered once its turn (or its item in the running turn) started.
      "thread/shellCommand": (params) =>
        wire(async () => {
          const thread = engine.require(params.threadId);
          if (params.command.trim() === "") throw invalidRequest("command must not be empty");
          const release = thread.outbox.hold();
          try {
            await thread.session.shellCommand(params.command);
          } finally {
            afterResponse(release);
          }
          return {};
        }),
    },
  };
}
