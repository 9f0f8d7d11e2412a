import type { EventMsg, TokenUsageInfo, UserInput } from "../protocol/events.js";
import type { MessageItem, ResponseItem } from "../protocol/items.js";
import type { ModelRequest, RateLimitSnapshot, ReasoningSettings, TokenUsage } from "../protocol/model.js";
import type { RolloutItem } from "../protocol/rollout.js";
import { amendmentSavedMessage } from "../execpolicy/amend.js";
import type { ModelInfo } from "../model/catalog/model-info.js";
import type { ModelClient } from "../model/client.js";
import type { McpElicitationRequest, McpElicitationResult } from "../mcp/types.js";
import { wireServiceTier } from "../model/service-tier.js";
import type { SessionConfiguration } from "../permissions/index.js";
import type { ActiveTurn } from "./active-turn.js";
import { buildReplacementHistory, COMPACTION_PROMPT, compactionRequestInput } from "./compaction.js";
import {
  type ContextBaseline,
  contextItemsForTurn,
  type EnvironmentFacts,
  environmentOf,
  turnContextItem,
} from "./context.js";
import type {
  DynamicToolRequest,
  DynamicToolResult,
  UserInputAnswers,
  UserInputRequest,
} from "./client-requests.js";
import { FileTurnDiffTracker } from "./diff-tracker.js";
import { localImageContent, remoteImageContent, stripImagesWhenUnsupported } from "./images.js";
import { currentModelInfo } from "./model-info.js";
import { runSamplingRequest } from "./sampling.js";
import type {
  ApprovalCache,
  ApprovalRequest,
  ApprovalResponse,
  ToolContext,
  ToolRouter,
  TurnDiffTracker,
} from "./tool-router.js";
import { ToolCallRuntime } from "./tool-runner.js";
import { invokedSkillMessages, skillsInstructionsText, type SkillsSource, turnSkills } from "./skills.js";
import type { SkillsOutcome } from "../skills/index.js";
import {
  approvalFromHooks,
  hookPromptText,
  hookTurn,
  stopLimitWarning,
  type TurnHookHost,
  toolHooksFor,
} from "./turn-hooks.js";
import { hookContextMessage, type StopContinuation } from "../hooks/session-hooks.js";

/** What a running task needs from its session. Implemented by `Session`; not a public API. */
export interface TurnHost {
  readonly threadId: string;
  readonly client: ModelClient;
  readonly router: ToolRouter;
  readonly approvalCache: ApprovalCache;
  readonly baseInstructions: string;
  readonly baseline: ContextBaseline;
  config(): SessionConfiguration;
  environmentFacts(): EnvironmentFacts;
  history(): readonly ResponseItem[];
  /** Appends model-visible items to the history and the rollout. */
  record(items: readonly ResponseItem[]): void;
  /** Rollout-only lines (turn_context, compacted). */
  persist(items: readonly RolloutItem[]): void;
  replaceHistory(items: readonly ResponseItem[]): void;
  emit(turnId: string, msg: EventMsg): void;
  addUsage(usage: TokenUsage): TokenUsageInfo;
  tokenInfo(): TokenUsageInfo | null;
  /** Tokens of the current context per the last response; null when unknown (e.g. right after compaction). */
  contextTokens(): number | null;
  /** Where this session's skills come from; null = no skills. */
  readonly skills: SkillsSource | null;
  setRateLimits(snapshot: RateLimitSnapshot): void;
  rateLimits(): RateLimitSnapshot | null;
  windowGeneration(): number;
  advanceWindow(): void;
  /** Token count at which the history is compacted automatically; null = never. */
  autoCompactLimit(): number | null;
  requestApproval(turn: ActiveTurn, request: ApprovalRequest): Promise<ApprovalResponse>;
  requestUserInput(turn: ActiveTurn, request: UserInputRequest): Promise<UserInputAnswers | null>;
  callDynamicTool(turn: ActiveTurn, request: DynamicToolRequest): Promise<DynamicToolResult>;
  requestElicitation(
    turn: ActiveTurn,
    server: string,
    request: McpElicitationRequest,
  ): Promise<McpElicitationResult>;
  /** Lifecycle hooks; null when the session runs none. */
  readonly hooks?: TurnHookHost | null;
}

export function userInputText(input: readonly UserInput[]): string {
  return input
    .filter((i): i is Extract<UserInput, { type: "text" }> => i.type === "text")
    .map((i) => i.text)
    .join("\n");
}

/**
 * The model-visible user message. Images are numbered in input order (`[Image #n]`, data-URL
 * images count too); local files are read now, relative to `cwd`, so the history and the rollout
 * carry the bytes the model saw.
 */
