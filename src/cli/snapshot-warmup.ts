// Runs keel's first-use paths once while the V8 start-up snapshot is built (snapshot-entry.ts), so
// a process started from dist/keel.blob finds them already prepared: zod compiles a parser for
// each schema on its first parse and computes its lazy properties then, and V8 compiles a function
// on its first call. Both end up in the saved heap. Measured on the bench: that first-use work was
// most of `thread/start` and `thread/resume` in a new process (docs/readme/benchmarks.md).
//
// Only pure work and file I/O inside a temp directory that is removed again: nothing here may
// touch state that must differ per process — random state (thread ids are random), clocks, the
// time zone, the environment, lock tables, exit hooks, timers, the sandbox probe. So the engine warm-up
// starts a thread (whose rollout and lock only come with its first turn) but never resumes one
// (resume takes the thread's writer lock and installs an exit hook) or runs a turn.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../config/load.js";
import { setProjectTrust } from "../config/project-trust.js";
import {
  JsonRpcErrorResponseSchema,
  JsonRpcNotificationSchema,
  JsonRpcRequestSchema,
  JsonRpcSuccessSchema,
} from "../protocol/jsonrpc.js";
import { ResponsesSseEventSchema } from "../protocol/model.js";
import type { RolloutItem } from "../protocol/rollout.js";
import { clientNotifications, clientRequests, serverRequests } from "../protocol/v2/registry.js";
import { metadataFromItems } from "../rollout/metadata.js";
import { formatRolloutLine, parseRolloutText } from "../rollout/reader.js";
import { reconstructSession } from "../rollout/reconstruct.js";
import { buildTurns } from "../rollout/turns.js";
import { createKeel } from "../app-server/engine/library.js";
import { turnsToV2 } from "../app-server/engine/thread-view.js";
import {
  SAMPLE_APPROVAL_REPLIES,
  sampleConfigToml,
  sampleRequests,
  sampleRollout,
} from "./warmup-samples.js";

const THREAD_ID = "019ab000-0000-7000-8000-00000000beef";

/** What the warm-up ran; `rejected` lists samples a schema did not accept (a test keeps it empty). */
export interface WarmUpReport {
  requests: number;
  rolloutLines: number;
  turns: number;
  rejected: string[];
}

