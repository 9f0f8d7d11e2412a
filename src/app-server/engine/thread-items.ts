import type { ThreadItemEntry, ThreadItemsListParams } from "../../protocol/v2/thread-manage.js";
import type { Turn } from "../../protocol/v2/turn.js";
import { invalidRequest } from "../errors.js";

/**
 * thread/items/list pages. Items are numbered in thread order (their ordinal); a cursor names an
 * ordinal and whether the page starts at it or after it, so appending turns never moves a cursor.
 */

interface Numbered {
  ordinal: number;
  entry: ThreadItemEntry;
}

interface ItemCursor {
  threadId: string;
  ordinal: number;
  includeAnchor: boolean;
}

export function encodeItemCursor(cursor: ItemCursor): string {
  return JSON.stringify(cursor);
}

function decodeItemCursor(threadId: string, text: string): ItemCursor {
  try {
    const parsed = JSON.parse(text) as Partial<ItemCursor>;
    if (
      parsed.threadId === threadId &&
      Number.isInteger(parsed.ordinal) &&
      typeof parsed.includeAnchor === "boolean"
    ) {
      return parsed as ItemCursor;
    }
  } catch {
    // reported below
  }
  throw invalidRequest(`invalid cursor for thread ${threadId}: ${text}`);
}

/** Every item of the turns, in thread order, with its turn id. */
export function itemEntries(turns: readonly Turn[]): Numbered[] {
  let ordinal = 0;
  return turns.flatMap((turn) =>
    turn.items.map((item) => {
      const times = item as { startedAtMs?: number | null; completedAtMs?: number | null };
      return {
        ordinal: ordinal++,
        entry: {
          turnId: turn.id,
          item,
          startedAtMs: times.startedAtMs ?? null,
          completedAtMs: times.completedAtMs ?? null,
        },
      };
    }),
  );
}

export function listItems(turns: readonly Turn[], params: ThreadItemsListParams) {
  const { threadId } = params;
  const all = itemEntries(turns).filter((n) => !params.turnId || n.entry.turnId === params.turnId);
  const desc = params.sortDirection === "desc";
  let from: { ordinal: number; inclusive: boolean } | null = null;
  if (typeof params.cursor === "string") {
    const cursor = decodeItemCursor(threadId, params.cursor);
    from = { ordinal: cursor.ordinal, inclusive: cursor.includeAnchor };
  } else if (params.cursor) {
    if (!params.turnId) throw invalidRequest("an item anchor cursor requires a non-empty `turnId`");
    const anchorId = params.cursor.itemId;
    const anchor = all.find((n) => n.entry.item.id === anchorId);
    if (!anchor) throw invalidRequest(`item not found in turn ${params.turnId}: ${anchorId}`);
    from = { ordinal: anchor.ordinal, inclusive: false };
  }
  const after = (n: Numbered) => {
    if (!from) return true;
    if (n.ordinal === from.ordinal) return from.inclusive;
    return desc ? n.ordinal < from.ordinal : n.ordinal > from.ordinal;
  };
  const ordered = (desc ? [...all].reverse() : all).filter(after);
  // Codex 0.169 reads `limit: 0` as a page of one (it clamps to at least one item).
  const page = params.limit == null ? ordered : ordered.slice(0, Math.max(1, params.limit));
  const first = page[0];
  const last = page.at(-1);
  return {
    data: page.map((n) => n.entry),
    nextCursor:
      last && page.length < ordered.length
        ? encodeItemCursor({ threadId, ordinal: last.ordinal, includeAnchor: false })
        : null,
    backwardsCursor: first
      ? encodeItemCursor({ threadId, ordinal: first.ordinal, includeAnchor: true })
      : null,
  };
}
