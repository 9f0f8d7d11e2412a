import { z } from "zod";
import { JsonValueSchema, ReasoningEffortSchema } from "./shared.js";
import { named } from "./names.js";

/** Turn input and the ThreadItem union (spec app-server.md §5.3, §8), plus item notifications. */

export const ByteRangeSchema = named(
  "ByteRange",
  z.object({ start: z.number().int(), end: z.number().int() }),
);

export const TextElementSchema = named(
  "TextElement",
  z.object({ byteRange: ByteRangeSchema, placeholder: z.string().nullish() }),
);
export type TextElement = z.infer<typeof TextElementSchema>;

export const ImageDetailSchema = named("ImageDetail", z.enum(["auto", "low", "high", "original"]));

export const UserInputSchema = named(
  "UserInput",
  z.discriminatedUnion("type", [
    z.object({
      type: z.literal("text"),
      text: z.string(),
      /** snake_case on the wire; missing means []. */
      text_elements: z.array(TextElementSchema).default(() => []),
    }),
    z.object({ type: z.literal("image"), url: z.string(), detail: ImageDetailSchema.nullish() }),
    z.object({ type: z.literal("localImage"), path: z.string(), detail: ImageDetailSchema.nullish() }),
    /** `path` points at the skill's SKILL.md. */
    z.object({ type: z.literal("skill"), name: z.string(), path: z.string() }),
    /** `path` is `app://<id>` or `plugin://<name>@<marketplace>`. */
    z.object({ type: z.literal("mention"), name: z.string(), path: z.string() }),
  ]),
);
export type UserInput = z.infer<typeof UserInputSchema>;

export const CommandActionSchema = named(
  "CommandAction",
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("read"), command: z.string(), name: z.string(), path: z.string() }),
    z.object({ type: z.literal("listFiles"), command: z.string(), path: z.string().nullable() }),
    z.object({
      type: z.literal("search"),
      command: z.string(),
      query: z.string().nullable(),
      path: z.string().nullable(),
    }),
    z.object({ type: z.literal("unknown"), command: z.string() }),
  ]),
);
export type CommandAction = z.infer<typeof CommandActionSchema>;

export const CommandExecutionStatusSchema = named(
  "CommandExecutionStatus",
  z.enum(["inProgress", "completed", "failed", "declined"]),
);
export const PatchApplyStatusSchema = named(
  "PatchApplyStatus",
  z.enum(["inProgress", "completed", "failed", "declined"]),
);
export const McpToolCallStatusSchema = named(
  "McpToolCallStatus",
  z.enum(["inProgress", "completed", "failed"]),
);
export const DynamicToolCallStatusSchema = named(
  "DynamicToolCallStatus",
  z.enum(["inProgress", "completed", "failed"]),
);
export const CollabAgentToolCallStatusSchema = named(
  "CollabAgentToolCallStatus",
  z.enum(["inProgress", "completed", "failed"]),
);
export const CommandExecutionSourceSchema = named(
  "CommandExecutionSource",
  z.enum(["agent", "userShell", "unifiedExecStartup", "unifiedExecInteraction"]),
);
export const MessagePhaseSchema = named("MessagePhase", z.enum(["commentary", "final_answer"]));

export const PatchChangeKindSchema = named(
  "PatchChangeKind",
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("add") }),
    z.object({ type: z.literal("delete") }),
    z.object({ type: z.literal("update"), move_path: z.string().nullable() }),
  ]),
);

export const FileUpdateChangeSchema = named(
  "FileUpdateChange",
  /** `diff` is the file content for add, a unified diff for update. */
  z.object({ path: z.string(), kind: PatchChangeKindSchema, diff: z.string() }),
);
export type FileUpdateChange = z.infer<typeof FileUpdateChangeSchema>;

export const WebSearchActionSchema = named(
  "WebSearchAction",
  z.discriminatedUnion("type", [
    z.object({
      type: z.literal("search"),
      query: z.string().nullish(),
      queries: z.array(z.string()).nullish(),
    }),
    z.object({ type: z.literal("openPage"), url: z.string().nullish() }),
    z.object({ type: z.literal("findInPage"), url: z.string().nullish(), pattern: z.string().nullish() }),
    z.object({ type: z.literal("other") }),
  ]),
);
export type WebSearchAction = z.infer<typeof WebSearchActionSchema>;