export function userInputMessage(input: readonly UserInput[], cwd: string, info: ModelInfo): MessageItem {
  const content: MessageItem["content"] = [];
  let label = 0;
  for (const i of input) {
    if (i.type === "text") content.push({ type: "input_text", text: i.text });
    else if (i.type === "image") {
      label++;
      content.push(remoteImageContent(i.image_url, info));
    } else if (i.type === "local_image") content.push(...localImageContent(i.path, cwd, ++label, info));
    // A `skill` item reaches the model as the skill's own message (see injectInvokedSkills).
  }
  return { type: "message", role: "user", content };
}

/** Records one user input: the model-visible message, the legacy event and the item lifecycle. */
export function recordUserInput(
  host: TurnHost,
  turn: ActiveTurn,
  input: readonly UserInput[],
  itemId: string,
): void {
  const config = host.config();
  host.record([userInputMessage(input, config.cwd, currentModelInfo(config))]);
  host.emit(turn.turnId, {
    type: "user_message",
    message: userInputText(input),
    images: input.flatMap((i) => (i.type === "image" ? [i.image_url] : [])),
    local_images: input.flatMap((i) => (i.type === "local_image" ? [i.path] : [])),
    text_elements: [],
  });
  const item = {
    thread_id: host.threadId,
    turn_id: turn.turnId,
    item: { type: "user_message" as const, id: itemId, content: [...input] },
  };
  host.emit(turn.turnId, { type: "item_started", ...item });
  host.emit(turn.turnId, { type: "item_completed", ...item });
}

function needsCompaction(host: TurnHost): boolean {
  const limit = host.autoCompactLimit();
  const tokens = host.contextTokens();
  return limit !== null && tokens !== null && tokens >= limit;
}

/** Injects the context the model has not seen yet and writes the turn's `turn_context` line. */
function recordTurnContext(host: TurnHost, turn: ActiveTurn, skills: SkillsOutcome | null): void {
  const config = host.config();
  const facts = host.environmentFacts();
  const items = contextItemsForTurn(
    config,
    facts,
    host.baseline,
    skillsInstructionsText(skills),
    host.router.approvedPrefixes?.() ?? null,
  );
  if (items.length > 0) host.record(items);
  host.persist([
    { type: "turn_context", payload: turnContextItem(turn.turnId, config, environmentOf(config, facts)) },
  ]);
}

export interface RegularTurnResult {
  lastAgentMessage: string | null;
}

/**
 * A regular task: the model loop. Samples, runs the tools the model asked for, feeds their
 * outputs back and repeats until the model answers without calling a tool and no steered input
 * is waiting. Throws the abort reason when the turn is aborted (after recording what finished).
 */
/** What a tool run inside `turn` may use: its id, cwd, config, abort signal and the client. */
export function turnToolContext(
  host: TurnHost,
  turn: ActiveTurn,
  config: SessionConfiguration,
  diffTracker: TurnDiffTracker,
): ToolContext {
  return {
    threadId: host.threadId,
    turnId: turn.turnId,
    cwd: config.cwd,
    config,
    signal: turn.signal,
    emit: (msg) => host.emit(turn.turnId, msg),
    requestApproval: async (request) => {
      const hooks = host.hooks;
      const decided = hooks
        ? await approvalFromHooks(
            hooks.hooks,
            hookTurn(turn, config, (msg) => host.emit(turn.turnId, msg)),
            request,
          )
        : null;
      return decided ?? host.requestApproval(turn, request);
    },
    requestUserInput: (request) => host.requestUserInput(turn, request),
    callDynamicTool: (request) => host.callDynamicTool(turn, request),
    requestElicitation: (server, request) => host.requestElicitation(turn, server, request),
    approvalCache: host.approvalCache,
    diffTracker,
    prefixSaved: (prefix) =>
      host.record([
        {
          type: "message",
          role: "developer",
          content: [{ type: "input_text", text: amendmentSavedMessage(prefix) }],
        },
      ]),
    recordDeveloperMessage: (text) =>
      host.record([{ type: "message", role: "developer", content: [{ type: "input_text", text }] }]),
    ...(host.hooks
      ? {
          hooks: toolHooksFor(
            host.hooks.hooks,
            hookTurn(turn, config, (msg) => host.emit(turn.turnId, msg)),
          ),
        }
      : {}),
  };
}

