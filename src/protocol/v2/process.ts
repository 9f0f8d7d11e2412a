import { z } from "zod";
import { named } from "./names.js";

/**
 * `process/*` (Codex 0.169, experimental): a client-requested process on the server's host,
 * without a sandbox, keyed by a connection-scoped `processHandle`. Its output and exit arrive as
 * `process/outputDelta` and `process/exited` notifications.
 */

export const ProcessTerminalSizeSchema = named(
  "ProcessTerminalSize",
  z.object({ rows: z.number().int().min(0).max(65535), cols: z.number().int().min(0).max(65535) }),
);

export const ProcessSpawnParamsSchema = named(
  "ProcessSpawnParams",
  z.object({
    command: z.array(z.string()),
    processHandle: z.string(),
    /** Absolute working directory. */
    cwd: z.string(),
    /** Set (string) or unset (null) variables over the server's command environment. */
    env: z.record(z.string(), z.string().nullable()).nullish(),
    /** Per-stream capture cap; absent: 1 MiB, null: no cap. */
    outputBytesCap: z.number().int().min(0).nullish(),
    size: ProcessTerminalSizeSchema.nullish(),
    streamStdin: z.boolean().optional(),
    streamStdoutStderr: z.boolean().optional(),
    /** Absent: 10 s, null: no timeout. */
    timeoutMs: z.number().int().nullish(),
    /** A PTY; implies streamStdin and streamStdoutStderr. */
    tty: z.boolean().optional(),
  }),
);
export type ProcessSpawnParams = z.infer<typeof ProcessSpawnParamsSchema>;

export const ProcessWriteStdinParamsSchema = named(
  "ProcessWriteStdinParams",
  z.object({
    processHandle: z.string(),
    deltaBase64: z.string().nullish(),
    closeStdin: z.boolean().optional(),
  }),
);

export const ProcessResizePtyParamsSchema = named(
  "ProcessResizePtyParams",
  z.object({ processHandle: z.string(), size: ProcessTerminalSizeSchema }),
);

export const ProcessKillParamsSchema = named("ProcessKillParams", z.object({ processHandle: z.string() }));

export const ProcessOutputDeltaNotificationSchema = named(
  "ProcessOutputDeltaNotification",
  z.object({
    processHandle: z.string(),
    stream: z.enum(["stdout", "stderr"]),
    deltaBase64: z.string(),
    /** The final chunk of a stream that reached its cap. */
    capReached: z.boolean(),
  }),
);

export const ProcessExitedNotificationSchema = named(
  "ProcessExitedNotification",
  z.object({
    processHandle: z.string(),
    exitCode: z.number().int(),
    /** Empty when the stream was sent as deltas. */
    stdout: z.string(),
    stderr: z.string(),
    stdoutCapReached: z.boolean(),
    stderrCapReached: z.boolean(),
    /** Output was still open after the post-exit grace and reading stopped. */
    outputDrainTimedOut: z.boolean().nullish(),
  }),
);
