import { z } from "zod";
import { named } from "./names.js";

/**
 * `fuzzyFileSearch` and its session form (Codex 0.169): fuzzy matching of paths under some roots,
 * as the TUI's `@` file picker uses it. Field names are snake_case on the wire, as in Codex.
 */

export const FuzzyFileSearchMatchTypeSchema = named(
  "FuzzyFileSearchMatchType",
  z.enum(["file", "directory"]),
);

export const FuzzyFileSearchResultSchema = named(
  "FuzzyFileSearchResult",
  z.object({
    root: z.string(),
    /** Relative to `root`, `/`-separated. */
    path: z.string(),
    match_type: FuzzyFileSearchMatchTypeSchema,
    file_name: z.string(),
    score: z.number().int().min(0),
    /** Matched character positions in `path`, ascending. */
    indices: z.array(z.number().int().min(0)).nullish(),
  }),
);
export type FuzzyFileSearchResult = z.infer<typeof FuzzyFileSearchResultSchema>;

export const FuzzyFileSearchParamsSchema = named(
  "FuzzyFileSearchParams",
  z.object({
    query: z.string(),
    roots: z.array(z.string()),
    /** A later search with the same token cancels this one (it answers no files). */
    cancellationToken: z.string().nullish(),
  }),
);
export const FuzzyFileSearchResponseSchema = named(
  "FuzzyFileSearchResponse",
  z.object({ files: z.array(FuzzyFileSearchResultSchema) }),
);

export const FuzzyFileSearchSessionStartParamsSchema = named(
  "FuzzyFileSearchSessionStartParams",
  z.object({ sessionId: z.string(), roots: z.array(z.string()) }),
);
export const FuzzyFileSearchSessionUpdateParamsSchema = named(
  "FuzzyFileSearchSessionUpdateParams",
  z.object({ sessionId: z.string(), query: z.string() }),
);
export const FuzzyFileSearchSessionStopParamsSchema = named(
  "FuzzyFileSearchSessionStopParams",
  z.object({ sessionId: z.string() }),
);

export const FuzzyFileSearchSessionUpdatedNotificationSchema = named(
  "FuzzyFileSearchSessionUpdatedNotification",
  z.object({ sessionId: z.string(), query: z.string(), files: z.array(FuzzyFileSearchResultSchema) }),
);
export const FuzzyFileSearchSessionCompletedNotificationSchema = named(
  "FuzzyFileSearchSessionCompletedNotification",
  z.object({ sessionId: z.string() }),
);
