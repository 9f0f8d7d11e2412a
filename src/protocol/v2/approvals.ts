import { z } from "zod";
import { RequestIdSchema } from "../jsonrpc.js";
import { FileSystemSandboxEntrySchema } from "../permissions.js";
import { CommandActionSchema, DynamicToolCallOutputContentItemSchema } from "./items.js";
import { named } from "./names.js";
import { JsonValueSchema } from "./shared.js";

/**
 * Server → client requests (spec app-server.md §9) and their answers. Requests carry their
 * thread, turn and item; `startedAtMs` is required by [cur] clients and ignored by [seed] ones.
 */

const requestScope = {
  threadId: z.string(),
  turnId: z.string(),
  /** The item the request belongs to (the tool call id for permissions / user input). */
  itemId: z.string(),
  /** [cur] unix milliseconds. */
  startedAtMs: z.number().int(),
};

export const NetworkApprovalContextSchema = named(
  "NetworkApprovalContext",
  z.object({ host: z.string(), protocol: z.string() }),
);

export const NetworkPolicyAmendmentSchema = named(
  "NetworkPolicyAmendment",
  z.object({ host: z.string(), action: z.enum(["allow", "deny"]) }),
);

/** Extra permissions a command or the request_permissions tool asks for (experimental). */
export const RequestPermissionProfileSchema = named(
  "RequestPermissionProfile",
  z.object({
    network: z.object({ enabled: z.boolean().nullish() }).nullish(),
    fileSystem: z
      .object({
        read: z.array(z.string()).nullish(),
        write: z.array(z.string()).nullish(),
        globScanMaxDepth: z.number().int().min(1).nullish(),
        entries: z.array(FileSystemSandboxEntrySchema).nullish(),
      })
      .nullish(),
  }),
);
export type RequestPermissionProfile = z.infer<typeof RequestPermissionProfileSchema>;

export const CommandExecutionApprovalDecisionSchema = named(
  "CommandExecutionApprovalDecision",
  z.union([
    /** Run once (outside the sandbox when escalation was requested). */
    z.literal("accept"),
    /** Run and auto-approve the same command for the rest of the session. */
    z.literal("acceptForSession"),
    /** Run and persist an exec-policy prefix rule. */
    z.object({
      acceptWithExecpolicyAmendment: z.object({ execpolicy_amendment: z.array(z.string()) }),
    }),
    /** Persist a network rule. */
    z.object({
      applyNetworkPolicyAmendment: z.object({ network_policy_amendment: NetworkPolicyAmendmentSchema }),
    }),
    /** Do not run; the model is told and the turn continues. */
    z.literal("decline"),
    /** Do not run and interrupt the turn. */
    z.literal("cancel"),
  ]),
);
export type CommandExecutionApprovalDecision = z.infer<typeof CommandExecutionApprovalDecisionSchema>;

export const CommandExecutionRequestApprovalParamsSchema = named(
  "CommandExecutionRequestApprovalParams",
  z.object({
    ...requestScope,
    /** Only for sub-command callbacks. */
    approvalId: z.string().nullish(),
    /** Model justification or network reason. */
    reason: z.string().nullish(),
    networkApprovalContext: NetworkApprovalContextSchema.nullish(),
    command: z.string().nullish(),
    cwd: z.string().nullish(),
    commandActions: z.array(CommandActionSchema).nullish(),
    /** Experimental. */
    additionalPermissions: RequestPermissionProfileSchema.nullish(),
    /** argv prefix rule the user may allow. */
    proposedExecpolicyAmendment: z.array(z.string()).nullish(),
    proposedNetworkPolicyAmendments: z.array(NetworkPolicyAmendmentSchema).nullish(),
    /** Ordered choices to show. */
    availableDecisions: z.array(CommandExecutionApprovalDecisionSchema).nullish(),
    /** [cur] */
    environmentId: z.string().nullish(),
    /** [cur] What is reviewed; Codex's default is `command`. */
    kind: z.enum(["command", "writeStdin", "humanCommand"]).optional(),
  }),
);
export type CommandExecutionRequestApprovalParams = z.infer<
  typeof CommandExecutionRequestApprovalParamsSchema
>;

export const CommandExecutionRequestApprovalResponseSchema = named(
  "CommandExecutionRequestApprovalResponse",
  z.object({ decision: CommandExecutionApprovalDecisionSchema }),
);
export type CommandExecutionRequestApprovalResponse = z.infer<
  typeof CommandExecutionRequestApprovalResponseSchema
>;

export const FileChangeApprovalDecisionSchema = named(
  "FileChangeApprovalDecision",
  z.enum(["accept", "acceptForSession", "decline", "cancel"]),
);
export type FileChangeApprovalDecision = z.infer<typeof FileChangeApprovalDecisionSchema>;

export const FileChangeRequestApprovalParamsSchema = named(
  "FileChangeRequestApprovalParams",
  z.object({
    ...requestScope,
    reason: z.string().nullish(),
    /** A root the model asks to make writable for the rest of the session. */
    grantRoot: z.string().nullish(),
  }),
);
export type FileChangeRequestApprovalParams = z.infer<typeof FileChangeRequestApprovalParamsSchema>;

