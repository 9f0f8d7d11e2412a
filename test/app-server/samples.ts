import type { z } from "zod";
import type { InitializeResponse } from "../../src/protocol/v2/initialize.js";
import {
  type ServerNotificationMethod,
  type ServerNotificationParams,
  type ServerRequestMethod,
  type ServerRequestParams,
  serverNotifications,
  serverRequests,
} from "../../src/protocol/v2/registry.js";
import type { Thread, ThreadStartResponse } from "../../src/protocol/v2/thread.js";
import type { Turn } from "../../src/protocol/v2/turn.js";

/**
 * Messages keel sends, built with keel's own types (so the compiler checks them) and parsed
 * with keel's schemas (so the runtime check agrees), condensed from the spec's captures.
 */

const threadId = "019db3f0-0000-7000-8000-000000000001";
const turnId = "019db3f0-0000-7000-8000-000000000002";

export const sampleThread: Thread = {
  id: threadId,
  forkedFromId: null,
  preview: "",
  ephemeral: false,
  modelProvider: "openai",
  createdAt: 1776890000,
  updatedAt: 1776890000,
  status: { type: "idle" },
  path: "/home/dev/.keel/sessions/2026/04/22/rollout-2026-04-22T13-33-20-thr.jsonl",
  cwd: "/home/dev/proj",
  cliVersion: "0.1.0",
  source: "vscode",
  agentNickname: null,
  agentRole: null,
  gitInfo: null,
  name: null,
  turns: [],
  sessionId: threadId,
  projectId: null,
};

export const sampleThreadStartResponse: ThreadStartResponse = {
  thread: sampleThread,
  model: "gpt-5.4",
  modelProvider: "openai",
  serviceTier: null,
  cwd: "/home/dev/proj",
  instructionSources: [],
  approvalPolicy: "on-request",
  approvalsReviewer: "user",
  sandbox: { type: "readOnly", access: { type: "fullAccess" }, networkAccess: false },
  permissionProfile: {
    network: { enabled: false },
    fileSystem: { entries: [{ path: { type: "special", value: { kind: "root" } }, access: "read" }] },
  },
  activePermissionProfile: { id: ":read-only", extends: null },
  reasoningEffort: null,
};

export const sampleInitializeResponse: InitializeResponse = {
  userAgent: "my_client/0.1.0 (Debian 12; x86_64) xterm (my_client; 0.1.0)",
  codexHome: "/home/dev/.keel",
  platformFamily: "unix",
  platformOs: "linux",
};

const runningTurn: Turn = {
  id: turnId,
  items: [],
  status: "inProgress",
  error: null,
  startedAt: 1776890010,
  completedAt: null,
  durationMs: null,
};

const usage = {
  totalTokens: 120,
  inputTokens: 100,
  cachedInputTokens: 0,
  outputTokens: 20,
  reasoningOutputTokens: 5,
};
const command = "/bin/bash -lc 'echo hello > out.txt && cat out.txt'";

type NotificationSample = {
  [M in ServerNotificationMethod]: { method: M; params: ServerNotificationParams<M> };
}[ServerNotificationMethod];

