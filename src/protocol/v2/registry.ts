import type { z } from "zod";
import * as account from "./account.js";
import * as approvals from "./approvals.js";
import * as commandExec from "./command-exec.js";
import * as config from "./config.js";
import * as fsWire from "./fs.js";
import * as fuzzy from "./fuzzy-search.js";
import * as init from "./initialize.js";
import * as items from "./items.js";
import * as mcp from "./mcp.js";
import * as model from "./model.js";
import * as misc from "./misc.js";
import * as permissionProfile from "./permissionProfile.js";
import * as permissionsExplain from "./permissions-explain.js";
import * as proc from "./process.js";
import * as remembered from "./remembered-approvals.js";
import * as review from "./review.js";
import { EmptyResponseSchema, NoParamsSchema } from "./shared.js";
import * as thread from "./thread.js";
import * as threadManage from "./thread-manage.js";
import * as turn from "./turn.js";

/**
 * Every method of the v2 surface keel implements, with its schemas. This table drives request
 * validation, routing, experimental gating and schema generation, so a method added here is
 * automatically validated, documented and generated.
 */

/** An enum variant that is experimental wherever it appears in `field` (`askForApproval.granular`). */
export interface ExperimentalVariant {
  readonly field: string;
  readonly variant: string;
  readonly descriptor: string;
}

export interface RequestSpec {
  readonly params: z.ZodType;
  readonly result: z.ZodType;
  readonly description: string;
  /** The whole method needs the `experimentalApi` capability. */
  readonly experimental?: boolean;
  /** Top-level params fields that need the capability when set (not null/false). */
  readonly experimentalFields?: readonly string[];
  readonly experimentalVariants?: readonly ExperimentalVariant[];
  /** Pairs of params fields that must not both be set (non-null): `a` cannot be combined with `b`. */
  readonly exclusiveFields?: readonly (readonly [string, string])[];
}

export interface NotificationSpec {
  readonly params: z.ZodType;
  readonly description: string;
  readonly experimental?: boolean;
  /** Top-level params fields omitted for clients without the `experimentalApi` capability. */
  readonly experimentalFields?: readonly string[];
}

const granular: ExperimentalVariant = {
  field: "approvalPolicy",
  variant: "granular",
  descriptor: "askForApproval.granular",
};

/** [cur] fields that are experimental on every thread-creating method. */
const curPermissionFields = ["permissions", "runtimeWorkspaceRoots"] as const;

/** One way to say which permissions apply (spec §2, §10): new fields vs the legacy one. */
const threadPermissionConflicts = [
  ["permissionProfile", "sandbox"],
  ["permissions", "sandbox"],
  ["permissions", "permissionProfile"],
] as const;
const turnPermissionConflicts = [
  ["permissionProfile", "sandboxPolicy"],
  ["permissions", "sandboxPolicy"],
  ["permissions", "permissionProfile"],
] as const;