export async function runRegularTurn(
  host: TurnHost,
  turn: ActiveTurn,
  input: readonly UserInput[],
  newItemId: () => string,
  outputSchema: unknown | null = null,
): Promise<RegularTurnResult> {
  if (needsCompaction(host)) await compactHistory(host, turn);
  const skills = await turnSkills(host.skills, host.config().cwd);
  recordTurnContext(host, turn, skills);
  if (!(await recordPromptWithHooks(host, turn, input, newItemId()))) return { lastAgentMessage: null };
  host.record(await invokedSkillMessages(input, skills));

  const diffTracker = new FileTurnDiffTracker(host.config().cwd);
  let lastAgentMessage: string | null = null;
  let stopBlocks = 0;
  // MCP servers still starting get a moment to join the first request's tools.
  await host.router.prepareTurn?.(host.config());
  for (;;) {
    turn.signal.throwIfAborted();
    for (const steered of turn.takePendingInput()) {
      recordUserInput(host, turn, steered, newItemId());
      host.record(await invokedSkillMessages(steered, skills));
    }

    const config = host.config();
    const context = turnToolContext(host, turn, config, diffTracker);
    const runtime = new ToolCallRuntime(host.router, context);
    const request = buildRequest(
      host,
      config,
      host.history(),
      host.router.specs({ cwd: config.cwd, config }),
      outputSchema,
    );
    let result: Awaited<ReturnType<typeof runSamplingRequest>> | null = null;
    try {
      result = await runSamplingRequest(host.client, request, samplingScope(host, turn), {
        emit: (msg) => host.emit(turn.turnId, msg),
        record: (item) => host.record([item]),
        startTool: (call) => runtime.start(call),
        onRateLimits: (snapshot) => host.setRateLimits(snapshot),
        // Like Codex, usage is reported when the response completes, before tool outputs.
        onUsage: (usage) => reportUsage(host, turn, usage),
      });
    } finally {
      // Every call the model made gets an answer, even when the stream or the turn failed.
      if (runtime.size > 0) host.record(await runtime.drain());
    }
    if (result.lastAgentMessage !== null) lastAgentMessage = result.lastAgentMessage;

    const followUp = result.toolCalls > 0 || turn.hasPendingInput();
    if (!followUp) {
      const continuations = await runStopHooks(host, turn, stopBlocks > 0, lastAgentMessage);
      if (continuations.length === 0) break;
      const limit = host.hooks!.stopHookMaxBlocks;
      if (stopBlocks >= limit) {
        host.emit(turn.turnId, { type: "warning", message: stopLimitWarning(limit) });
        break;
      }
      stopBlocks++;
      recordHookPrompt(host, turn, continuations, newItemId());
      continue;
    }
    if (needsCompaction(host)) {
      await compactHistory(host, turn);
      recordTurnContext(host, turn, skills);
    }
  }
  const diff = await diffTracker.unifiedDiff();
  if (diff) host.emit(turn.turnId, { type: "turn_diff", unified_diff: diff });
  return { lastAgentMessage };
}

/**
 * SessionStart (first turn of the thread), then UserPromptSubmit, around the user's message:
 * SessionStart context goes before it, prompt context after it. False when a UserPromptSubmit
 * hook blocked or stopped the prompt: nothing is recorded and no model is called.
 */
async function recordPromptWithHooks(
  host: TurnHost,
  turn: ActiveTurn,
  input: readonly UserInput[],
  itemId: string,
): Promise<boolean> {
  const hooks = host.hooks;
  if (!hooks) {
    recordUserInput(host, turn, input, itemId);
    return true;
  }
  const ht = hookTurn(turn, host.config(), (msg) => host.emit(turn.turnId, msg));
  const source = hooks.takeSessionStart();
  if (source !== null) {
    const contexts = await hooks.hooks.sessionStart(ht, source);
    if (contexts.length > 0) host.record(contexts.map(hookContextMessage));
  }
  const prompt = await hooks.hooks.userPromptSubmit(ht, userInputText(input));
  if (!prompt.proceed) return false;
  recordUserInput(host, turn, input, itemId);
  if (prompt.contexts.length > 0) host.record(prompt.contexts.map(hookContextMessage));
  return true;
}

function runStopHooks(
  host: TurnHost,
  turn: ActiveTurn,
  stopHookActive: boolean,
  lastAgentMessage: string | null,
): Promise<StopContinuation[]> {
  if (!host.hooks) return Promise.resolve([]);
  const ht = hookTurn(turn, host.config(), (msg) => host.emit(turn.turnId, msg));
  return host.hooks.hooks.stop(ht, stopHookActive, lastAgentMessage);
}

/** A Stop block continues the turn: a hookPrompt item, and the reasons as the next user message. */
function recordHookPrompt(
  host: TurnHost,
  turn: ActiveTurn,
  continuations: readonly StopContinuation[],
  itemId: string,
): void {
  const item = {
    thread_id: host.threadId,
    turn_id: turn.turnId,
    item: {
      type: "hook_prompt" as const,
      id: itemId,
      fragments: continuations.map((c) => ({ text: c.reason, hook_run_id: c.runId })),
    },
  };
  host.emit(turn.turnId, { type: "item_started", ...item });
  host.emit(turn.turnId, { type: "item_completed", ...item });
  host.record(
    continuations.map((c) => ({
      type: "message" as const,
      role: "user" as const,
      content: [{ type: "input_text" as const, text: hookPromptText(c.runId, c.reason) }],
    })),
  );
}