export const DynamicToolCallOutputContentItemSchema = named(
  "DynamicToolCallOutputContentItem",
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("inputText"), text: z.string() }),
    z.object({ type: z.literal("inputImage"), imageUrl: z.string() }),
  ]),
);

const itemBase = {
  id: z.string(),
  /** [cur] unix milliseconds. */
  startedAtMs: z.number().int().nullish(),
  /** [cur] unix milliseconds. */
  completedAtMs: z.number().int().nullish(),
};

export const UserMessageItemSchema = z.object({
  type: z.literal("userMessage"),
  ...itemBase,
  content: z.array(UserInputSchema),
  /** [cur] echo of turn/start `clientUserMessageId`. */
  clientId: z.string().nullish(),
});
export const HookPromptItemSchema = z.object({
  type: z.literal("hookPrompt"),
  ...itemBase,
  fragments: z.array(z.object({ text: z.string(), hookRunId: z.string() })),
});
export const AgentMessageItemSchema = z.object({
  type: z.literal("agentMessage"),
  ...itemBase,
  /** "" in item/started; the full text in item/completed. */
  text: z.string(),
  phase: MessagePhaseSchema.nullable(),
  memoryCitation: z.object({ entries: z.array(JsonValueSchema), threadIds: z.array(z.string()) }).nullable(),
});
export const PlanItemSchema = z.object({ type: z.literal("plan"), ...itemBase, text: z.string() });
export const ReasoningThreadItemSchema = z.object({
  type: z.literal("reasoning"),
  ...itemBase,
  summary: z.array(z.string()),
  content: z.array(z.string()),
});
export const CommandExecutionItemSchema = z.object({
  type: z.literal("commandExecution"),
  ...itemBase,
  /** Shell-quoted argv, e.g. `/bin/bash -lc '…'`. */
  command: z.string(),
  cwd: z.string(),
  processId: z.string().nullable(),
  source: CommandExecutionSourceSchema,
  status: CommandExecutionStatusSchema,
  commandActions: z.array(CommandActionSchema),
  aggregatedOutput: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
});
export const FileChangeItemSchema = z.object({
  type: z.literal("fileChange"),
  ...itemBase,
  changes: z.array(FileUpdateChangeSchema),
  status: PatchApplyStatusSchema,
});
export const McpToolCallItemSchema = z.object({
  type: z.literal("mcpToolCall"),
  ...itemBase,
  server: z.string(),
  tool: z.string(),
  status: McpToolCallStatusSchema,
  arguments: JsonValueSchema,
  mcpAppResourceUri: z.string().nullish(),
  result: z
    .object({
      content: z.array(JsonValueSchema),
      structuredContent: JsonValueSchema,
      _meta: JsonValueSchema,
    })
    .nullable(),
  error: z.object({ message: z.string() }).nullable(),
  durationMs: z.number().int().nullable(),
  /** [cur] The tool's `readOnlyHint` annotation. */
  readOnlyHint: z.boolean().nullish(),
  /** [cur] Apps and plugins (OpenAI services): always null in keel. */
  appContext: JsonValueSchema.nullish(),
  mcpAppUi: JsonValueSchema.nullish(),
  pluginId: z.string().nullish(),
});
export const DynamicToolCallItemSchema = z.object({
  type: z.literal("dynamicToolCall"),
  ...itemBase,
  namespace: z.string().nullable(),
  tool: z.string(),
  arguments: JsonValueSchema,
  status: DynamicToolCallStatusSchema,
  contentItems: z.array(DynamicToolCallOutputContentItemSchema).nullable(),
  success: z.boolean().nullable(),
  durationMs: z.number().int().nullable(),
});
export const CollabAgentToolCallItemSchema = z.object({
  type: z.literal("collabAgentToolCall"),
  ...itemBase,
  tool: z.enum(["spawnAgent", "sendInput", "resumeAgent", "wait", "closeAgent"]),
  status: CollabAgentToolCallStatusSchema,
  senderThreadId: z.string(),
  receiverThreadIds: z.array(z.string()),
  prompt: z.string().nullable(),
  model: z.string().nullable(),
  reasoningEffort: ReasoningEffortSchema.nullable(),
  agentsStates: z.record(z.string(), z.object({ status: z.string(), message: z.string().nullable() })),
});
export const WebSearchItemSchema = z.object({
  type: z.literal("webSearch"),
  ...itemBase,
  query: z.string(),
  action: WebSearchActionSchema.nullable(),
});
export const ImageViewItemSchema = z.object({ type: z.literal("imageView"), ...itemBase, path: z.string() });
export const ImageGenerationItemSchema = z.object({
  type: z.literal("imageGeneration"),
  ...itemBase,
  status: z.string(),
  revisedPrompt: z.string().nullable(),
  result: z.string(),
  savedPath: z.string().optional(),
});
export const EnteredReviewModeItemSchema = z.object({
  type: z.literal("enteredReviewMode"),
  ...itemBase,
  review: z.string(),
});
export const ExitedReviewModeItemSchema = z.object({
  type: z.literal("exitedReviewMode"),
  ...itemBase,
  review: z.string(),
});
export const ContextCompactionItemSchema = z.object({ type: z.literal("contextCompaction"), ...itemBase });