export const clientRequests = {
  initialize: {
    params: init.InitializeParamsSchema,
    result: init.InitializeResponseSchema,
    description: "Handshake; must be the first request on a connection.",
  },
  "thread/start": {
    params: thread.ThreadStartParamsSchema,
    result: thread.ThreadStartResponseSchema,
    description: "Start a new thread (conversation) and subscribe to it.",
    experimentalFields: [
      "dynamicTools",
      "experimentalRawEvents",
      "persistExtendedHistory",
      "mockExperimentalField",
      "historyMode",
      "environments",
      ...curPermissionFields,
    ],
    experimentalVariants: [granular],
    exclusiveFields: threadPermissionConflicts,
  },
  "thread/resume": {
    params: thread.ThreadResumeParamsSchema,
    result: thread.ThreadResumeResponseSchema,
    description: "Load a stored thread (or re-subscribe to a loaded one) and return its turns.",
    experimentalFields: ["persistExtendedHistory", ...curPermissionFields],
    experimentalVariants: [granular],
    exclusiveFields: threadPermissionConflicts,
  },
  "thread/fork": {
    params: thread.ThreadForkParamsSchema,
    result: thread.ThreadForkResponseSchema,
    description: "Copy a thread's history into a new thread and subscribe to it.",
    experimentalFields: ["persistExtendedHistory", ...curPermissionFields],
    experimentalVariants: [granular],
    exclusiveFields: [...threadPermissionConflicts, ["beforeTurnId", "lastTurnId"]],
  },
  "thread/list": {
    params: thread.ThreadListParamsSchema,
    result: thread.ThreadListResponseSchema,
    description: "List stored threads, newest first, with cursor pagination.",
  },
  "thread/read": {
    params: thread.ThreadReadParamsSchema,
    result: thread.ThreadReadResponseSchema,
    description: "Read one thread, optionally with its turns.",
  },
  "thread/turns/list": {
    params: thread.ThreadTurnsListParamsSchema,
    result: thread.ThreadTurnsListResponseSchema,
    description: "Page through a thread's turns (rebuilt from its rollout).",
  },
  "thread/loaded/list": {
    params: thread.ThreadLoadedListParamsSchema,
    result: thread.ThreadLoadedListResponseSchema,
    description: "List the ids of threads loaded in this server.",
  },
  "thread/name/set": {
    params: thread.ThreadSetNameParamsSchema,
    result: EmptyResponseSchema,
    description: "Set a thread's user-facing name.",
  },
  "thread/archive": {
    params: thread.ThreadArchiveParamsSchema,
    result: EmptyResponseSchema,
    description: "Move a thread's rollout to the archive.",
  },
  "thread/unarchive": {
    params: thread.ThreadUnarchiveParamsSchema,
    result: thread.ThreadUnarchiveResponseSchema,
    description: "Restore an archived thread.",
  },
  "thread/unsubscribe": {
    params: thread.ThreadUnsubscribeParamsSchema,
    result: thread.ThreadUnsubscribeResponseSchema,
    description: "Stop receiving a thread's notifications on this connection.",
  },
  "thread/compact/start": {
    params: thread.ThreadCompactStartParamsSchema,
    result: EmptyResponseSchema,
    description: "Run a compaction turn that summarises the history.",
  },
  "thread/rollback": {
    params: thread.ThreadRollbackParamsSchema,
    result: thread.ThreadRollbackResponseSchema,
    description: "Drop the last N user turns from a thread.",
  },
  "thread/shellCommand": {
    params: thread.ThreadShellCommandParamsSchema,
    result: EmptyResponseSchema,
    description: "Run a user `!` shell command in a thread (unsandboxed).",
  },
  "command/exec": {
    params: commandExec.CommandExecParamsSchema,
    result: commandExec.CommandExecResponseSchema,
    description: "Run a standalone command under the configured sandbox; answers when it exits.",
    exclusiveFields: [["permissionProfile", "sandboxPolicy"]],
  },
  "command/exec/write": {
    params: commandExec.CommandExecWriteParamsSchema,
    result: EmptyResponseSchema,
    description: "Write base64 bytes to a running command/exec terminal.",
  },
  "command/exec/resize": {
    params: commandExec.CommandExecResizeParamsSchema,
    result: EmptyResponseSchema,
    description: "Resize the terminal of a running command/exec tty process.",
  },
  "command/exec/terminate": {
    params: commandExec.CommandExecTerminateParamsSchema,
    result: EmptyResponseSchema,
    description: "Kill a running command/exec process.",
  },
  "process/spawn": {
    params: proc.ProcessSpawnParamsSchema,
    result: EmptyResponseSchema,
    description: "Start an unsandboxed process on the server's host; output and exit come as notifications.",
    experimental: true,
  },
  "process/writeStdin": {
    params: proc.ProcessWriteStdinParamsSchema,
    result: EmptyResponseSchema,
    description: "Write base64 bytes to (or close) the stdin of a process/spawn process.",
    experimental: true,
  },
  "process/resizePty": {
    params: proc.ProcessResizePtyParamsSchema,
    result: EmptyResponseSchema,
    description: "Resize the terminal of a process/spawn tty process.",
    experimental: true,
  },
  "process/kill": {
    params: proc.ProcessKillParamsSchema,
    result: EmptyResponseSchema,
    description: "Kill a process/spawn process (it exits with 137).",
    experimental: true,
  },
  "fs/readFile": {
    params: fsWire.FsReadFileParamsSchema,
    result: fsWire.FsReadFileResponseSchema,
    description: "Read a host file (base64); the client's own access, outside any thread's sandbox.",
  },
  "fs/writeFile": {
    params: fsWire.FsWriteFileParamsSchema,
    result: EmptyResponseSchema,
    description: "Write a host file from base64.",
  },
  "fs/createDirectory": {
    params: fsWire.FsCreateDirectoryParamsSchema,
    result: EmptyResponseSchema,
    description: "Create a host directory (with its parents unless recursive is false).",
  },
  "fs/getMetadata": {
    params: fsWire.FsGetMetadataParamsSchema,
    result: fsWire.FsGetMetadataResponseSchema,
    description: "Type and times of a host path.",
  },
  "fs/readDirectory": {
    params: fsWire.FsReadDirectoryParamsSchema,
    result: fsWire.FsReadDirectoryResponseSchema,
    description: "The direct children of a host directory.",
  },
  "fs/remove": {
    params: fsWire.FsRemoveParamsSchema,
    result: EmptyResponseSchema,
    description: "Remove a host file or directory tree.",
  },
  "fs/copy": {
    params: fsWire.FsCopyParamsSchema,
    result: EmptyResponseSchema,
    description: "Copy a host file, symlink or (recursive) directory tree.",
  },
  "fs/watch": {
    params: fsWire.FsWatchParamsSchema,
    result: fsWire.FsWatchResponseSchema,
    description: "Report changes of a host path (and a directory's direct children) as fs/changed.",
  },
  "fs/unwatch": {
    params: fsWire.FsUnwatchParamsSchema,
    result: EmptyResponseSchema,
    description: "Stop an fs/watch.",
  },
  fuzzyFileSearch: {
    params: fuzzy.FuzzyFileSearchParamsSchema,
    result: fuzzy.FuzzyFileSearchResponseSchema,
    description: "Fuzzy-match file and directory paths under roots, honouring .gitignore.",
  },
  "fuzzyFileSearch/sessionStart": {
    params: fuzzy.FuzzyFileSearchSessionStartParamsSchema,
    result: EmptyResponseSchema,
    description: "Index roots once for a series of fuzzy queries.",
    experimental: true,
  },
  "fuzzyFileSearch/sessionUpdate": {
    params: fuzzy.FuzzyFileSearchSessionUpdateParamsSchema,
    result: EmptyResponseSchema,
    description: "Set a session's query; results come as fuzzyFileSearch/sessionUpdated.",
    experimental: true,
  },
  "fuzzyFileSearch/sessionStop": {
    params: fuzzy.FuzzyFileSearchSessionStopParamsSchema,
    result: EmptyResponseSchema,
    description: "End a fuzzy file search session.",
    experimental: true,
  },
  "thread/metadata/update": {
    params: thread.ThreadMetadataUpdateParamsSchema,
    result: thread.ThreadMetadataUpdateResponseSchema,
    description: "Update a thread's git metadata.",
  },
  "thread/delete": {
    params: threadManage.ThreadDeleteParamsSchema,
    result: EmptyResponseSchema,
    description: "Delete a stored thread: its rollout file, name and index row.",
  },
  "thread/revert": {
    params: threadManage.ThreadRevertParamsSchema,
    result: threadManage.ThreadRevertResponseSchema,
    description: "Cut a thread's stored history before one turn (local files are not reverted).",
  },
  "thread/items/list": {
    params: threadManage.ThreadItemsListParamsSchema,
    result: threadManage.ThreadItemsListResponseSchema,
    description: "Page through a thread's items, across turns or within one turn.",
  },
  "thread/search": {
    params: threadManage.ThreadSearchParamsSchema,
    result: threadManage.ThreadSearchResponseSchema,
    description: "Find stored threads whose title or messages contain a text, with a snippet.",
    experimental: true,
  },
  "thread/settings/update": {
    params: threadManage.ThreadSettingsUpdateParamsSchema,
    result: EmptyResponseSchema,
    description: "Change a loaded thread's settings for its later turns (checked like turn/start's).",
    experimental: true,
    exclusiveFields: [["permissions", "sandboxPolicy"]],
  },
  "turn/settings/update": {
    params: threadManage.TurnSettingsUpdateParamsSchema,
    result: threadManage.TurnSettingsUpdateResponseSchema,
    description:
      "Change the model, effort, summary, service tier or reviewer for the rest of a running turn (not later turns).",
    experimental: true,
  },
  "thread/backgroundTerminals/list": {
    params: thread.ThreadBackgroundTerminalsListParamsSchema,
    result: thread.ThreadBackgroundTerminalsListResponseSchema,
    description: "List the running background terminals of a thread.",
    experimental: true,
  },
  "thread/backgroundTerminals/terminate": {
    params: thread.ThreadBackgroundTerminalsTerminateParamsSchema,
    result: thread.ThreadBackgroundTerminalsTerminateResponseSchema,
    description: "Kill one background terminal of a thread.",
    experimental: true,
  },
  "thread/backgroundTerminals/clean": {
    params: thread.ThreadBackgroundTerminalsCleanParamsSchema,
    result: EmptyResponseSchema,
    description: "Kill the background terminals of a thread.",
    experimental: true,
  },
  "thread/approvals/list": {
    params: remembered.ThreadApprovalsListParamsSchema,
    result: remembered.ThreadApprovalsListResponseSchema,
    description: "List what a loaded thread's session remembers approving (commands, amendments, MCP tools).",
    experimental: true,
  },
  "thread/approvals/revoke": {
    params: remembered.ThreadApprovalsRevokeParamsSchema,
    result: remembered.ThreadApprovalsRevokeResponseSchema,
    description: "Forget one remembered approval; an amendment's default.rules line is removed too.",
    experimental: true,
  },
  "turn/start": {
    params: turn.TurnStartParamsSchema,
    result: turn.TurnStartResponseSchema,
    description: "Send user input and start a turn; progress arrives as notifications.",
    experimentalFields: ["collaborationMode", "environments", ...curPermissionFields],
    experimentalVariants: [granular],
    exclusiveFields: turnPermissionConflicts,
  },
  "turn/steer": {
    params: turn.TurnSteerParamsSchema,
    result: turn.TurnSteerResponseSchema,
    description: "Add input to the running turn.",
  },
  "turn/interrupt": {
    params: turn.TurnInterruptParamsSchema,
    result: turn.TurnInterruptResponseSchema,
    description: "Interrupt the running turn.",
  },
  "review/start": {
    params: review.ReviewStartParamsSchema,
    result: review.ReviewStartResponseSchema,
    description:
      "Start a code review (uncommitted changes, a base branch, a commit or custom instructions) as a turn.",
  },
  "config/read": {
    params: config.ConfigReadParamsSchema,
    result: config.ConfigReadResponseSchema,
    description: "Read the effective configuration (config.toml keys).",
  },
  "config/value/write": {
    params: config.ConfigValueWriteParamsSchema,
    result: config.ConfigWriteResponseSchema,
    description: "Write one config.toml key, keeping comments (keel: the user config only).",
  },
  "config/batchWrite": {
    params: config.ConfigBatchWriteParamsSchema,
    result: config.ConfigWriteResponseSchema,
    description: "Write several config.toml keys at once, keeping comments (keel: the user config only).",
  },
  "configRequirements/read": {
    params: NoParamsSchema,
    result: config.ConfigRequirementsReadResponseSchema,
    description: "Read managed configuration requirements.",
  },
  "account/read": {
    params: account.GetAccountParamsSchema,
    result: account.GetAccountResponseSchema,
    description: "Read the signed-in account, if any.",
  },
  "account/rateLimits/read": {
    params: NoParamsSchema,
    result: account.GetAccountRateLimitsResponseSchema,
    description: "Read the account's rate limits (needs ChatGPT sign-in).",
  },
  "account/login/start": {
    params: account.LoginAccountParamsSchema,
    result: account.LoginAccountResponseSchema,
    description: "Log in with an API key (ChatGPT sign-in is not available in keel).",
  },
  "account/login/cancel": {
    params: account.CancelLoginAccountParamsSchema,
    result: account.CancelLoginAccountResponseSchema,
    description: "Cancel a pending ChatGPT login (keel never has one).",
  },
  "account/logout": {
    params: NoParamsSchema,
    result: EmptyResponseSchema,
    description: "Sign out.",
  },
  getAuthStatus: {
    params: account.GetAuthStatusParamsSchema,
    result: account.GetAuthStatusResponseSchema,
    description: "Legacy authentication status query.",
  },
  "account/bedrock/checkGovCloudRequirements": {
    params: NoParamsSchema,
    result: account.CheckGovCloudRequirementsResponseSchema,
    description: "Check Amazon Bedrock GovCloud requirements.",
  },
  "model/list": {
    params: model.ModelListParamsSchema,
    result: model.ModelListResponseSchema,
    description: "List the models the client can choose from.",
  },
  "modelProvider/list": {
    params: model.ModelProviderListParamsSchema,
    result: model.ModelProviderListResponseSchema,
    description: "List the model providers and the default one.",
  },
  "permissionProfile/list": {
    params: permissionProfile.PermissionProfileListParamsSchema,
    result: permissionProfile.PermissionProfileListResponseSchema,
    description: "List the permission profiles that can be selected.",
  },
  "permissions/explain": {
    params: permissionsExplain.PermissionsExplainParamsSchema,
    result: permissionsExplain.PermissionsExplainResponseSchema,
    description: "Whether a loaded thread's commands may read / write a path, and which entry decided.",
    experimental: true,
  },
  "skills/list": {
    params: misc.SkillsListParamsSchema,
    result: misc.SkillsListResponseSchema,
    description: "List skills available per working directory.",
  },
  "skills/extraRoots/set": {
    params: misc.SkillsExtraRootsSetParamsSchema,
    result: misc.SkillsExtraRootsSetResponseSchema,
    description: "Replace the extra skill roots (scanned as user skills).",
  },
  "skills/config/write": {
    params: misc.SkillsConfigWriteParamsSchema,
    result: misc.SkillsConfigWriteResponseSchema,
    description: "Enable or disable a skill by name or path in the user config.toml.",
  },
  "hooks/list": {
    params: misc.HooksListParamsSchema,
    result: misc.HooksListResponseSchema,
    description: "List configured hooks per working directory.",
  },
  "collaborationMode/list": {
    params: misc.CollaborationModeListParamsSchema,
    result: misc.CollaborationModeListResponseSchema,
    description: "List collaboration mode presets (plan, default).",
    experimental: true,
  },
  "mcpServerStatus/list": {
    params: mcp.ListMcpServerStatusParamsSchema,
    result: mcp.ListMcpServerStatusResponseSchema,
    description: "List configured MCP servers and their status (a loaded thread's, or freshly connected).",
  },
  "config/mcpServer/reload": {
    params: NoParamsSchema,
    result: mcp.McpServerRefreshResponseSchema,
    description: "Re-read the MCP server configuration and apply it to every loaded thread.",
  },
  "mcpServer/tool/call": {
    params: mcp.McpServerToolCallParamsSchema,
    result: mcp.McpServerToolCallResponseSchema,
    description: "Call an MCP tool of a loaded thread directly (no approval, no items).",
  },
  "mcpServer/resource/read": {
    params: mcp.McpResourceReadParamsSchema,
    result: mcp.McpResourceReadResponseSchema,
    description: "Read a resource from an MCP server.",
  },
  "mcpServer/oauth/login": {
    params: mcp.McpServerOauthLoginParamsSchema,
    result: mcp.McpServerOauthLoginResponseSchema,
    description: "Start an OAuth login for a streamable HTTP MCP server; completion is notified.",
  },
  "experimentalFeature/list": {
    params: misc.ExperimentalFeatureListParamsSchema,
    result: misc.ExperimentalFeatureListResponseSchema,
    description: "List keel's feature flags: stage, default and whether they are enabled.",
  },
  "experimentalFeature/enablement/set": {
    params: misc.ExperimentalFeatureEnablementSetParamsSchema,
    result: misc.ExperimentalFeatureEnablementSetResponseSchema,
    description: "Turn feature flags on or off for this server process (not written to config.toml).",
  },
  "feedback/save": {
    params: misc.FeedbackSaveParamsSchema,
    result: misc.FeedbackSaveResponseSchema,
    description: "Save a local feedback ZIP (thread rollout, config without secrets); nothing is uploaded.",
  },
  "plugin/list": {
    params: misc.PluginListParamsSchema,
    result: misc.PluginListResponseSchema,
    description: "List plugin marketplaces (none in keel).",
  },
  "plugin/installed": {
    params: misc.PluginInstalledParamsSchema,
    result: misc.PluginInstalledResponseSchema,
    description: "List installed plugins (none in keel).",
  },
  "app/list": {
    params: misc.AppsListParamsSchema,
    result: misc.AppsListResponseSchema,
    description: "List connected apps (none in keel).",
  },
} as const satisfies Record<string, RequestSpec>;

