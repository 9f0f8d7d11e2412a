// Representative inputs for the snapshot warm-up (snapshot-warmup.ts): what a client sends at the
// start of a session and what a three-turn keel rollout holds (a text turn, a turn that ran a
// command, a patch). Typed with keel's own wire types, so a schema change that these samples no
// longer satisfy fails to compile or fails test/cli/snapshot-warmup.test.ts.
import type { RolloutItem } from "../protocol/rollout.js";

const TURN_1 = "019ab000-0000-7000-8000-000000000001";
const TURN_2 = "019ab000-0000-7000-8000-000000000002";
const CALL = "call_warmup_1";
const PATCH_CALL = "call_warmup_2";

/** Client requests in the order a session starts: [method, params]. */
export function sampleRequests(cwd: string, threadId: string): Array<[string, unknown]> {
  const text = (t: string) => [{ type: "text", text: t, text_elements: [] }];
  return [
    [
      "initialize",
      {
        clientInfo: { name: "codex_vscode", title: "Codex", version: "0.169.0" },
        capabilities: { experimentalApi: true, optOutNotificationMethods: [] },
      },
    ],
    [
      "thread/start",
      {
        model: null,
        modelProvider: null,
        cwd,
        approvalPolicy: "on-request",
        sandbox: "workspace-write",
        config: { model_reasoning_effort: "medium" },
        baseInstructions: null,
        developerInstructions: null,
        ephemeral: false,
        experimentalRawEvents: false,
        persistExtendedHistory: false,
      },
    ],
    [
      "thread/start",
      {
        cwd,
        permissionProfile: {
          network: { enabled: false },
          fileSystem: {
            type: "restricted",
            entries: [
              { path: { type: "special", value: { kind: "root" } }, access: "read" },
              { path: { type: "special", value: { kind: "current_working_directory" } }, access: "write" },
              { path: { type: "glob_pattern", pattern: "**/*.env" }, access: "none" },
            ],
          },
        },
      },
    ],
    ["thread/resume", { threadId, cwd: null, model: null, persistExtendedHistory: false }],
    ["thread/fork", { threadId }],
    ["thread/read", { threadId, includeTurns: true }],
    ["thread/list", { limit: 25, cursor: null, sortKey: "updated_at", archived: false }],
    ["thread/loaded/list", {}],
    ["thread/name/set", { threadId, name: "warm-up" }],
    ["thread/archive", { threadId }],
    [
      "turn/start",
      {
        threadId,
        input: [...text("Say something short."), { type: "localImage", path: `${cwd}/a.png` }],
        cwd,
        approvalPolicy: "never",
        sandboxPolicy: { type: "workspaceWrite", writableRoots: [], networkAccess: false },
        model: "gpt-5.4",
        effort: "high",
        summary: "auto",
        outputSchema: { type: "object", properties: { answer: { type: "string" } } },
      },
    ],
    ["turn/steer", { threadId, input: text("Also this."), expectedTurnId: TURN_1 }],
    ["turn/interrupt", { threadId, turnId: TURN_1 }],
    ["config/read", { includeLayers: true, cwd }],
    ["configRequirements/read", {}],
    ["model/list", { limit: 50 }],
    ["account/read", { refreshToken: false }],
  ];
}

/** Replies a client sends to the server's approval requests. */
export const SAMPLE_APPROVAL_REPLIES: readonly unknown[] = [
  { decision: "accept" },
  { decision: "acceptForSession" },
  { decision: "decline" },
];

const RESTRICTED_ENTRIES = (cwd: string) => [
  { path: { type: "special", value: { kind: "root" } }, access: "read" },
  { path: { type: "special", value: { kind: "current_working_directory" } }, access: "write" },
  { path: { type: "special", value: { kind: "slash_tmp" } }, access: "write" },
  { path: { type: "special", value: { kind: "tmpdir" } }, access: "write" },
  { path: { type: "path", path: `${cwd}/.git` }, access: "read" },
  { path: { type: "glob_pattern", pattern: "**/*.env" }, access: "none" },
];