/** Runs every warm-up; its files live in a temp directory under `tmpDir`, removed at the end. */
export function warmUp(tmpDir: string = os.tmpdir()): WarmUpReport {
  const report: WarmUpReport = { requests: 0, rolloutLines: 0, turns: 0, rejected: [] };
  const dir = fs.mkdtempSync(path.join(tmpDir, "keel-warmup-"));
  try {
    const project = path.join(dir, "project");
    fs.mkdirSync(project);
    warmRequests(project, report);
    warmConfig(dir, project);
    warmRollout(project, report);
    warmModelStream(report);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

/** The JSON-RPC envelope and the params of the requests a session starts with. */
function warmRequests(cwd: string, report: WarmUpReport): void {
  let id = 0;
  for (const [method, params] of sampleRequests(cwd, THREAD_ID)) {
    const envelope = JsonRpcRequestSchema.safeParse({ id: id++, method, params });
    const spec = clientRequests[method as keyof typeof clientRequests];
    const parsed = spec?.params.safeParse(params);
    if (!envelope.success || !parsed?.success) report.rejected.push(`request ${method}`);
    report.requests++;
  }
  if (!JsonRpcNotificationSchema.safeParse({ method: "initialized" }).success)
    report.rejected.push("initialized");
  for (const spec of Object.values(clientNotifications)) spec.params.safeParse(undefined);
  JsonRpcErrorResponseSchema.safeParse({ id: 0, error: { code: -32600, message: "declined" } });
  // Every other method's params once (cheap; prepares the top-level parser of each).
  for (const spec of Object.values(clientRequests)) spec.params.safeParse({});
  const approval = serverRequests["item/commandExecution/requestApproval"].result;
  for (const reply of SAMPLE_APPROVAL_REPLIES) {
    const envelope = JsonRpcSuccessSchema.safeParse({ id: 0, result: reply });
    if (!envelope.success || !approval.safeParse(reply).success) report.rejected.push("approval reply");
  }
}

/** Layers, validation, requirements and permission resolution over a representative config. */
function warmConfig(dir: string, project: string): void {
  const keelHome = path.join(dir, "home");
  fs.mkdirSync(keelHome);
  fs.writeFileSync(path.join(keelHome, "config.toml"), sampleConfigToml(project));
  const options = {
    keelHome,
    processCwd: project,
    systemConfigFile: path.join(dir, "system-config.toml"),
    requirementsFile: null,
    env: { TMPDIR: dir },
    home: dir,
  };
  loadConfig({ ...options, overrides: { sandboxMode: "workspace-write", approvalPolicy: "never" } });
  loadConfig({ ...options, cliOverrides: ["model_reasoning_effort=high"], overrides: { profile: "fast" } });
  // thread/start with a writable sandbox records the project as trusted, then reloads.
  setProjectTrust(keelHome, project, "trusted");
  loadConfig({ ...options, sessionConfig: { "sandbox_workspace_write.network_access": true } });
}

/** Writing, reading and projecting a rollout: what resume, read and fork do. */
function warmRollout(cwd: string, report: WarmUpReport): void {
  const items = sampleRollout(cwd, THREAD_ID);
  const at = new Date(Date.UTC(2026, 0, 1));
  const text = items.map((item) => `${formatRolloutLine(item, at)}\n`).join("");
  const parsed = parseRolloutText(text);
  report.rolloutLines = parsed.lines.length;
  if (parsed.lines.length !== items.length || parsed.warnings.length > 0) {
    report.rejected.push(...parsed.warnings.map((w) => `rollout: ${w.message}`));
  }
  const lines: RolloutItem[] = parsed.lines;
  metadataFromItems(parsed.lines, path.join(cwd, `rollout-2026-01-01T00-00-00-${THREAD_ID}.jsonl`));
  reconstructSession(lines, "resumed");
  reconstructSession(lines, "forked");
  const built = buildTurns(lines);
  const turns = turnsToV2(built);
  report.turns = turns.length;
  const itemsIn = built.reduce((n, t) => n + t.items.length, 0);
  const itemsOut = turns.reduce((n, t) => n + t.items.length, 0);
  if (itemsOut !== itemsIn) report.rejected.push(`thread items: ${itemsIn - itemsOut} not accepted`);
}

/** The Responses stream events of one answer. */
function warmModelStream(report: WarmUpReport): void {
  const response = { id: "resp_warmup", status: "in_progress", output: [] };
  const events = [
    { type: "response.created", response },
    {
      type: "response.output_item.added",
      item: { type: "message", id: "msg_1", role: "assistant", content: [] },
    },
    { type: "response.output_text.delta", item_id: "msg_1", delta: "Hi" },
    {
      type: "response.output_item.done",
      item: {
        type: "message",
        id: "msg_1",
        role: "assistant",
        content: [{ type: "output_text", text: "Hi" }],
      },
    },
    {
      type: "response.output_item.done",
      item: { type: "function_call", id: "fc_1", name: "exec_command", arguments: "{}", call_id: "call_1" },
    },
    {
      type: "response.completed",
      response: {
        ...response,
        status: "completed",
        usage: {
          input_tokens: 10,
          output_tokens: 2,
          total_tokens: 12,
          input_tokens_details: { cached_tokens: 0 },
        },
      },
    },
  ];
  for (const event of events) {
    if (!ResponsesSseEventSchema.safeParse(event).success) report.rejected.push(`model event ${event.type}`);
  }
}

/**
 * `initialize` and two `thread/start`s (a writable sandbox, which records the project's trust and
 * reloads, and a permission profile) through an in-process server with the real engine: the
 * session, config and wire code a new thread runs. Resolves with the started threads' ids.
 */
export async function warmUpEngine(tmpDir: string = os.tmpdir()): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(tmpDir, "keel-warmup-engine-"));
  const home = path.join(dir, "home");
  const project = path.join(dir, "project");
  fs.mkdirSync(home);
  fs.mkdirSync(path.join(project, ".git"), { recursive: true });
  fs.writeFileSync(path.join(project, "AGENTS.md"), "Run the tests before you finish.\n");
  fs.writeFileSync(path.join(home, "config.toml"), sampleConfigToml(path.join(dir, "elsewhere")));
  const keel = createKeel({
    home,
    cwd: project,
    env: { HOME: dir, TMPDIR: dir, PATH: "/usr/bin:/bin", SHELL: "/bin/sh" },
    systemConfigFile: path.join(dir, "system-config.toml"),
    requirementsFile: null,
    // No idle-unload timers: nothing may be pending when the heap is saved.
    scheduler: () => () => {},
    log: () => {},
  });
  try {
    const client = await keel.connect({ clientInfo: { name: "keel_warmup", title: null, version: "0" } });
    const ids: string[] = [];
    for (const [, params] of sampleRequests(project, THREAD_ID).filter(([m]) => m === "thread/start")) {
      const started = await client.threadStart(params as never);
      ids.push(started.thread.id);
    }
    client.close();
    return ids;
  } finally {
    await keel.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
