import path from "node:path";
import type { FuzzyFileSearchResult } from "../../protocol/v2/fuzzy-search.js";
import { byPath, type IndexedPath, indexRoots } from "../../workspace/file-index.js";
import { FUZZY_RESULT_LIMIT, fuzzySearch, type SearchMemo } from "../../workspace/fuzzy-search.js";
import type { Connection } from "../connection.js";
import { internalError, invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";

/**
 * `fuzzyFileSearch` (one query: walk, match, answer) and its session form (Codex 0.169,
 * experimental): a session walks its roots once, then each `sessionUpdate` is matched against
 * that index and answered by `fuzzyFileSearch/sessionUpdated` + `sessionCompleted`. Sessions
 * belong to their connection.
 */

/** One session's index: the walk starts with the session and fills `entries` as it goes. */
class Session {
  readonly entries: IndexedPath[] = [];
  readonly index: Promise<IndexedPath[]>;
  walked = false;
  /** The last query's matches, once the walk is done (typing narrows them). */
  readonly memo: SearchMemo = {};
  stopped = false;
  /** Only the newest query is reported. */
  latest = 0;

  constructor(readonly roots: readonly string[]) {
    this.index = indexRoots(roots, () => this.stopped, this.entries);
    void this.index.then(() => {
      // Sorted once, searches of the finished index stop early (see SearchMemo).
      this.entries.sort(byPath);
      this.walked = true;
    });
  }
}

/** Relative and missing roots are skipped; Codex answers no files for them. */
const usableRoots = (roots: readonly string[]) =>
  roots.map((r) => (path.isAbsolute(r) ? path.resolve(r) : r));

export function fuzzySearchHandlers(): HandlerModule {
  const sessions = new Map<Connection, Map<string, Session>>();
  /** In-flight one-shot searches by cancellation token: a newer one stops the older. */
  const tokens = new Map<string, { cancelled: boolean }>();

  const sessionsOf = (connection: Connection): Map<string, Session> => {
    let map = sessions.get(connection);
    if (!map) {
      const created = new Map<string, Session>();
      sessions.set(connection, created);
      connection.onClose(() => {
        for (const session of created.values()) session.stopped = true;
        sessions.delete(connection);
      });
      map = created;
    }
    return map;
  };

  return {
    resource: "fuzzyFileSearch",
    handlers: {
      fuzzyFileSearch: async (params) => {
        const flag = { cancelled: false };
        const token = params.cancellationToken ?? null;
        if (token !== null) {
          const previous = tokens.get(token);
          if (previous) previous.cancelled = true;
          tokens.set(token, flag);
        }
        try {
          if (params.query === "") return { files: [] };
          const roots = usableRoots(params.roots);
          const entries = await indexRoots(roots, () => flag.cancelled);
          if (flag.cancelled) return { files: [] };
          return { files: fuzzySearch(entries, roots, params.query) };
        } finally {
          if (token !== null && tokens.get(token) === flag) tokens.delete(token);
        }
      },
      "fuzzyFileSearch/sessionStart": (params, { connection }) => {
        if (params.roots.length === 0)
          throw internalError(
            "failed to start fuzzy file search session: at least one search directory is required",
          );
        const owned = sessionsOf(connection);
        const previous = owned.get(params.sessionId);
        if (previous) previous.stopped = true;
        const session = new Session(usableRoots(params.roots));
        owned.set(params.sessionId, session);
        return {};
      },
      "fuzzyFileSearch/sessionUpdate": (params, { connection }) => {
        const { sessionId, query } = params;
        const session = sessions.get(connection)?.get(sessionId);
        if (!session) throw invalidRequest(`fuzzy file search session not found: ${sessionId}`);
        const generation = ++session.latest;
        // After the response: the results are notifications.
        const current = () => !session.stopped && generation === session.latest;
        const report = () => {
          const memo = session.walked ? session.memo : undefined;
          const files: FuzzyFileSearchResult[] = fuzzySearch(
            session.entries,
            session.roots,
            query,
            FUZZY_RESULT_LIMIT,
            memo,
          );
          connection.notify("fuzzyFileSearch/sessionUpdated", { sessionId, query, files });
        };
        setImmediate(async () => {
          // While the walk runs, first results come from what it found so far (as in Codex).
          if (!session.walked && current()) report();
          await session.index;
          if (!current()) return;
          report();
          connection.notify("fuzzyFileSearch/sessionCompleted", { sessionId });
        });
        return {};
      },
      "fuzzyFileSearch/sessionStop": (params, { connection }) => {
        const owned = sessions.get(connection);
        const session = owned?.get(params.sessionId);
        if (session) session.stopped = true;
        owned?.delete(params.sessionId);
        return {};
      },
    },
  };
}