function turnContext(turnId: string, cwd: string): RolloutItem {
  return {
    type: "turn_context",
    payload: {
      turn_id: turnId,
      cwd,
      current_date: "2026-01-01",
      timezone: "UTC",
      approval_policy: "on-request",
      sandbox_policy: {
        type: "workspace-write",
        writable_roots: [],
        network_access: false,
        exclude_tmpdir_env_var: false,
        exclude_slash_tmp: false,
      },
      permission_profile: { network: { enabled: false }, file_system: { entries: RESTRICTED_ENTRIES(cwd) } },
      file_system_sandbox_policy: { kind: "restricted", entries: RESTRICTED_ENTRIES(cwd) },
      model: "gpt-5.4",
      personality: null,
      collaboration_mode: {
        mode: "default",
        settings: { model: "gpt-5.4", reasoning_effort: "medium", developer_instructions: null },
      },
      realtime_active: false,
      effort: "medium",
      summary: "auto",
    },
  };
}

const usage = (input: number, output: number) => ({
  input_tokens: input,
  cached_input_tokens: 0,
  output_tokens: output,
  reasoning_output_tokens: 0,
  total_tokens: input + output,
});

function tokenCount(input: number, output: number): RolloutItem {
  return {
    type: "event_msg",
    payload: {
      type: "token_count",
      info: {
        total_token_usage: usage(input, output),
        last_token_usage: usage(input, output),
        model_context_window: 272000,
      },
      rate_limits: null,
    },
  };
}

function userTurn(turnId: string, cwd: string, text: string): RolloutItem[] {
  return [
    {
      type: "event_msg",
      payload: {
        type: "task_started",
        turn_id: turnId,
        started_at: 1767225600,
        model_context_window: 272000,
      },
    },
    turnContext(turnId, cwd),
    {
      type: "response_item",
      payload: { type: "message", role: "user", content: [{ type: "input_text", text }] },
    },
    {
      type: "event_msg",
      payload: { type: "user_message", message: text, images: [], local_images: [], text_elements: [] },
    },
  ];
}

function answer(turnId: string, text: string): RolloutItem[] {
  return [
    { type: "event_msg", payload: { type: "agent_message", message: text, phase: "final_answer" } },
    {
      type: "response_item",
      payload: {
        type: "message",
        id: "msg_warmup",
        role: "assistant",
        content: [{ type: "output_text", text, annotations: [], logprobs: [] }],
        status: "completed",
      },
    },
    tokenCount(2000, 30),
    {
      type: "event_msg",
      payload: {
        type: "task_complete",
        turn_id: turnId,
        last_agent_message: text,
        completed_at: 1767225601,
        duration_ms: 900,
      },
    },
  ];
}

