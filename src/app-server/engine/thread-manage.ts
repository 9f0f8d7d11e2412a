import type { ThreadMetadataUpdateParams } from "../../protocol/v2/thread.js";
import type { ThreadSearchParams } from "../../protocol/v2/thread-manage.js";
import type { Turn } from "../../protocol/v2/turn.js";
import type { ListThreadsResult } from "../../rollout/index-db.js";
import type { GitColumns } from "../../rollout/store.js";
import { invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";
import type { Engine } from "./engine.js";
import { encodeItemCursor, itemEntries, listItems } from "./thread-items.js";
import { listParams } from "./thread-handlers.js";
import { resumeThread } from "./thread-lifecycle.js";
import { afterResponse } from "./outbox.js";
import { gitInfoOf, loadedThreadObject, storedThreadObject, turnsToV2 } from "./thread-view.js";
import { wire } from "./wire-errors.js";

/** thread/delete, thread/revert, thread/items/list, thread/search, thread/metadata/update. */

/** The turns of a loaded or stored thread (a loaded one not started yet has none). */
async function turnsOfThread(engine: Engine, threadId: string): Promise<Turn[]> {
  const loaded = engine.get(threadId);
  if (loaded) return engine.turnsOf(loaded);
  const stored = await engine.store.readThread({ threadId }, { includeTurns: true });
  return turnsToV2(stored.turns ?? []);
}

const SNIPPET_CHARS = 200;

/** The text around the first case-insensitive occurrence of `term`, or null. */
function snippetOf(text: string, term: string): string | null {
  const at = text.toLowerCase().indexOf(term.toLowerCase());
  if (at === -1) return null;
  if (text.length <= SNIPPET_CHARS) return text;
  const start = Math.max(0, Math.min(at - SNIPPET_CHARS / 4, text.length - SNIPPET_CHARS));
  return text.slice(start, start + SNIPPET_CHARS);
}

/** The first title or message of a thread that contains `term`. */
function findInThread(name: string | null, turns: readonly Turn[], term: string): string | null {
  if (name) {
    const hit = snippetOf(name, term);
    if (hit) return hit;
  }
  for (const turn of turns) {
    for (const item of turn.items) {
      const texts =
        item.type === "userMessage"
          ? item.content.flatMap((c) => (c.type === "text" ? [c.text] : []))
          : item.type === "agentMessage"
            ? [item.text]
            : [];
      for (const text of texts) {
        const hit = snippetOf(text, term);
        if (hit) return hit;
      }
    }
  }
  return null;
}

/** Git columns from a thread/metadata/update patch: omitted keeps, null clears, "" is an error. */
function gitPatch(params: ThreadMetadataUpdateParams): GitColumns {
  const git = params.gitInfo ?? {};
  const patch: GitColumns = {};
  const fields = [
    ["sha", "gitSha"],
    ["branch", "gitBranch"],
    ["originUrl", "gitOriginUrl"],
  ] as const;
  for (const [wireName, column] of fields) {
    const value = git[wireName];
    if (value === undefined) continue;
    if (value !== null && value.trim() === "") throw invalidRequest(`gitInfo.${wireName} must not be empty`);
    patch[column] = value;
  }
  return patch;
}

export function threadManageHandlers(engine: Engine): HandlerModule {
  const { store, server } = engine;

  async function search(params: ThreadSearchParams) {
    const term = params.searchTerm;
    if (term.trim() === "") throw invalidRequest("thread/search requires a non-empty searchTerm");
    const matches = [];
    let cursor: string | null = null;
    do {
      const page: ListThreadsResult = await store.listThreads({
        ...listParams({ ...params, searchTerm: null, cursor: null, limit: 1000 }),
        cursor,
      });
      for (const meta of page.data) {
        const turns = await turnsOfThread(engine, meta.id).catch(() => []);
        const snippet = findInThread(meta.name, turns, term);
        if (snippet === null) continue;
        const loaded = engine.get(meta.id);
        const status = loaded ? loaded.status.current() : ({ type: "notLoaded" } as const);
        matches.push({ thread: storedThreadObject(meta, status), snippet });
      }
      cursor = page.nextCursor;
    } while (cursor);
    // A cursor is the offset this handler handed out; anything else would repeat or skip matches.
    if (params.cursor && !/^\d+$/.test(params.cursor))
      throw invalidRequest(`invalid cursor: ${params.cursor}`);
    const start = params.cursor ? Number(params.cursor) : 0;
    const end = params.limit ? start + params.limit : matches.length;
    return {
      data: matches.slice(start, end),
      nextCursor: end < matches.length ? String(end) : null,
      backwardsCursor: null,
    };
  }

  return {
    resource: "thread (management)",
    handlers: {
      "thread/delete": (params) =>
        wire(async () => {
          const { threadId } = params;
          const loaded = engine.get(threadId);
          const ephemeral = loaded !== undefined && loaded.session.rolloutPath === null;
          if (loaded) await engine.unload(threadId);
          if (!ephemeral) await store.deleteThread(threadId);
          afterResponse(() => server.subscriptions.notifyAll("thread/deleted", { threadId }));
          return {};
        }),

      "thread/revert": (params, { connection }) =>
        wire(async () => {
          const { threadId, beforeTurnId } = params;
          const loaded = engine.get(threadId);
          if (loaded?.isRunning)
            throw invalidRequest(`cannot revert thread ${threadId} while a turn is running`);
          const before = await turnsOfThread(engine, threadId);
          if (!before.some((turn) => turn.id === beforeTurnId))
            throw invalidRequest(`turn not found: ${beforeTurnId}`);
          // Checked again with no await before the unload: a turn started (by any connection)
          // while the history was read would otherwise be aborted by it.
          if (loaded?.isRunning)
            throw invalidRequest(`cannot revert thread ${threadId} while a turn is running`);
          // The history is rewritten with the thread closed, then loaded again for its watchers.
          const watchers = server.subscriptions.subscribers(threadId);
          if (loaded) await engine.unload(threadId);
          const meta = await store.revertThread(threadId, beforeTurnId);
          let thread = storedThreadObject(meta, { type: "notLoaded" });
          if (loaded) {
            const resumed = await resumeThread(engine, { threadId }, connection);
            for (const watcher of watchers) server.subscriptions.subscribe(threadId, watcher);
            thread = { ...resumed.thread, turns: [] };
          }
          const kept = await turnsOfThread(engine, threadId);
          const lastItem = itemEntries(kept).at(-1);
          afterResponse(() => server.subscriptions.notifyAll("thread/reverted", { threadId }));
          return {
            thread,
            turnsBackwardsCursor: kept.length > 0 ? "0" : null,
            itemsBackwardsCursor: lastItem
              ? encodeItemCursor({ threadId, ordinal: lastItem.ordinal, includeAnchor: true })
              : null,
          };
        }),

      "thread/items/list": (params) =>
        wire(async () => listItems(await turnsOfThread(engine, params.threadId), params)),

      "thread/search": (params) => wire(() => search(params)),

      "thread/metadata/update": (params) =>
        wire(async () => {
          const { threadId } = params;
          if (params.gitInfo == null && params.projectId == null && params.daybreakEnabled == null)
            throw invalidRequest("thread metadata update must include at least one field");
          if (params.projectId) throw invalidRequest(`project not found: ${params.projectId}`);
          if (params.daybreakEnabled != null)
            throw invalidRequest("daybreakEnabled is not available in keel");
          const loaded = engine.get(threadId);
          const meta = await store.updateGitInfo(threadId, gitPatch(params));
          if (!loaded) return { thread: storedThreadObject(meta, { type: "notLoaded" }) };
          loaded.facts.gitInfo = gitInfoOf(meta);
          return { thread: loadedThreadObject(loaded) };
        }),
    },
  };
}