export const sampleNotifications: NotificationSample[] = [
  { method: "thread/started", params: { thread: sampleThread } },
  { method: "thread/status/changed", params: { threadId, status: { type: "active", activeFlags: [] } } },
  { method: "turn/started", params: { threadId, turn: runningTurn } },
  {
    method: "item/started",
    params: {
      threadId,
      turnId,
      startedAtMs: 1776890010100,
      item: {
        type: "userMessage",
        id: "u_1",
        content: [{ type: "text", text: "create out.txt", text_elements: [] }],
      },
    },
  },
  {
    method: "item/completed",
    params: {
      threadId,
      turnId,
      completedAtMs: 1776890010200,
      item: { type: "reasoning", id: "rs_1", summary: ["**Planning** run a command"], content: [] },
    },
  },
  {
    method: "item/reasoning/summaryPartAdded",
    params: { threadId, turnId, itemId: "rs_1", summaryIndex: 0 },
  },
  {
    method: "item/reasoning/summaryTextDelta",
    params: { threadId, turnId, itemId: "rs_1", delta: "**Planning**", summaryIndex: 0 },
  },
  {
    method: "thread/tokenUsage/updated",
    params: { threadId, turnId, tokenUsage: { total: usage, last: usage, modelContextWindow: 258400 } },
  },
  {
    method: "item/started",
    params: {
      threadId,
      turnId,
      startedAtMs: 1776890010300,
      item: {
        type: "commandExecution",
        id: "call_1",
        command,
        cwd: "/home/dev/proj",
        processId: null,
        source: "agent",
        status: "inProgress",
        commandActions: [{ type: "unknown", command: "echo hello > out.txt && cat out.txt" }],
        aggregatedOutput: null,
        exitCode: null,
        durationMs: null,
      },
    },
  },
  { method: "serverRequest/resolved", params: { threadId, requestId: 0 } },
  {
    method: "item/commandExecution/outputDelta",
    params: { threadId, turnId, itemId: "call_1", delta: "hello\n" },
  },
  {
    method: "item/completed",
    params: {
      threadId,
      turnId,
      completedAtMs: 1776890010400,
      item: {
        type: "fileChange",
        id: "call_2",
        changes: [
          {
            path: "/home/dev/proj/a.txt",
            kind: { type: "update", move_path: null },
            diff: "@@ -1 +1 @@\n-a\n+b\n",
          },
        ],
        status: "completed",
      },
    },
  },
  { method: "turn/diff/updated", params: { threadId, turnId, diff: "diff --git a/a.txt b/a.txt\n" } },
  {
    method: "turn/plan/updated",
    params: { threadId, turnId, explanation: null, plan: [{ step: "write the file", status: "inProgress" }] },
  },
  {
    method: "item/completed",
    params: {
      threadId,
      turnId,
      completedAtMs: 1776890010500,
      item: {
        type: "agentMessage",
        id: "msg_2",
        text: "The command finished.",
        phase: null,
        memoryCitation: null,
      },
    },
  },
  { method: "item/agentMessage/delta", params: { threadId, turnId, itemId: "msg_2", delta: "The command " } },
  {
    method: "account/rateLimits/updated",
    params: {
      rateLimits: {
        limitId: "codex",
        limitName: null,
        primary: null,
        secondary: null,
        credits: null,
        planType: null,
        rateLimitReachedType: null,
      },
    },
  },
  {
    method: "error",
    params: {
      threadId,
      turnId,
      willRetry: false,
      error: {
        message: "stream disconnected",
        codexErrorInfo: { responseStreamDisconnected: { httpStatusCode: null } },
        additionalDetails: null,
      },
    },
  },
  { method: "thread/status/changed", params: { threadId, status: { type: "idle" } } },
  {
    method: "turn/completed",
    params: {
      threadId,
      turn: { ...runningTurn, status: "completed", completedAt: 1776890011, durationMs: 183 },
    },
  },
  { method: "warning", params: { threadId, message: "Model metadata for `mock-model` not found." } },
  { method: "deprecationNotice", params: { summary: "`on-failure` is deprecated", details: null } },
  { method: "configWarning", params: { summary: "untrusted project config ignored", details: null } },
  {
    method: "mcpServer/startupStatus/updated",
    params: { threadId, name: "docs", status: "ready", error: null, failureReason: null },
  },
  {
    method: "mcpServer/startupStatus/updated",
    params: {
      threadId,
      name: "web",
      status: "failed",
      error: "MCP client for `web` failed to start: x",
      failureReason: null,
    },
  },
  {
    method: "mcpServer/oauthLogin/completed",
    params: { name: "web", success: true, error: null, loginId: "login-1", threadId: null },
  },
  { method: "thread/name/updated", params: { threadId, threadName: "Probe thread" } },
  { method: "thread/archived", params: { threadId } },
  { method: "thread/closed", params: { threadId } },
  { method: "skills/changed", params: {} },
];

type RequestSample = {
  [M in ServerRequestMethod]: { id: number; method: M; params: ServerRequestParams<M> };
}[ServerRequestMethod];

export const sampleServerRequests: RequestSample[] = [
  {
    id: 0,
    method: "item/commandExecution/requestApproval",
    params: {
      threadId,
      turnId,
      itemId: "call_1",
      startedAtMs: 1776890010300,
      reason: "need to write a file",
      command,
      cwd: "/home/dev/proj",
      commandActions: [{ type: "unknown", command: "echo hello > out.txt && cat out.txt" }],
      proposedExecpolicyAmendment: ["/bin/bash", "-lc", "echo hello > out.txt && cat out.txt"],
      availableDecisions: [
        "accept",
        { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["/bin/bash", "-lc", "echo hello"] } },
        "cancel",
      ],
    },
  },
  {
    id: 1,
    method: "item/fileChange/requestApproval",
    params: { threadId, turnId, itemId: "call_2", startedAtMs: 1776890010350, reason: null, grantRoot: null },
  },
  {
    id: 2,
    method: "item/permissions/requestApproval",
    params: {
      threadId,
      turnId,
      itemId: "call_3",
      startedAtMs: 1776890010360,
      cwd: "/home/dev/proj",
      reason: "needs the network",
      permissions: { network: { enabled: true }, fileSystem: null },
    },
  },
];

/** Parses each sample with keel's own schema, as a guard that the samples are really keel output. */
export function parseWithKeelSchemas(): void {
  for (const { method, params } of sampleNotifications) {
    (serverNotifications[method].params as z.ZodType).parse(params);
  }
  for (const { method, params } of sampleServerRequests) {
    (serverRequests[method].params as z.ZodType).parse(params);
  }
}
