import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../../src/config/load.js";
import { unknownModelInfo } from "../../src/model/catalog/model-info.js";
import { buildSessionConfiguration } from "../../src/config/session-config.js";
import type { SessionConfiguration } from "../../src/permissions/index.js";
import type { EventMsg, ReviewDecision } from "../../src/protocol/events.js";
import type { ResponseItem } from "../../src/protocol/items.js";
import type { AskForApproval, FileSystemSandboxEntry, SandboxMode } from "../../src/protocol/permissions.js";
import { FileTurnDiffTracker } from "../../src/session/diff-tracker.js";
import type { ApprovalRequest, ToolCall, ToolContext } from "../../src/session/tool-router.js";
import { SandboxedToolRouter, type ToolRouterOptions } from "../../src/tools/runtime/index.js";
import { tempDir } from "../support/tmp.js";

/** A workspace (a directory with `.git`) and a keel home, both fresh temp dirs. */
export function workspace(files: Record<string, string> = {}): { root: string; home: string } {
  const root = path.join(tempDir("keel-ws-"), "repo");
  fs.mkdirSync(path.join(root, ".git"), { recursive: true });
  fs.writeFileSync(path.join(root, ".git", "HEAD"), "ref: refs/heads/main\n");
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return { root, home: tempDir("keel-home-") };
}

/** The configuration loaded from the workspace's keel home (its config.toml), no system layers. */
export function loadedConfig(
  ws: { root: string; home: string },
  overrides: Parameters<typeof loadConfig>[0]["overrides"] = {},
): ReturnType<typeof loadConfig> {
  return loadConfig({
    keelHome: ws.home,
    processCwd: ws.root,
    systemConfigFile: path.join(ws.home, "no-system.toml"),
    requirementsFile: null,
    env: {},
    home: ws.home,
    overrides,
  });
}

/** The effective configuration for a turn in `root` under the given policy and sandbox mode. */
export function configFor(
  ws: { root: string; home: string },
  approval: AskForApproval,
  sandbox: SandboxMode,
  extraEntries: FileSystemSandboxEntry[] = [],
): SessionConfiguration {
  const loaded = loadedConfig(ws, { approvalPolicy: approval, sandboxMode: sandbox, cwd: ws.root });
  const config = buildSessionConfiguration(loaded, { defaultBaseInstructions: "", defaultModel: "mock" });
  if (extraEntries.length === 0) return config;
  const fsPolicy = config.fileSystemSandboxPolicy;
  return {
    ...config,
    fileSystemSandboxPolicy: { ...fsPolicy, entries: [...fsPolicy.entries, ...extraEntries] },
  };
}

export interface TestContext {
  ctx: ToolContext;
  events: EventMsg[];
  asked: ApprovalRequest[];
  cache: Set<string>;
  abort: AbortController;
  of<T extends EventMsg["type"]>(type: T): Extract<EventMsg, { type: T }>[];
}

/**
 * A ToolContext as the session builds it, with a scripted user: each approval request takes the
 * next answer; an unexpected request fails the call.
 */
export function context(
  config: SessionConfiguration,
  answers: ReviewDecision[] = [],
  shared?: { cache?: Set<string>; threadId?: string },
): TestContext {
  const events: EventMsg[] = [];
  const asked: ApprovalRequest[] = [];
  const cache = shared?.cache ?? new Set<string>();
  const abort = new AbortController();
  const queue = [...answers];
  const ctx: ToolContext = {
    threadId: shared?.threadId ?? "thread-1",
    turnId: "turn-1",
    cwd: config.cwd,
    config,
    signal: abort.signal,
    emit: (msg) => events.push(msg),
    requestApproval: async (request) => {
      asked.push(request);
      const decision = queue.shift();
      if (decision === undefined) throw new Error(`unexpected approval request: ${JSON.stringify(request)}`);
      return { decision };
    },
    approvalCache: { has: (k) => cache.has(k), add: (k) => void cache.add(k) },
    diffTracker: new FileTurnDiffTracker(config.cwd),
  };
  return {
    ctx,
    events,
    asked,
    cache,
    abort,
    of: (type) => events.filter((e) => e.type === type) as never,
  };
}

export function router(ws: { home: string }, options: Partial<ToolRouterOptions> = {}): SandboxedToolRouter {
  return new SandboxedToolRouter({ env: { PATH: process.env.PATH, HOME: ws.home }, ...options });
}

let nextCall = 0;
export function functionCall(name: string, args: unknown): ToolCall {
  const callId = `call_${++nextCall}`;
  const input = JSON.stringify(args);
  return {
    callId,
    name,
    kind: "function",
    input,
    item: { type: "function_call", name, arguments: input, call_id: callId } as ResponseItem,
  };
}

export function customCall(name: string, input: string): ToolCall {
  const callId = `call_${++nextCall}`;
  return {
    callId,
    name,
    kind: "custom",
    input,
    item: { type: "custom_tool_call", name, input, call_id: callId } as ResponseItem,
  };
}

/** The output text of a function/custom call output item. */
export function outputText(item: ResponseItem): string {
  const output = (item as { output: unknown }).output;
  return typeof output === "string" ? output : JSON.stringify(output);
}

/** Command lines of every process on the host (the sandbox's pid namespace is visible from here). */
export function processCommandLines(): string[] {
  const lines: string[] = [];
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      lines.push(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim());
    } catch {
      // gone
    }
  }
  return lines;
}

/** A sleep duration whose `sleep N` command line is unique to this test run. */
export const sleepMarker = (): string =>
  `${30 + Math.floor(Math.random() * 1000)}.${Math.floor(Math.random() * 1000)}`;

/** Whether a `sleep <marker>` process is alive anywhere on the host. */
export const sleeping = (marker: string): boolean =>
  processCommandLines().some((line) => line === `sleep ${marker}`);

/** A model whose tool-output budget is 10k tokens, as gpt-5.5's (the default catalog has bytes). */
export function withTokenBudget(config: SessionConfiguration): SessionConfiguration {
  return {
    ...config,
    modelCatalog: {
      resolve: (slug) => ({ ...unknownModelInfo(slug), truncationPolicy: { mode: "tokens", limit: 10_000 } }),
      list: () => [],
    },
  };
}