export const FileChangeRequestApprovalResponseSchema = named(
  "FileChangeRequestApprovalResponse",
  z.object({ decision: FileChangeApprovalDecisionSchema }),
);
export type FileChangeRequestApprovalResponse = z.infer<typeof FileChangeRequestApprovalResponseSchema>;

export const PermissionsRequestApprovalParamsSchema = named(
  "PermissionsRequestApprovalParams",
  z.object({
    ...requestScope,
    cwd: z.string(),
    reason: z.string().nullable(),
    /** Absolute paths. */
    permissions: RequestPermissionProfileSchema,
    /** [cur] */
    environmentId: z.string().nullish(),
  }),
);
export type PermissionsRequestApprovalParams = z.infer<typeof PermissionsRequestApprovalParamsSchema>;

export const PermissionGrantScopeSchema = named("PermissionGrantScope", z.enum(["turn", "session"]));

export const PermissionsRequestApprovalResponseSchema = named(
  "PermissionsRequestApprovalResponse",
  /** The granted subset: omitted parts are denied, parts not requested are ignored. */
  z.object({
    permissions: RequestPermissionProfileSchema,
    scope: PermissionGrantScopeSchema,
    strictAutoReview: z.boolean().nullish(),
  }),
);
export type PermissionsRequestApprovalResponse = z.infer<typeof PermissionsRequestApprovalResponseSchema>;

// Experimental: request_user_input.

export const ToolRequestUserInputQuestionSchema = named(
  "ToolRequestUserInputQuestion",
  z.object({
    id: z.string(),
    header: z.string(),
    question: z.string(),
    isOther: z.boolean(),
    isSecret: z.boolean(),
    options: z.array(z.object({ label: z.string(), description: z.string() })).nullable(),
  }),
);

export const ToolRequestUserInputParamsSchema = named(
  "ToolRequestUserInputParams",
  z.object({
    // Codex 0.169 sends no `startedAtMs` with questions.
    threadId: requestScope.threadId,
    turnId: requestScope.turnId,
    itemId: requestScope.itemId,
    questions: z.array(ToolRequestUserInputQuestionSchema),
    /** [cur] */
    isBlocking: z.boolean(),
    /** [cur] deprecated in favour of `isBlocking`; Codex sends null. */
    autoResolutionMs: z.number().int().nonnegative().nullish(),
  }),
);
export type ToolRequestUserInputParams = z.infer<typeof ToolRequestUserInputParamsSchema>;

export const ToolRequestUserInputResponseSchema = named(
  "ToolRequestUserInputResponse",
  z.object({ answers: z.record(z.string(), z.object({ answers: z.array(z.string()) })) }),
);
export type ToolRequestUserInputResponse = z.infer<typeof ToolRequestUserInputResponseSchema>;

// Experimental: dynamic tools implemented by the client.

export const DynamicToolCallParamsSchema = named(
  "DynamicToolCallParams",
  z.object({
    threadId: z.string(),
    turnId: z.string(),
    callId: z.string(),
    namespace: z.string().nullable(),
    tool: z.string(),
    arguments: JsonValueSchema,
  }),
);
export type DynamicToolCallParams = z.infer<typeof DynamicToolCallParamsSchema>;

export const DynamicToolCallResponseSchema = named(
  "DynamicToolCallResponse",
  z.object({ contentItems: z.array(DynamicToolCallOutputContentItemSchema), success: z.boolean() }),
);
export type DynamicToolCallResponse = z.infer<typeof DynamicToolCallResponseSchema>;

// MCP elicitation.

export const McpServerElicitationRequestParamsSchema = named(
  "McpServerElicitationRequestParams",
  z.union([
    z.object({
      threadId: z.string(),
      turnId: z.string().nullable(),
      serverName: z.string(),
      mode: z.literal("form"),
      message: z.string(),
      requestedSchema: JsonValueSchema,
      _meta: JsonValueSchema.optional(),
    }),
    z.object({
      threadId: z.string(),
      turnId: z.string().nullable(),
      serverName: z.string(),
      mode: z.literal("url"),
      message: z.string(),
      url: z.string(),
      elicitationId: z.string(),
      _meta: JsonValueSchema.optional(),
    }),
  ]),
);
export type McpServerElicitationRequestParams = z.infer<typeof McpServerElicitationRequestParamsSchema>;

export const McpServerElicitationRequestResponseSchema = named(
  "McpServerElicitationRequestResponse",
  z.object({
    action: z.enum(["accept", "decline", "cancel"]),
    content: JsonValueSchema.nullish(),
    _meta: JsonValueSchema.nullish(),
  }),
);
export type McpServerElicitationRequestResponse = z.infer<typeof McpServerElicitationRequestResponseSchema>;

/** Sent to every recipient once a server request was answered or withdrawn. */
export const ServerRequestResolvedNotificationSchema = named(
  "ServerRequestResolvedNotification",
  z.object({ threadId: z.string(), requestId: RequestIdSchema }),
);
export type ServerRequestResolvedNotification = z.infer<typeof ServerRequestResolvedNotificationSchema>;