export const clientNotifications = {
  initialized: {
    params: init.InitializedNotificationSchema,
    description: "Sent by the client after the initialize response.",
  },
} as const satisfies Record<string, NotificationSpec>;

export const serverNotifications = {
  "command/exec/outputDelta": {
    params: commandExec.CommandExecOutputDeltaNotificationSchema,
    description: "Output of a streaming command/exec process (base64).",
  },
  "process/outputDelta": {
    params: proc.ProcessOutputDeltaNotificationSchema,
    description: "Output of a streaming process/spawn process (base64).",
    experimental: true,
  },
  "process/exited": {
    params: proc.ProcessExitedNotificationSchema,
    description: "A process/spawn process exited, with its buffered output.",
    experimental: true,
  },
  "fs/changed": {
    params: fsWire.FsChangedNotificationSchema,
    description: "Paths changed under an fs/watch.",
  },
  "fuzzyFileSearch/sessionUpdated": {
    params: fuzzy.FuzzyFileSearchSessionUpdatedNotificationSchema,
    description: "Results of a fuzzy file search session's query.",
    experimental: true,
  },
  "fuzzyFileSearch/sessionCompleted": {
    params: fuzzy.FuzzyFileSearchSessionCompletedNotificationSchema,
    description: "A fuzzy file search session finished its query.",
    experimental: true,
  },
  error: { params: turn.ErrorNotificationSchema, description: "A turn failed, or a retried stream error." },
  "thread/deleted": {
    params: threadManage.ThreadDeletedNotificationSchema,
    description: "A thread was deleted.",
  },
  "thread/settings/updated": {
    params: threadManage.ThreadSettingsUpdatedNotificationSchema,
    description: "A thread's settings for later turns changed (thread/settings/update).",
    experimental: true,
  },
  "thread/reverted": {
    params: threadManage.ThreadRevertedNotificationSchema,
    description: "A thread's history was cut back (thread/revert).",
  },
  "thread/started": {
    params: thread.ThreadStartedNotificationSchema,
    description: "A thread was started or forked.",
  },
  "thread/status/changed": {
    params: thread.ThreadStatusChangedNotificationSchema,
    description: "A loaded thread's status changed.",
  },
  "thread/archived": {
    params: thread.ThreadArchivedNotificationSchema,
    description: "A thread was archived.",
  },
  "thread/unarchived": {
    params: thread.ThreadUnarchivedNotificationSchema,
    description: "A thread was unarchived.",
  },
  "thread/closed": { params: thread.ThreadClosedNotificationSchema, description: "A thread was unloaded." },
  "thread/name/updated": {
    params: thread.ThreadNameUpdatedNotificationSchema,
    description: "A thread's name changed.",
  },
  "thread/tokenUsage/updated": {
    params: thread.ThreadTokenUsageUpdatedNotificationSchema,
    description: "Token usage after a model response.",
  },
  "thread/compacted": {
    params: thread.ContextCompactedNotificationSchema,
    description: "Deprecated: the history was compacted.",
  },
  "turn/started": { params: turn.TurnStartedNotificationSchema, description: "A turn started." },
  "turn/completed": { params: turn.TurnCompletedNotificationSchema, description: "A turn ended." },
  "turn/diff/updated": {
    params: turn.TurnDiffUpdatedNotificationSchema,
    description: "The turn's aggregated unified diff.",
  },
  "turn/plan/updated": {
    params: turn.TurnPlanUpdatedNotificationSchema,
    description: "The model updated its plan.",
  },
  "item/started": { params: items.ItemStartedNotificationSchema, description: "An item started." },
  "item/completed": { params: items.ItemCompletedNotificationSchema, description: "An item completed." },
  "item/agentMessage/delta": {
    params: items.AgentMessageDeltaNotificationSchema,
    description: "Streamed agent message text.",
  },
  "item/plan/delta": { params: items.PlanDeltaNotificationSchema, description: "Streamed plan text." },
  "item/reasoning/summaryTextDelta": {
    params: items.ReasoningSummaryTextDeltaNotificationSchema,
    description: "Streamed reasoning summary text.",
  },
  "item/reasoning/summaryPartAdded": {
    params: items.ReasoningSummaryPartAddedNotificationSchema,
    description: "A new reasoning summary section.",
  },
  "item/reasoning/textDelta": {
    params: items.ReasoningTextDeltaNotificationSchema,
    description: "Streamed raw reasoning text.",
  },
  "item/commandExecution/outputDelta": {
    params: items.CommandExecutionOutputDeltaNotificationSchema,
    description: "Command output chunk.",
  },
  "item/commandExecution/terminalInteraction": {
    params: items.TerminalInteractionNotificationSchema,
    description: "Input written to a running command.",
  },
  "item/fileChange/outputDelta": {
    params: items.FileChangeOutputDeltaNotificationSchema,
    description: "apply_patch tool output.",
  },
  "item/mcpToolCall/progress": {
    params: items.McpToolCallProgressNotificationSchema,
    description: "MCP tool call progress message.",
  },
  "serverRequest/resolved": {
    params: approvals.ServerRequestResolvedNotificationSchema,
    description: "A server request was answered or withdrawn.",
  },
  "mcpServer/startupStatus/updated": {
    params: misc.McpServerStatusUpdatedNotificationSchema,
    description: "An MCP server is starting, ready or failed.",
  },
  "mcpServer/oauthLogin/completed": {
    params: mcp.McpServerOauthLoginCompletedNotificationSchema,
    description: "An MCP server OAuth login finished (or failed).",
  },
  "account/updated": {
    params: account.AccountUpdatedNotificationSchema,
    description: "Authentication changed.",
  },
  "account/login/completed": {
    params: account.AccountLoginCompletedNotificationSchema,
    description: "A login finished (for an API key: right after account/login/start).",
  },
  "account/rateLimits/updated": {
    params: account.AccountRateLimitsUpdatedNotificationSchema,
    description: "Rate limits after a model response.",
  },
  "model/rerouted": {
    params: model.ModelReroutedNotificationSchema,
    description: "The request went to another model.",
  },
  warning: { params: misc.WarningNotificationSchema, description: "A warning to show the user." },
  deprecationNotice: {
    params: misc.DeprecationNoticeNotificationSchema,
    description: "A deprecated setting or call was used.",
  },
  configWarning: {
    params: config.ConfigWarningNotificationSchema,
    description: "A problem in the configuration.",
  },
  "skills/changed": { params: misc.SkillsChangedNotificationSchema, description: "Skills on disk changed." },
  "hook/started": { params: misc.HookStartedNotificationSchema, description: "A hook started running." },
  "hook/completed": { params: misc.HookCompletedNotificationSchema, description: "A hook finished." },
  "rawResponseItem/completed": {
    params: misc.RawResponseItemCompletedNotificationSchema,
    description: "A raw model item (threads started with experimentalRawEvents).",
    experimental: true,
  },
} as const satisfies Record<string, NotificationSpec>;