/** A keel rollout of two turns: an answer; then a command, a patch and an answer. */
export function sampleRollout(cwd: string, threadId: string): RolloutItem[] {
  return [
    {
      type: "session_meta",
      payload: {
        id: threadId,
        timestamp: "2026-01-01T00:00:00.000Z",
        cwd,
        originator: "codex_vscode",
        cli_version: "0.1.0",
        source: "vscode",
        model_provider: "openai",
        base_instructions: { text: "You are keel." },
        git: {
          commit_hash: "0123456789abcdef0123456789abcdef01234567",
          branch: "main",
          repository_url: null,
        },
      },
    },
    {
      type: "response_item",
      payload: {
        type: "message",
        role: "developer",
        content: [
          {
            type: "input_text",
            text: "<permissions_instructions>\nSandbox: workspace-write.\n</permissions_instructions>",
          },
        ],
      },
    },
    ...userTurn(TURN_1, cwd, "Say something short."),
    {
      type: "response_item",
      payload: {
        type: "reasoning",
        id: "rs_warmup",
        summary: [{ type: "summary_text", text: "**Thinking**" }],
        content: null,
        encrypted_content: null,
      },
    },
    { type: "event_msg", payload: { type: "agent_reasoning", text: "**Thinking**" } },
    ...answer(TURN_1, "Hello."),
    ...userTurn(TURN_2, cwd, "Run `echo hi` and add a file."),
    {
      type: "response_item",
      payload: {
        type: "function_call",
        id: "fc_warmup",
        name: "exec_command",
        arguments: '{"cmd":"echo hi","yield_time_ms":10000}',
        call_id: CALL,
        status: "completed",
      },
    },
    tokenCount(2100, 12),
    {
      type: "event_msg",
      payload: {
        type: "exec_command_end",
        call_id: CALL,
        turn_id: TURN_2,
        command: ["/bin/bash", "-lc", "echo hi"],
        cwd,
        parsed_cmd: [{ type: "unknown", cmd: "echo hi" }],
        source: "unified_exec_startup",
        stdout: "hi\n",
        stderr: "",
        aggregated_output: "hi\n",
        exit_code: 0,
        duration: { secs: 0, nanos: 5_000_000 },
        formatted_output: "hi\n",
        status: "completed",
      },
    },
    {
      type: "response_item",
      payload: {
        type: "function_call_output",
        call_id: CALL,
        output: "Process exited with code 0\nOutput:\nhi\n",
      },
    },
    {
      type: "response_item",
      payload: {
        type: "custom_tool_call",
        id: "ctc_warmup",
        status: "completed",
        call_id: PATCH_CALL,
        name: "apply_patch",
        input: "*** Begin Patch\n*** Add File: a.txt\n+a\n*** End Patch\n",
      },
    },
    {
      type: "event_msg",
      payload: {
        type: "patch_apply_end",
        call_id: PATCH_CALL,
        turn_id: TURN_2,
        stdout: "Success. Updated the following files:\nA a.txt\n",
        stderr: "",
        success: true,
        changes: { [`${cwd}/a.txt`]: { type: "add", content: "a\n" } },
        status: "completed",
      },
    },
    {
      type: "response_item",
      payload: {
        type: "custom_tool_call_output",
        call_id: PATCH_CALL,
        output: "Success. Updated the following files:\nA a.txt\n",
      },
    },
    ...answer(TURN_2, "Ran it: hi. Added a.txt."),
    {
      type: "event_msg",
      payload: { type: "thread_name_updated", thread_id: threadId, thread_name: "warm-up" },
    },
  ];
}

/** A user config.toml that touches the usual tables (providers, profiles, projects, permissions). */
export function sampleConfigToml(projectDir: string): string {
  return [
    'model = "gpt-5.4"',
    'model_provider = "local"',
    'model_reasoning_effort = "medium"',
    'approval_policy = "on-request"',
    'sandbox_mode = "workspace-write"',
    'default_permissions = "dev"',
    "",
    "[model_providers.local]",
    'name = "local"',
    'base_url = "http://127.0.0.1:1/v1"',
    'wire_api = "responses"',
    'env_key = "LOCAL_API_KEY"',
    "request_max_retries = 1",
    "",
    "[profiles.fast]",
    'model = "gpt-5.4-mini"',
    'approval_policy = "never"',
    "",
    "[sandbox_workspace_write]",
    "network_access = false",
    "",
    "[shell_environment_policy]",
    'inherit = "core"',
    "",
    "[permissions.dev]",
    'extends = ":workspace"',
    "",
    "[permissions.dev.filesystem]",
    '"~/.ssh" = "none"',
    "glob_scan_max_depth = 4",
    "",
    '[permissions.dev.filesystem.":project_roots"]',
    '"**/*.env" = "deny"',
    "",
    "[permissions.dev.network]",
    "enabled = false",
    "",
    `[projects."${projectDir}"]`,
    'trust_level = "untrusted"',
    "",
  ].join("\n");
}
