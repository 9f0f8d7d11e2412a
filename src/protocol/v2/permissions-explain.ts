import { z } from "zod";
import { named } from "./names.js";

/**
 * keel-only (experimental) `permissions/explain`: may a loaded thread's commands read or write a
 * path under its active permissions, and what decided it — `keel permissions explain` for a
 * thread, so a user can see why a command was denied.
 */

export const PermissionsExplainParamsSchema = named(
  "PermissionsExplainParams",
  z.object({
    threadId: z.string(),
    /** Absolute, or relative to the thread's cwd; `~` is not expanded. */
    path: z.string().min(1, "path must not be empty"),
  }),
);

export const PermissionsExplainResponseSchema = named(
  "PermissionsExplainResponse",
  z.object({
    /** The absolute path that was checked. */
    path: z.string(),
    read: z.boolean(),
    write: z.boolean(),
    /** What decided, in words: the matching entry, a deny glob, a protected path, or none. */
    reason: z.string(),
    /** The config layer the deciding entry came from, in words; null for built-in defaults. */
    source: z.string().nullable(),
  }),
);