export const serverRequests = {
  "item/commandExecution/requestApproval": {
    params: approvals.CommandExecutionRequestApprovalParamsSchema,
    result: approvals.CommandExecutionRequestApprovalResponseSchema,
    description: "Ask the user to approve a command.",
    experimentalFields: ["additionalPermissions"],
  },
  "item/fileChange/requestApproval": {
    params: approvals.FileChangeRequestApprovalParamsSchema,
    result: approvals.FileChangeRequestApprovalResponseSchema,
    description: "Ask the user to approve file edits.",
  },
  "item/permissions/requestApproval": {
    params: approvals.PermissionsRequestApprovalParamsSchema,
    result: approvals.PermissionsRequestApprovalResponseSchema,
    description: "Ask the user to grant extra permissions.",
  },
  "item/tool/requestUserInput": {
    params: approvals.ToolRequestUserInputParamsSchema,
    result: approvals.ToolRequestUserInputResponseSchema,
    description: "Ask the user questions (request_user_input tool).",
    experimental: true,
  },
  "item/tool/call": {
    params: approvals.DynamicToolCallParamsSchema,
    result: approvals.DynamicToolCallResponseSchema,
    description: "Run a client-implemented dynamic tool.",
    experimental: true,
  },
  "mcpServer/elicitation/request": {
    params: approvals.McpServerElicitationRequestParamsSchema,
    result: approvals.McpServerElicitationRequestResponseSchema,
    description: "An MCP server asks the user for input.",
  },
} as const satisfies Record<string, RequestSpec>;

export type ClientRequests = typeof clientRequests;
export type ClientRequestMethod = keyof ClientRequests;
export type ClientRequestParams<M extends ClientRequestMethod> = z.output<ClientRequests[M]["params"]>;
export type ClientRequestResult<M extends ClientRequestMethod> = z.output<ClientRequests[M]["result"]>;

export type ServerNotifications = typeof serverNotifications;
export type ServerNotificationMethod = keyof ServerNotifications;
export type ServerNotificationParams<M extends ServerNotificationMethod> = z.output<
  ServerNotifications[M]["params"]
>;

export type ServerRequests = typeof serverRequests;
export type ServerRequestMethod = keyof ServerRequests;
export type ServerRequestParams<M extends ServerRequestMethod> = z.output<ServerRequests[M]["params"]>;
export type ServerRequestResult<M extends ServerRequestMethod> = z.output<ServerRequests[M]["result"]>;

export type ClientNotificationMethod = keyof typeof clientNotifications;