export const ThreadItemSchema = named(
  "ThreadItem",
  z.discriminatedUnion("type", [
    UserMessageItemSchema,
    HookPromptItemSchema,
    AgentMessageItemSchema,
    PlanItemSchema,
    ReasoningThreadItemSchema,
    CommandExecutionItemSchema,
    FileChangeItemSchema,
    McpToolCallItemSchema,
    DynamicToolCallItemSchema,
    CollabAgentToolCallItemSchema,
    WebSearchItemSchema,
    ImageViewItemSchema,
    ImageGenerationItemSchema,
    EnteredReviewModeItemSchema,
    ExitedReviewModeItemSchema,
    ContextCompactionItemSchema,
  ]),
);
export type ThreadItem = z.infer<typeof ThreadItemSchema>;
export type ThreadItemType = ThreadItem["type"];

// ---------------------------------------------------------------------------------------------
// Item notifications (§7.4)

const turnScope = { threadId: z.string(), turnId: z.string() };
const itemScope = { ...turnScope, itemId: z.string() };

export const ItemStartedNotificationSchema = named(
  "ItemStartedNotification",
  /** `startedAtMs` is required by [cur] clients; [seed] clients ignore it. */
  z.object({ item: ThreadItemSchema, ...turnScope, startedAtMs: z.number().int() }),
);
export type ItemStartedNotification = z.infer<typeof ItemStartedNotificationSchema>;

export const ItemCompletedNotificationSchema = named(
  "ItemCompletedNotification",
  z.object({
    item: ThreadItemSchema,
    ...turnScope,
    completedAtMs: z.number().int(),
    contentTokenCount: z.number().int().nullish(),
  }),
);
export type ItemCompletedNotification = z.infer<typeof ItemCompletedNotificationSchema>;

export const AgentMessageDeltaNotificationSchema = named(
  "AgentMessageDeltaNotification",
  z.object({ ...itemScope, delta: z.string() }),
);
export const PlanDeltaNotificationSchema = named(
  "PlanDeltaNotification",
  z.object({ ...itemScope, delta: z.string() }),
);
export const ReasoningSummaryTextDeltaNotificationSchema = named(
  "ReasoningSummaryTextDeltaNotification",
  z.object({ ...itemScope, delta: z.string(), summaryIndex: z.number().int() }),
);
export const ReasoningSummaryPartAddedNotificationSchema = named(
  "ReasoningSummaryPartAddedNotification",
  z.object({ ...itemScope, summaryIndex: z.number().int() }),
);
export const ReasoningTextDeltaNotificationSchema = named(
  "ReasoningTextDeltaNotification",
  z.object({ ...itemScope, delta: z.string(), contentIndex: z.number().int() }),
);
export const CommandExecutionOutputDeltaNotificationSchema = named(
  "CommandExecutionOutputDeltaNotification",
  /** UTF-8 text, stdout and stderr interleaved. */
  z.object({ ...itemScope, delta: z.string() }),
);
export const TerminalInteractionNotificationSchema = named(
  "TerminalInteractionNotification",
  z.object({ ...itemScope, processId: z.string(), stdin: z.string() }),
);
export const FileChangeOutputDeltaNotificationSchema = named(
  "FileChangeOutputDeltaNotification",
  z.object({ ...itemScope, delta: z.string() }),
);
export const McpToolCallProgressNotificationSchema = named(
  "McpToolCallProgressNotification",
  z.object({ ...itemScope, message: z.string() }),
);