/** The turn a model request belongs to: its abort signal, history window and ids. */
function samplingScope(host: TurnHost, turn: ActiveTurn) {
  return {
    signal: turn.signal,
    windowGeneration: host.windowGeneration(),
    threadId: host.threadId,
    turnId: turn.turnId,
  };
}

function reportUsage(host: TurnHost, turn: ActiveTurn, usage: TokenUsage): void {
  const info = host.addUsage(usage);
  host.emit(turn.turnId, { type: "token_count", info, rate_limits: host.rateLimits() });
}

function buildRequest(
  host: TurnHost,
  config: SessionConfiguration,
  input: readonly ResponseItem[],
  tools: ModelRequest["tools"],
  outputSchema: unknown | null = null,
): ModelRequest {
  const info = currentModelInfo(config);
  const reasoning = reasoningSettings(config, info);
  const verbosity = info.supportsVerbosity ? (config.modelVerbosity ?? info.defaultVerbosity) : null;
  const serviceTier = wireServiceTier(config.serviceTier, info);
  return {
    model: config.collaborationMode.settings.model,
    instructions: host.baseInstructions,
    input: stripImagesWhenUnsupported(input, currentModelInfo(config)),
    tools,
    parallel_tool_calls: info.supportsParallelToolCalls,
    ...(reasoning ? { reasoning } : {}),
    ...(verbosity ? { verbosity } : {}),
    ...(serviceTier ? { service_tier: serviceTier } : {}),
    ...(isJsonObject(outputSchema) ? { output_schema: outputSchema } : {}),
  };
}

/**
 * Codex's rule: models that support reasoning summaries get `reasoning` with the configured or
 * default effort and summary; a summary of "none" (gpt-5.5's default) is left out.
 */
export function reasoningSettings(config: SessionConfiguration, info: ModelInfo): ReasoningSettings | null {
  if (!info.supportsReasoningSummaries) return null;
  const effort = config.collaborationMode.settings.reasoningEffort ?? info.defaultReasoningEffort;
  const summary = config.reasoningSummary ?? info.defaultReasoningSummary;
  return {
    ...(effort ? { effort: effort as NonNullable<ReasoningSettings["effort"]> } : {}),
    ...(summary && summary !== "none"
      ? { summary: summary as NonNullable<ReasoningSettings["summary"]> }
      : {}),
  };
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Summarises the history with the model and replaces it with the kept user messages plus the
 * summary. Records a `compacted` line and emits `context_compacted`; the next request carries
 * the new window generation, and the full context is injected again.
 */
export async function compactHistory(host: TurnHost, turn: ActiveTurn): Promise<void> {
  const itemId = `compaction-${host.windowGeneration() + 1}`;
  const lifecycle = {
    thread_id: host.threadId,
    turn_id: turn.turnId,
    item: { type: "context_compaction" as const, id: itemId },
  };
  host.emit(turn.turnId, { type: "item_started", ...lifecycle });
  const config = host.config();
  const trigger = turn.kind === "compact" ? "manual" : "auto";
  const ht = hookTurn(turn, config, (msg) => host.emit(turn.turnId, msg));
  await host.hooks?.hooks.compact(ht, "PreCompact", trigger);
  const history = host.history();
  const prompt = config.compactPrompt ?? COMPACTION_PROMPT;
  const request = buildRequest(host, config, compactionRequestInput(history, prompt), []);
  request.parallel_tool_calls = false;
  let summary = "";
  await runSamplingRequest(host.client, request, samplingScope(host, turn), {
    // The summary is internal: no message events, nothing recorded.
    emit: (msg) => {
      if (msg.type === "stream_error") host.emit(turn.turnId, msg);
    },
    record: (item) => {
      if (item.type === "message" && (item as MessageItem).role === "assistant") {
        summary = (item as MessageItem).content.map((c) => ("text" in c ? c.text : "")).join("");
      }
    },
    startTool: () => {},
    onRateLimits: (snapshot) => host.setRateLimits(snapshot),
  });
  const replacement = buildReplacementHistory(history, summary);
  host.replaceHistory(replacement);
  host.persist([{ type: "compacted", payload: { message: summary, replacement_history: replacement } }]);
  host.advanceWindow();
  host.baseline.environment = null;
  host.baseline.permissions = null;
  host.baseline.skills = null;
  host.emit(turn.turnId, { type: "context_compacted" });
  host.emit(turn.turnId, { type: "item_completed", ...lifecycle });
  await host.hooks?.hooks.compact(ht, "PostCompact", trigger);
}
