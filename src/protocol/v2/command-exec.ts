import { z } from "zod";
import { SandboxPolicyV2Schema } from "../permissions.js";
import { named } from "./names.js";

/** `command/exec` and its companions: a standalone command outside any thread (Codex 0.169). */

export const CommandExecTerminalSizeSchema = named(
  "CommandExecTerminalSize",
  z.object({ rows: z.number().int().min(0), cols: z.number().int().min(0) }),
);

export const CommandExecParamsSchema = named(
  "CommandExecParams",
  z.object({
    command: z.array(z.string()),
    /** Client-chosen id for write/resize/terminate; required with tty or streaming. */
    processId: z.string().nullish(),
    tty: z.boolean().optional(),
    streamStdin: z.boolean().optional(),
    streamStdoutStderr: z.boolean().optional(),
    outputBytesCap: z.number().int().min(0).nullish(),
    disableOutputCap: z.boolean().optional(),
    timeoutMs: z.number().int().min(0).nullish(),
    disableTimeout: z.boolean().optional(),
    cwd: z.string().nullish(),
    /** Set (string) or unset (null) variables over the server's environment. */
    env: z.record(z.string(), z.string().nullable()).nullish(),
    size: CommandExecTerminalSizeSchema.nullish(),
    sandboxPolicy: SandboxPolicyV2Schema.nullish(),
    permissionProfile: z.string().nullish(),
  }),
);
export type CommandExecParams = z.infer<typeof CommandExecParamsSchema>;

export const CommandExecResponseSchema = named(
  "CommandExecResponse",
  z.object({ exitCode: z.number().int(), stdout: z.string(), stderr: z.string() }),
);

export const CommandExecWriteParamsSchema = named(
  "CommandExecWriteParams",
  z.object({
    processId: z.string(),
    deltaBase64: z.string().nullish(),
    closeStdin: z.boolean().optional(),
  }),
);

export const CommandExecResizeParamsSchema = named(
  "CommandExecResizeParams",
  z.object({ processId: z.string(), size: CommandExecTerminalSizeSchema }),
);

export const CommandExecTerminateParamsSchema = named(
  "CommandExecTerminateParams",
  z.object({ processId: z.string() }),
);

export const CommandExecOutputDeltaNotificationSchema = named(
  "CommandExecOutputDeltaNotification",
  z.object({
    processId: z.string(),
    stream: z.enum(["stdout", "stderr"]),
    deltaBase64: z.string(),
    /** This chunk reached the stream's cap; nothing more is sent for it. */
    capReached: z.boolean(),
  }),
);
