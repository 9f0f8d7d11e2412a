import { z } from "zod";
import { named } from "./names.js";

/**
 * `fs/*` (Codex 0.169): the client's own operations on the server host's files. Paths are
 * absolute (Codex's `AbsolutePathBuf`; the handlers refuse relative ones with Codex's text) and
 * file contents travel as base64.
 */

const path = z.string();

export const FsReadFileParamsSchema = named("FsReadFileParams", z.object({ path }));
export const FsReadFileResponseSchema = named("FsReadFileResponse", z.object({ dataBase64: z.string() }));

export const FsWriteFileParamsSchema = named("FsWriteFileParams", z.object({ path, dataBase64: z.string() }));

export const FsCreateDirectoryParamsSchema = named(
  "FsCreateDirectoryParams",
  /** `recursive` absent or null: parents are created too. */
  z.object({ path, recursive: z.boolean().nullish() }),
);

export const FsGetMetadataParamsSchema = named("FsGetMetadataParams", z.object({ path }));
export const FsGetMetadataResponseSchema = named(
  "FsGetMetadataResponse",
  z.object({
    isDirectory: z.boolean(),
    isFile: z.boolean(),
    /** The path itself is a symbolic link (the other fields describe its target). */
    isSymlink: z.boolean(),
    /** Unix milliseconds, 0 when the file system does not record it. */
    createdAtMs: z.number().int(),
    modifiedAtMs: z.number().int(),
  }),
);
export type FsGetMetadataResponse = z.infer<typeof FsGetMetadataResponseSchema>;

export const FsReadDirectoryParamsSchema = named("FsReadDirectoryParams", z.object({ path }));
export const FsReadDirectoryEntrySchema = named(
  "FsReadDirectoryEntry",
  z.object({ fileName: z.string(), isDirectory: z.boolean(), isFile: z.boolean() }),
);
export type FsReadDirectoryEntry = z.infer<typeof FsReadDirectoryEntrySchema>;
export const FsReadDirectoryResponseSchema = named(
  "FsReadDirectoryResponse",
  z.object({ entries: z.array(FsReadDirectoryEntrySchema) }),
);

export const FsRemoveParamsSchema = named(
  "FsRemoveParams",
  /** Both default to true: a missing path is fine, a directory goes with its contents. */
  z.object({ path, recursive: z.boolean().nullish(), force: z.boolean().nullish() }),
);

export const FsCopyParamsSchema = named(
  "FsCopyParams",
  z.object({ sourcePath: path, destinationPath: path, recursive: z.boolean().optional() }),
);

export const FsWatchParamsSchema = named("FsWatchParams", z.object({ path, watchId: z.string() }));
export const FsWatchResponseSchema = named("FsWatchResponse", z.object({ path: z.string() }));
export const FsUnwatchParamsSchema = named("FsUnwatchParams", z.object({ watchId: z.string() }));

export const FsChangedNotificationSchema = named(
  "FsChangedNotification",
  z.object({ watchId: z.string(), changedPaths: z.array(z.string()) }),
);
