import os from "node:os";
import { v7 as uuidv7 } from "uuid";
import type { ResolvedModelProvider } from "../config/model-provider.js";
import { errorMessage } from "../lib/errors.js";
import { localTimeZone } from "./local-zone.js";
import { createModelClient, type ModelClient, type ModelClientOptions } from "../model/client.js";
import {
  type ApplyResult,
  applySettingsUpdate,
  type PermissionEnv,
  type SessionConfiguration,
  type SessionSettingsUpdate,
  sessionPermissionProfile,
} from "../permissions/index.js";
import {
  type Event,
  type EventMsg,
  INITIAL_SUBMIT_ID,
  type RequestedPermissions,
  type TokenUsageInfo,
  type TurnAbortReason,
  type UserInput,
} from "../protocol/events.js";
import type { ResponseItem } from "../protocol/items.js";
import type { RateLimitSnapshot, TokenUsage } from "../protocol/model.js";
import type { AskForApproval, PermissionProfile, SandboxPolicy } from "../protocol/permissions.js";
import type { RolloutItem, SessionSource } from "../protocol/rollout.js";
import { DEFAULT_TURN_ABORTED_MARKER } from "../rollout/fork.js";
import { shouldPersistEvent } from "../rollout/policy.js";
import type { ReconstructedSession } from "../rollout/reconstruct.js";
import { InMemoryRecorder, RolloutWriteError, type ThreadRecorder } from "../rollout/recorder.js";
import type { OpenedThread, ThreadRef } from "../rollout/store.js";
import type { ThreadStore } from "../store/types.js";
import type { TurnCut } from "../rollout/truncate.js";
import { ActiveTurn, type TaskKind } from "./active-turn.js";
import { loadAgentsMd, type ProjectDocOptions } from "./agents-md.js";
import type { DynamicToolSpec } from "../protocol/v2/thread.js";
import { SessionToolRouter } from "./builtin-tools.js";
import {
  askClient,
  callClientTool,
  type DynamicToolResult,
  type UserInputAnswers,
} from "./client-requests.js";
import { ClientTools, storedDynamicTools } from "./client-tools.js";
import { autoCompactLimit } from "./compaction.js";
import { currentModelInfo } from "./model-info.js";
import { serviceTierWarnings } from "./service-tier-warning.js";
import {
  baselineFromTurnContext,
  type ContextBaseline,
  type EnvironmentFacts,
  restoredCollaborationMode,
} from "./context.js";
import { SessionInitError, SteerInputError, ThreadNotSavedError } from "./errors.js";
import { EventChannel, type EventListener } from "./event-channel.js";
import { KEEL_BASE_INSTRUCTIONS } from "./prompts/base-instructions.js";
import {
  messageHistoryMetadata,
  modelMismatchWarning,
  rolloutReadWarnings,
  type StartupNotices,
  startupEvents,
} from "./startup.js";
import type {
  ApprovalCache,
  ApprovalRequest,
  ApprovalResponse,
  BackgroundProcess,
  ToolRouter,
} from "./tool-router.js";
import { FileTurnDiffTracker } from "./diff-tracker.js";
import type { SkillsSource } from "./skills.js";
import { userShellRecord } from "./user-shell.js";
import { toolOutputPolicy } from "../tools/runtime/output-policy.js";
import { Elicitations } from "./elicitations.js";
import { type RememberedApproval, rememberedApprovals } from "./remembered.js";
import { McpTools } from "./mcp-tools.js";
import { mcpMayAskUser } from "../tools/mcp-approval.js";
import type { McpElicitationRequest, McpElicitationResult } from "../mcp/types.js";
import { compactHistory, runRegularTurn, type TurnHost, turnToolContext, userInputText } from "./turn.js";
import { SessionHooks, type SessionStartSource } from "../hooks/session-hooks.js";
import type { HookEngine } from "../hooks/engine.js";
import { runNotify } from "../hooks/notify.js";
import { DEFAULT_STOP_HOOK_MAX_BLOCKS, type TurnHookHost } from "./turn-hooks.js";
import type { ReviewOutput, ReviewTarget } from "../protocol/review.js";
import { mergeBaseWithHead } from "../review/git.js";
import { reviewHint, reviewPrompt } from "../review/prompts.js";
import { exitReviewMode, runReviewer } from "./review-task.js";

export interface SessionHookOptions {
  engine: HookEngine;
  /** `notify = ["prog", …]`: run after every completed turn with Codex's JSON payload. */
  notify?: readonly string[] | null;
  /** `initialize` clientInfo.name, for the notify payload's `client`. */
  clientName?: string | null;
  stopHookMaxBlocks?: number | null;
  /** Environment of the notify program. */
  env?: Readonly<Record<string, string | undefined>>;
}
import { boundEventForRollout } from "../rollout/persisted-output.js";
import { truncateItemForHistory } from "../tools/runtime/history-truncation.js";
import { historyOutputPolicy } from "../tools/runtime/output-policy.js";
import type { McpConnectionManager, McpServerConfig } from "../mcp/types.js";

/** Where a session's history comes from (rollout.md §10). */
export type InitialHistory =
  | { kind: "new" }
  /** A fresh thread replacing a cleared one (SessionStart source `clear`). */
  | { kind: "cleared" }
  | { kind: "resumed"; thread: ThreadRef }
  /** Copy of another thread: a stored one, or items (a loaded or ephemeral source). */
  | { kind: "forked"; from: ThreadRef | { items: readonly RolloutItem[] }; cut?: TurnCut };

export interface SessionOptions {
  /** The effective settings (built by the config module). */
  config: SessionConfiguration;
  provider: ResolvedModelProvider;
  initialHistory?: InitialHistory;
  /** Rollout files, names and the index. Optional only for ephemeral sessions. */
  store?: ThreadStore;
  ephemeral?: boolean;
  persistExtendedHistory?: boolean;
  source?: SessionSource;
  originator?: string;
  /** Explicit base-instructions override from config (wins over the history's). */
  baseInstructionsOverride?: string | null;
  /** Executes tools other than the session's built-ins (the tools orchestrator). */
  toolRouter?: ToolRouter | null;
  /**
   * Client-implemented tools (`thread/start` `dynamicTools`), kept in the session meta so a
   * resumed or forked thread offers them again; default: the stored ones.
   */
  dynamicTools?: readonly DynamicToolSpec[] | null;
  /** `[features] default_mode_request_user_input`: questions are allowed in Default mode too. */
  requestUserInputInDefaultMode?: boolean;
  /** The skills offered to the model and invocable with `$name` (default: none). */
  skills?: SkillsSource | null;
  /** Open the model connection right after start-up (session.md §4 step 17; default false). */
  startupPrewarm?: boolean;
  /** A client for the thread; default: keel's HTTP client for `provider`. */
  modelClient?: (threadId: string) => ModelClient;
  modelClientOptions?: Omit<ModelClientOptions, "provider" | "threadId">;
  modelContextWindow?: number | null;
  /** `model_auto_compact_token_limit`; default 90% of the context window. */
  autoCompactTokenLimit?: number | null;
  notices?: StartupNotices;
  /** Config `instructions`: put before the AGENTS.md text in the user instructions. */
  extraUserInstructions?: string | null;
  /** Load AGENTS.md when the configuration has no user instructions (default true). */
  loadAgentsMd?: boolean;
  /** `project_doc_max_bytes` and `project_doc_fallback_filenames`. */
  projectDoc?: ProjectDocOptions;
  /** Base for relative `cwd` updates (the process cwd of the caller). */
  processCwd: string;
  permissionEnv?: PermissionEnv;
  /** Subscribed before the first event, so it sees `session_configured` and the notices. */
  listener?: EventListener;
  /** User shell path for `<environment_context>`; default: the account's login shell. */
  userShell?: string;
  timezone?: string;
  now?: () => Date;
  /** Lifecycle hooks and the legacy `notify` program; absent: none run. */
  hooks?: SessionHookOptions | null;
}

/** Immutable copy of the effective per-thread settings (session.md §2.1). */
export interface ThreadConfigSnapshot {
  model: string;
  modelProviderId: string;
  serviceTier: string | null;
  approvalPolicy: AskForApproval;
  approvalsReviewer: SessionConfiguration["approvalsReviewer"];
  sandboxPolicy: SandboxPolicy;
  permissionProfile: PermissionProfile;
  cwd: string;
  ephemeral: boolean;
  reasoningEffort: string | null;
  personality: string | null;
  sessionSource: SessionSource;
}

export interface SubmitResult {
  turnId: string;
  /** True when the input joined the running turn instead of starting one. */
  steered: boolean;
}

class SimpleLock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * One thread: its settings, model history, rollout and the one task that may run at a time.
 * Front ends drive it with `submit` / `steer` / `interrupt` / `resolveApproval` and read its
 * `Event` stream; nothing else of it is public.
 */
export class Session {
  readonly threadId: string;
  readonly forkedFromId: string | null;
  readonly ephemeral: boolean;
  readonly source: SessionSource;
  /** Events go out once the items recorded before them are stored (see EventChannel). */
  private readonly channel = new EventChannel(() => this.recorder.whenStored());
  private readonly lock = new SimpleLock();
  private readonly client: ModelClient;
  private readonly router: SessionToolRouter;
  private readonly approvalKeys = new Set<string>();
  /** MCP questions waiting for the user (tool approvals and servers' `elicitation/create`). */
  private readonly elicitations = new Elicitations((turnId, msg) =>
    this.emit(turnId ?? INITIAL_SUBMIT_ID, msg),
  );
  private readonly baseline: ContextBaseline = { environment: null, permissions: null };
  private readonly host: TurnHost;
  private configuration: SessionConfiguration;
  /** Settings for the rest of one running turn (turn/settings/update). */
  private turnSettings: { turnId: string; config: SessionConfiguration } | null = null;
  private historyItems: ResponseItem[] = [];
  private usage: TokenUsageInfo | null = null;
  private contextTokensStale = false;
  private limits: RateLimitSnapshot | null = null;
  private generation: number;
  private active: ActiveTurn | null = null;
  private threadName: string | null;
  private closed = false;
  /** Cancels the start-up prewarm when the session shuts down first. */
  private readonly prewarmAbort = new AbortController();
  /** The thread's MCP clients; null when no `[mcp_servers]` entry is enabled. */
  mcp: McpConnectionManager | null = null;
  private persistFailed = false;
  private readonly hookHost: TurnHookHost | null;
  /** The user texts of running turns, for the notify payload. */
  private readonly turnInputs = new Map<string, string[]>();

  private constructor(
    private readonly opts: SessionOptions,
    private readonly recorder: ThreadRecorder,
    config: SessionConfiguration,
    readonly baseInstructions: string,
    opened: OpenedThread | null,
  ) {
    this.threadId = recorder.threadId;
    this.ephemeral = recorder.ephemeral;
    this.source = opts.source ?? "vscode";
    this.configuration = config;
    this.forkedFromId = opened?.session.forkedFromId ?? null;
    this.generation = opened && opts.initialHistory?.kind === "resumed" ? opened.session.windowGeneration : 0;
    this.threadName = opened?.name ?? null;
    this.client = opts.modelClient
      ? opts.modelClient(this.threadId)
      : createModelClient({
          ...(opts.originator ? { originator: opts.originator } : {}),
          ...opts.modelClientOptions,
          ...(config.betaFeatures?.length ? { betaFeatures: config.betaFeatures } : {}),
          provider: opts.provider,
          threadId: this.threadId,
        });
    this.router = new SessionToolRouter(
      opts.toolRouter ?? null,
      new ClientTools(storedDynamicTools(opts.dynamicTools ?? opened?.session.dynamicTools ?? null), {
        userInputInDefaultMode: opts.requestUserInputInDefaultMode ?? false,
      }),
      new McpTools(() => this.mcp),
    );
    this.hookHost = opts.hooks ? this.makeHookHost(opts.hooks, opts.initialHistory?.kind ?? "new") : null;
    this.host = this.makeHost();
    if (opts.listener) this.channel.subscribe(opts.listener);
  }

  // -------------------------------------------------------------------------------------------
  // creation

  /**
   * Builds a session (session.md §4): opens the rollout, reads message-history metadata and
   * AGENTS.md concurrently, emits `session_configured` first and the queued notices after it,
   * then installs a resumed/forked history (which may warn about a model switch).
   */
  static async create(opts: SessionOptions): Promise<Session> {
    const history = opts.initialHistory ?? { kind: "new" };
    const ephemeral = opts.ephemeral ?? false;
    if (!opts.store && !(ephemeral && (history.kind === "new" || history.kind === "cleared"))) {
      throw new SessionInitError("a thread store is required unless the session is ephemeral and new");
    }
    let config = opts.config;
    const wantAgentsMd = (opts.loadAgentsMd ?? true) && config.userInstructions === null;

    const [opened, historyMeta, agents] = await Promise.all([
      Session.openRollout(opts, history, ephemeral).catch((error: unknown) => {
        throw new SessionInitError(`failed to initialize rollout recorder: ${(error as Error).message}`, {
          cause: error,
        });
      }),
      ephemeral ? Promise.resolve({ logId: 0, count: 0 }) : messageHistoryMetadata(config.keelHome),
      wantAgentsMd
        ? loadAgentsMd({ keelHome: config.keelHome, cwd: config.cwd, ...opts.projectDoc })
        : Promise.resolve(null),
    ]);
    const userInstructions = [opts.extraUserInstructions, config.userInstructions ?? agents?.text].filter(
      (t): t is string => !!t?.trim(),
    );
    if (userInstructions.length > 0) {
      config = {
        ...config,
        userInstructions: userInstructions.join("\n\n"),
        agentsMdDirectory: config.userInstructions === null ? (agents?.projectDocDirectory ?? null) : null,
      };
    }

    const reconstructed = opened.thread?.session ?? null;
    const baseInstructions =
      opts.baseInstructionsOverride ??
      reconstructed?.baseInstructions ??
      (config.baseInstructions.trim() !== "" ? config.baseInstructions : KEEL_BASE_INSTRUCTIONS);
    const session = new Session(opts, opened.recorder, config, baseInstructions, opened.thread);
    // In the background: start-up never waits for the shell snapshot.
    session.router.startSession(session.threadId, config.cwd, config.keelHome, config.networkProxy);

    session.emitConfigured(reconstructed, historyMeta);
    const notices: StartupNotices = {
      ...opts.notices,
      startupWarnings: [
        ...(opts.notices?.startupWarnings ?? []),
        ...(agents?.warnings ?? []),
        ...serviceTierWarnings(config),
      ],
    };
    for (const msg of startupEvents(notices, config.approvalPolicy.value, config.keelHome)) {
      session.emit(INITIAL_SUBMIT_ID, msg);
    }
    if (opened.thread) session.installHistory(history.kind, opened.thread);
    await session.startMcp();
    if (opts.startupPrewarm) void session.client.prewarm?.(session.prewarmAbort.signal);
    return session;
  }

  /** Spawns the thread's MCP servers (spec mcp.md §2); their start-up is reported as events. */
  private async startMcp(): Promise<void> {
    const servers = this.configuration.mcpServers ?? [];
    if (!servers.some((s) => s.enabled)) return;
    // Imported here so threads without MCP servers never load the SDK.
    const { createMcpConnectionManager } = await import("../mcp/manager.js");
    const { mcpOAuthProviderFor } = await import("../mcp/oauth/provider.js");
    const home = this.configuration.keelHome;
    this.mcp = createMcpConnectionManager(servers, {
      authProvider: (server) => mcpOAuthProviderFor(home, server),
      cwd: this.configuration.cwd,
      env: this.opts.modelClientOptions?.env ?? {},
      hooks: {
        onStatus: (server, status) =>
          this.emit(INITIAL_SUBMIT_ID, { type: "mcp_startup_update", server, status }),
        onStartupComplete: (summary) =>
          this.emit(INITIAL_SUBMIT_ID, { type: "mcp_startup_complete", ...summary }),
        onElicitation: (server, request, signal) => this.serverElicitation(server, request, signal),
      },
    });
    // A new thread without required servers need not wait for the spawns: start them on the next
    // turn of the event loop (before any later request is read), as Codex answers thread/start
    // first. A resumed thread reports its `starting` burst before its response, as Codex does.
    const manager = this.mcp;
    const fresh = (this.opts.initialHistory?.kind ?? "new") === "new";
    if (!fresh || servers.some((s) => s.enabled && s.required)) manager.start();
    else {
      setImmediate(() => manager.start());
      return;
    }
    try {
      await this.mcp.waitForRequired();
    } catch (error) {
      // No thread without its required servers: end everything this session started.
      await this.shutdown();
      throw new SessionInitError(`Fatal error: Failed to initialize session: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }

  /** The thread's `[mcp_servers]` (config plus the thread's own), as last started or reloaded. */
  mcpServerConfigs(): readonly McpServerConfig[] {
    return this.configuration.mcpServers ?? [];
  }

  /**
   * `config/mcpServer/reload`: applies a re-read server list. A thread that had no enabled server
   * gets its manager now, so newly added servers start at once (spec mcp.md §2).
   */
  async reloadMcp(servers: readonly McpServerConfig[]): Promise<void> {
    this.configuration = { ...this.configuration, mcpServers: servers };
    if (this.closed) return;
    if (this.mcp) this.mcp.reload(servers);
    else await this.startMcp();
  }

  private static async openRollout(
    opts: SessionOptions,
    history: InitialHistory,
    ephemeral: boolean,
  ): Promise<{ recorder: ThreadRecorder; thread: OpenedThread | null }> {
    const config = opts.config;
    const persistExtendedHistory = opts.persistExtendedHistory ?? false;
    const common = {
      cwd: config.cwd,
      source: opts.source ?? "vscode",
      originator: opts.originator,
      modelProvider: config.providerId,
      ephemeral,
      persistExtendedHistory,
    };
    switch (history.kind) {
      case "new":
      case "cleared": {
        const baseInstructions =
          opts.baseInstructionsOverride ?? (config.baseInstructions || KEEL_BASE_INSTRUCTIONS);
        if (!opts.store) {
          return {
            recorder: new InMemoryRecorder(uuidv7(), persistExtendedHistory ? "extended" : "limited"),
            thread: null,
          };
        }
        const dynamicTools =
          opts.dynamicTools && opts.dynamicTools.length > 0 ? [...opts.dynamicTools] : null;
        return {
          recorder: opts.store.createThread({ ...common, baseInstructions, dynamicTools }),
          thread: null,
        };
      }
      case "resumed": {
        const thread = await opts.store!.resumeThread(history.thread, { persistExtendedHistory });
        return { recorder: thread.recorder, thread };
      }
      case "forked": {
        const thread = await opts.store!.forkThread({
          ...common,
          from: history.from,
          ...(history.cut ? { cut: history.cut } : {}),
          turnAbortedMarker: DEFAULT_TURN_ABORTED_MARKER,
          ...(opts.baseInstructionsOverride ? { baseInstructions: opts.baseInstructionsOverride } : {}),
        });
        return { recorder: thread.recorder, thread };
      }
    }
  }

  private emitConfigured(
    reconstructed: ReconstructedSession | null,
    meta: { logId: number; count: number },
  ): void {
    const config = this.configuration;
    this.emit(INITIAL_SUBMIT_ID, {
      type: "session_configured",
      session_id: this.threadId,
      forked_from_id: this.forkedFromId,
      thread_name: this.threadName,
      model: config.collaborationMode.settings.model,
      model_provider_id: config.providerId,
      service_tier: config.serviceTier,
      approval_policy: config.approvalPolicy.value,
      approvals_reviewer: config.approvalsReviewer,
      sandbox_policy: config.sandboxPolicy.value,
      permission_profile: sessionPermissionProfile(config),
      cwd: config.cwd,
      reasoning_effort: config.collaborationMode.settings.reasoningEffort,
      history_log_id: meta.logId,
      history_entry_count: meta.count,
      initial_messages: reconstructed ? reconstructed.initialMessages : null,
      rollout_path: this.recorder.path,
    });
  }

  /**
   * `record_initial_history`: install a rebuilt history (the fork's copy is already on disk).
   * Lines the reader skipped are reported first: the user was promised to hear about them.
   */
  private installHistory(kind: InitialHistory["kind"], opened: OpenedThread): void {
    const rebuilt = opened.session;
    if (opened.readFrom) {
      for (const message of rolloutReadWarnings(opened.readFrom, opened.warnings)) {
        this.emit(INITIAL_SUBMIT_ID, { type: "warning", message });
      }
    }
    const policy = historyOutputPolicy(this.configuration);
    this.historyItems = rebuilt.history.map((item) => truncateItemForHistory(item, policy));
    this.usage = rebuilt.tokenInfo;
    Object.assign(
      this.baseline,
      baselineFromTurnContext(rebuilt.referenceContextItem, this.configuration, this.environmentFacts()),
    );
    if (kind !== "resumed") return;
    this.configuration = {
      ...this.configuration,
      collaborationMode: restoredCollaborationMode(rebuilt.referenceContextItem, this.configuration),
    };
    const previous = rebuilt.previousTurnSettings?.model;
    const current = this.configuration.collaborationMode.settings.model;
    if (previous && previous !== current) {
      this.emit(INITIAL_SUBMIT_ID, { type: "warning", message: modelMismatchWarning(previous, current) });
    }
  }

  // -------------------------------------------------------------------------------------------
  // observation

  /** Listens to every event from now on; start-up events are replayed to the first listener. */
  subscribe(listener: EventListener): () => void {
    return this.channel.subscribe(listener);
  }

  /** The event stream as an async iterator (ends after `shutdown_complete`). */
  events(signal?: AbortSignal): AsyncGenerator<Event> {
    return this.channel.stream(signal);
  }

  config(): SessionConfiguration {
    return this.configuration;
  }

  snapshot(): ThreadConfigSnapshot {
    const c = this.configuration;
    return {
      model: c.collaborationMode.settings.model,
      modelProviderId: c.providerId,
      serviceTier: c.serviceTier,
      approvalPolicy: c.approvalPolicy.value,
      approvalsReviewer: c.approvalsReviewer,
      sandboxPolicy: c.sandboxPolicy.value,
      permissionProfile: sessionPermissionProfile(c),
      cwd: c.cwd,
      ephemeral: this.ephemeral,
      reasoningEffort: c.collaborationMode.settings.reasoningEffort,
      personality: c.personality,
      sessionSource: this.source,
    };
  }

  get rolloutPath(): string | null {
    return this.recorder.path;
  }

  /** Whether the thread is in the store yet (a new thread is stored with its first turn). */
  get materialized(): boolean {
    return this.recorder.materialized;
  }

  /** The model-visible history (what the next request would carry before new input). */
  history(): ResponseItem[] {
    return [...this.historyItems];
  }

  tokenInfo(): TokenUsageInfo | null {
    return this.usage;
  }

  name(): string | null {
    return this.threadName;
  }

  activeTurnId(): string | null {
    return this.active && !this.active.abortReason && !this.active.finishing ? this.active.turnId : null;
  }

  /** The rollout items of this thread so far (for forking a loaded thread). */
  async rolloutItems(): Promise<RolloutItem[] | null> {
    if (this.recorder instanceof InMemoryRecorder) return this.recorder.history();
    // Readers get what is in the file; lines a full disk holds back are not there yet.
    await this.recorder.flush().catch(() => undefined);
    return null;
  }

  // -------------------------------------------------------------------------------------------
  // settings

  /** What `update` would produce, without applying it. */
  previewSettings(
    update: SessionSettingsUpdate,
    base: SessionConfiguration = this.configuration,
  ): ApplyResult<SessionConfiguration> {
    return applySettingsUpdate(base, update, {
      processCwd: this.opts.processCwd,
      env: this.opts.permissionEnv,
      onWarning: (message) =>
        this.emit(this.active?.turnId ?? INITIAL_SUBMIT_ID, { type: "warning", message }),
    });
  }

  /**
   * Applies a settings update for this and later turns. A constraint violation throws the
   * ConstraintError and leaves the previous settings in force.
   */
  updateSettings(update: SessionSettingsUpdate): SessionConfiguration {
    const result = this.previewSettings(update);
    if (!result.ok) throw result.error;
    this.configuration = result.config;
    return this.configuration;
  }

  /**
   * turn/settings/update: `update` for the rest of the running turn `turnId` only; later turns
   * keep the thread's settings. False when that turn is not running. A constraint violation
   * throws the ConstraintError and changes nothing.
   */
  updateTurnSettings(turnId: string, update: SessionSettingsUpdate): boolean {
    const turn = this.active;
    if (!turn || turn.turnId !== turnId || turn.finishing) return false;
    const result = this.previewSettings(update, this.turnConfig());
    if (!result.ok) throw result.error;
    this.turnSettings = { turnId, config: result.config };
    return true;
  }

  /** What the running turn's next step uses: its own settings if it was given some. */
  private turnConfig(): SessionConfiguration {
    const own = this.turnSettings;
    return own !== null && own.turnId === this.active?.turnId ? own.config : this.configuration;
  }

  // -------------------------------------------------------------------------------------------
  // turns

  /**
   * User input (`turn/start`): applies `settings` (throws on a constraint violation, nothing
   * started), then steers the input into the running turn, or starts a new regular turn.
   */
  async submit(input: readonly UserInput[], settings?: SessionSettingsUpdate): Promise<SubmitResult> {
    this.assertOpen();
    if (input.length === 0) throw SteerInputError.emptyInput();
    if (settings) this.updateSettings(settings);
    try {
      return { turnId: this.steer(input), steered: true };
    } catch (error) {
      if (!(error instanceof SteerInputError) || error.kind !== "no_active_turn") throw error;
    }
    const outputSchema = settings?.finalOutputJsonSchema ?? null;
    const turn = await this.spawnTask("regular", (t) => this.runRegular(t, input, outputSchema));
    return { turnId: turn.turnId, steered: false };
  }

  /** Always starts a new regular turn; a running one is aborted with reason `replaced`. */
  async startTurn(input: readonly UserInput[], settings?: SessionSettingsUpdate): Promise<string> {
    this.assertOpen();
    if (input.length === 0) throw SteerInputError.emptyInput();
    if (settings) this.updateSettings(settings);
    const outputSchema = settings?.finalOutputJsonSchema ?? null;
    const turn = await this.spawnTask("regular", (t) => this.runRegular(t, input, outputSchema));
    return turn.turnId;
  }

  /**
   * The user's own `!` command (thread/shellCommand), as Codex runs it: inside the running turn
   * when there is one, else as a turn of its own that calls no model. Its record joins the
   * history, so the model sees command and output on its next request.
   */
  async shellCommand(command: string): Promise<void> {
    this.assertOpen();
    const running = this.active;
    if (running && !running.abortReason && !running.finishing) {
      void this.runUserShell(running, command).catch(() => undefined);
      return;
    }
    await this.spawnTask("regular", async (t) => {
      await this.runUserShell(t, command);
      return null;
    });
  }

  private async runUserShell(turn: ActiveTurn, command: string): Promise<void> {
    const config = this.configuration;
    const ctx = turnToolContext(this.host, turn, config, new FileTurnDiffTracker(config.cwd));
    const ran = await this.router.runUserShell(command, this.nextItemId(), ctx);
    const result = turn.signal.aborted
      ? { ...ran, exitCode: -1, output: USER_SHELL_ABORTED, durationMs: 0 }
      : ran;
    this.record([userShellRecord(command, result, toolOutputPolicy(config))]);
  }

  /**
   * A code review as its own task (replaces a running turn): `entered_review_mode`, the reviewer's
   * work, then `exited_review_mode` and the review as the assistant's message. The prompt is
   * resolved first, so a bad target (empty instructions) fails before anything starts.
   */
  async review(target: ReviewTarget): Promise<string> {
    this.assertOpen();
    const mergeBase =
      target.type === "baseBranch"
        ? await mergeBaseWithHead(this.configuration.cwd, target.branch, this.opts.modelClientOptions?.env)
        : null;
    const prompt = reviewPrompt(target, mergeBase);
    const turn = await this.spawnTask("review", async (t) => {
      this.emit(t.turnId, { type: "entered_review_mode", target, user_facing_hint: reviewHint(target) });
      let output: ReviewOutput | null = null;
      try {
        output = await runReviewer(this.host, t, prompt, () => this.nextItemId());
      } catch (error) {
        if (t.signal.aborted) throw error;
        this.emit(t.turnId, { type: "error", message: errorMessage(error) });
      }
      exitReviewMode(this.host, t, output, this.nextItemId());
      return null;
    });
    return turn.turnId;
  }

  /** Manual compaction as its own task (replaces a running turn). */
  async compact(): Promise<string> {
    this.assertOpen();
    const turn = await this.spawnTask("compact", async (t) => {
      await compactHistory(this.host, t);
      return null;
    });
    return turn.turnId;
  }

  /**
   * Queues input for the running turn; it reaches the model at the next sampling step.
   * Errors as session.md §7.3.
   */
  steer(input: readonly UserInput[], expectedTurnId?: string | null): string {
    if (input.length === 0) throw SteerInputError.emptyInput();
    const turn = this.active;
    if (!turn || turn.abortReason || turn.finishing) throw SteerInputError.noActiveTurn();
    if (expectedTurnId && expectedTurnId !== turn.turnId) {
      throw SteerInputError.expectedTurnMismatch(expectedTurnId, turn.turnId);
    }
    if (turn.kind !== "regular") throw SteerInputError.notSteerable(turn.kind);
    turn.pushInput([...input]);
    return turn.turnId;
  }

  /**
   * Aborts the running turn and everything it started (model stream, tools, approvals).
   * Resolves with the aborted turn's id, or null when nothing was running.
   */
  interrupt(): Promise<string | null> {
    return this.lock.run(async () => {
      await this.interruptHooks();
      return this.abortActive("interrupted");
    });
  }

  /** Interrupt hooks see the turn while it still runs (their own run must not be aborted with it). */
  private async interruptHooks(): Promise<void> {
    const turn = this.active;
    if (!this.hookHost || !turn || turn.finishing) return;
    const emit = (msg: EventMsg) => this.emit(turn.turnId, msg);
    await this.hookHost.hooks
      .interrupt({ turnId: turn.turnId, config: this.configuration, emit })
      .catch(() => undefined);
  }

  /** Resolves when no task is running. */
  async waitForIdle(): Promise<void> {
    while (this.active) await this.active.done.then(() => this.lock.run(async () => {}));
  }

  /** Answers a parked approval request (key: approval id, else call id). False if none waits. */
  resolveApproval(key: string, response: ApprovalResponse): boolean {
    return this.active?.resolveApproval(key, response) ?? false;
  }

  /** Answers a parked `request_user_input` call (null: cancelled). False if none waits. */
  resolveUserInput(callId: string, answers: UserInputAnswers | null): boolean {
    return this.active?.resolveClientRequest("userInput", callId, answers) ?? false;
  }

  /** Answers a parked dynamic tool call with the client's result. False if none waits. */
  resolveDynamicTool(callId: string, result: DynamicToolResult): boolean {
    return this.active?.resolveClientRequest("dynamicTool", callId, result) ?? false;
  }

  /** Answers an `elicitation_request` (an MCP server's question or an MCP tool approval). */
  resolveElicitation(id: string, result: McpElicitationResult): boolean {
    return this.elicitations.resolve(id, result);
  }

  /**
   * A server's `elicitation/create`: the client is asked (under the running turn, if any), unless
   * the approval policy forbids asking, when Codex declines without asking.
   */
  private serverElicitation(
    server: string,
    request: McpElicitationRequest,
    signal: AbortSignal,
  ): Promise<McpElicitationResult> {
    if (!mcpMayAskUser(this.configuration.approvalPolicy.value))
      return Promise.resolve({ action: "decline" });
    return this.elicitations.ask(server, this.active?.turnId ?? null, request, signal);
  }

  pendingApprovals(): { turnId: string; key: string; request: ApprovalRequest }[] {
    const turn = this.active;
    return turn ? turn.pendingApprovals().map((p) => ({ turnId: turn.turnId, ...p })) : [];
  }

  /** Names the thread (empty or null clears) and emits `thread_name_updated`. */
  async setThreadName(name: string | null): Promise<void> {
    const value = name && name.trim() !== "" ? name.trim() : null;
    this.threadName = value;
    const msg: EventMsg = { type: "thread_name_updated", thread_id: this.threadId, thread_name: value ?? "" };
    if (this.opts.store && !this.ephemeral) {
      await this.opts.store.setThreadName(this.threadId, value);
      this.channel.emit({ id: INITIAL_SUBMIT_ID, msg });
    } else {
      this.emit(INITIAL_SUBMIT_ID, msg);
    }
  }

  /** Aborts the running task, flushes and closes the rollout, emits `shutdown_complete`. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.prewarmAbort.abort();
    await this.lock.run(async () => {
      await this.abortActive("interrupted");
      this.elicitations.cancelAll();
      await this.hookHost?.hooks.sessionEnd(this.configuration.cwd).catch(() => undefined);
      // Background processes die with the thread; their items end before the rollout closes.
      await this.router.terminateProcesses(this.threadId).catch(() => undefined);
      await this.router.endSession(this.threadId).catch(() => undefined);
      // MCP server children must not outlive the thread.
      await this.mcp?.shutdown().catch(() => undefined);
      this.closed = true;
      try {
        await this.recorder.close();
      } catch (error) {
        this.channel.emit({
          id: INITIAL_SUBMIT_ID,
          msg: {
            type: "warning",
            message: `items of this thread could not be saved and are lost: ${errorMessage(error)}`,
          },
        });
      }
    });
    this.channel.emit({ id: INITIAL_SUBMIT_ID, msg: { type: "shutdown_complete" } });
    this.channel.close();
  }

  /** The thread's background processes (unified exec) still running, in id order. */
  backgroundTerminals(): BackgroundProcess[] {
    return this.router.runningProcesses(this.threadId);
  }

  /** Kills one background process; false when no such process runs. */
  terminateBackgroundTerminal(processId: number): Promise<boolean> {
    return this.router.terminateProcess(this.threadId, processId);
  }

  /** What this session remembers granting (why a command may run without asking). */
  rememberedApprovals(): RememberedApproval[] {
    return rememberedApprovals(this.router.rememberedGrants(this.threadId), this.approvalKeys);
  }

  /** What `request_permissions` granted that commands get now (the running turn's grants too). */
  permissionGrants(): RequestedPermissions[] {
    return this.router.permissionGrants(this.threadId, this.activeTurnId());
  }

  /** Forgets one remembered grant by id, so its next use asks again; false when unknown. */
  revokeApproval(id: string): boolean {
    const grant = this.rememberedApprovals().find((g) => g.id === id);
    if (!grant) return false;
    this.approvalKeys.delete(grant.key);
    if (grant.kind !== "mcpTool") this.router.forgetGrant(this.threadId, grant);
    return true;
  }

  /** Kills the thread's background processes (unified exec); their items end as failed. */
  async cleanBackgroundTerminals(): Promise<void> {
    await this.router.terminateProcesses(this.threadId);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // -------------------------------------------------------------------------------------------
  // task machinery

  private assertOpen(): void {
    if (this.closed) throw new Error(`session ${this.threadId} is shut down`);
  }

  /** `outputSchema` is per turn (Codex's `final_output_json_schema`): it is not a setting. */
  private runRegular(
    turn: ActiveTurn,
    input: readonly UserInput[],
    outputSchema: unknown | null,
  ): Promise<string | null> {
    if (this.opts.hooks?.notify?.length) this.turnInputs.set(turn.turnId, [userInputText(input)]);
    return runRegularTurn(this.host, turn, input, () => this.nextItemId(), outputSchema).then(
      (r) => r.lastAgentMessage,
    );
  }

  /** `model_context_window`, else the current model's window from the catalog. */
  private contextWindow(): number | null {
    return this.opts.modelContextWindow ?? currentModelInfo(this.configuration).contextWindow;
  }

  private nextItemId(): string {
    return uuidv7();
  }

  private spawnTask(kind: TaskKind, run: (turn: ActiveTurn) => Promise<string | null>): Promise<ActiveTurn> {
    return this.lock.run(async () => {
      this.assertOpen();
      await this.catchUp();
      await this.abortActive("replaced");
      const turn = new ActiveTurn(uuidv7(), kind);
      this.active = turn;
      this.emit(turn.turnId, {
        type: "task_started",
        turn_id: turn.turnId,
        started_at: Math.floor(turn.startedAt / 1000),
        model_context_window: this.contextWindow(),
        collaboration_mode_kind: this.configuration.collaborationMode.mode,
      });
      turn.done = this.drive(turn, run);
      return turn;
    });
  }

  /** Runs a task to its end. An aborted task is finished by `abortActive` instead. */
  private async drive(turn: ActiveTurn, run: (turn: ActiveTurn) => Promise<string | null>): Promise<void> {
    let last: string | null = null;
    try {
      last = await run(turn);
    } catch (error) {
      if (turn.signal.aborted) return;
      this.emit(turn.turnId, { type: "error", message: (error as Error)?.message ?? String(error) });
    }
    if (turn.signal.aborted) return;
    turn.finishing = true;
    const now = Date.now();
    await this.endTurn(turn, {
      type: "task_complete",
      turn_id: turn.turnId,
      last_agent_message: last,
      completed_at: Math.floor(now / 1000),
      duration_ms: now - turn.startedAt,
    });
    this.notifyTurnComplete(turn.turnId, last);
  }

  /** The legacy `notify` program, fire-and-forget after a completed turn (spec hooks.md §7). */
  private notifyTurnComplete(turnId: string, lastMessage: string | null): void {
    const inputs = this.turnInputs.get(turnId);
    this.turnInputs.delete(turnId);
    const argv = this.opts.hooks?.notify;
    if (!argv?.length || !inputs) return;
    runNotify(
      argv,
      {
        type: "agent-turn-complete",
        "thread-id": this.threadId,
        "turn-id": turnId,
        cwd: this.configuration.cwd,
        client: this.opts.hooks?.clientName ?? null,
        "input-messages": inputs,
        "last-assistant-message": lastMessage,
      },
      this.opts.hooks?.env ?? {},
    );
  }

  /**
   * Before a new task: items an earlier failure left unwritten are written first. While that
   * still fails no turn starts — its work could not be saved either.
   */
  private async catchUp(): Promise<void> {
    if (this.recorder.healthy) return;
    try {
      await this.recorder.flush({ durable: true });
      this.persistFailed = false;
    } catch (error) {
      throw new ThreadNotSavedError(this.threadId, error);
    }
  }

  /**
   * The turn's last event is persisted and fsynced before anyone hears of it, and the turn is
   * no longer active by then: a client reacting to it can read the rollout or start a turn.
   * This sync decides the turn's fate: a turn whose items are not on disk is not reported
   * completed but failed, with an `error` naming the cause (recorded too, whatever the
   * persistence mode, so that the turn reads as failed once its lines reach the file).
   */
  private async endTurn(turn: ActiveTurn, msg: EventMsg): Promise<void> {
    const end = { type: "event_msg", payload: msg } as RolloutItem;
    try {
      await this.recorder.commitTurn(shouldPersistEvent(msg, this.recorder.mode) ? [end] : []);
      this.persistFailed = false;
    } catch (error) {
      this.reportPersistError(error);
      const failure: EventMsg = {
        type: "error",
        message:
          `This turn could not be saved: ${errorMessage(error)}. Its items are kept and written before the ` +
          "next turn starts; until writing works again, no new turn can start.",
      };
      const withdrawn = error instanceof RolloutWriteError && error.withdrawn;
      const tail = [{ type: "event_msg", payload: failure } as RolloutItem, ...(withdrawn ? [end] : [])];
      this.recorder.recordVerbatim(tail).catch(() => undefined);
      this.channel.emit({ id: turn.turnId, msg: failure });
    }
    if (this.active === turn) this.active = null;
    if (this.turnSettings?.turnId === turn.turnId) this.turnSettings = null;
    this.channel.emit({ id: turn.turnId, msg });
  }

  /** Caller holds the lock. */
  private async abortActive(reason: TurnAbortReason): Promise<string | null> {
    const turn = this.active;
    if (!turn) return null;
    if (turn.finishing) {
      await turn.done;
      return null;
    }
    turn.abort(reason);
    await turn.done;
    // An interrupted review still leaves the parent a record of it (Codex `ReviewTask::abort`).
    if (turn.kind === "review") exitReviewMode(this.host, turn, null, this.nextItemId());
    if (reason === "interrupted") {
      this.record([
        {
          type: "message",
          role: "user",
          content: [{ type: "input_text", text: DEFAULT_TURN_ABORTED_MARKER }],
        },
      ]);
    }
    const now = Date.now();
    await this.endTurn(turn, {
      type: "turn_aborted",
      turn_id: turn.turnId,
      reason,
      completed_at: Math.floor(now / 1000),
      duration_ms: now - turn.startedAt,
    });
    return turn.turnId;
  }

  private async requestApproval(turn: ActiveTurn, request: ApprovalRequest): Promise<ApprovalResponse> {
    const key = (request.kind === "exec" ? request.approvalId : null) ?? request.callId;
    const base = { call_id: request.callId, turn_id: turn.turnId };
    const cwd = this.configuration.cwd;
    switch (request.kind) {
      case "exec":
        this.emit(turn.turnId, {
          type: "exec_approval_request",
          ...base,
          approval_id: request.approvalId ?? null,
          command: request.command,
          cwd: request.cwd,
          reason: request.reason ?? null,
          parsed_cmd: request.commandActions ?? [],
          proposed_execpolicy_amendment: request.proposedExecpolicyAmendment ?? null,
          additional_permissions: request.additionalPermissions ?? null,
          available_decisions: request.availableDecisions ?? null,
          ...(request.approvalKind ? { approval_kind: request.approvalKind } : {}),
          ...(request.network
            ? {
                network_approval_context: request.network.context,
                proposed_network_policy_amendments: request.network.proposedAmendments,
              }
            : {}),
        });
        break;
      case "patch":
        this.emit(turn.turnId, {
          type: "apply_patch_approval_request",
          ...base,
          changes: request.changes,
          reason: request.reason ?? null,
          grant_root: request.grantRoot ?? null,
        });
        break;
      case "permissions":
        this.emit(turn.turnId, {
          type: "request_permissions",
          ...base,
          cwd,
          reason: request.reason ?? null,
          permissions: request.permissions,
        });
        break;
    }
    const response = await turn.waitForApproval(key, request);
    // "abort" (v2 `cancel`): do not run it, and stop the turn.
    if (response.decision === "abort") void this.interrupt();
    return response;
  }

  // -------------------------------------------------------------------------------------------
  // state plumbing

  private emit(id: string, msg: EventMsg): void {
    this.persistEvent(msg);
    this.channel.emit({ id, msg });
  }

  private persistEvent(msg: EventMsg): void {
    if (shouldPersistEvent(msg, this.recorder.mode))
      this.persist([{ type: "event_msg", payload: boundEventForRollout(msg) } as RolloutItem]);
  }

  private record(items: readonly ResponseItem[]): void {
    if (items.length === 0) return;
    // The history keeps tool outputs within the model's budget; the rollout keeps them as made.
    const policy = historyOutputPolicy(this.configuration);
    this.historyItems.push(...items.map((item) => truncateItemForHistory(item, policy)));
    this.persist(items.map((payload) => ({ type: "response_item", payload }) as RolloutItem));
  }

  private persist(items: readonly RolloutItem[]): void {
    if (this.closed) return;
    this.recorder.record(items).catch((error: unknown) => this.reportPersistError(error));
  }

  /** One warning per outage (it ends when a turn's items are safely on disk again). */
  private reportPersistError(error: unknown): void {
    if (this.persistFailed) return;
    this.persistFailed = true;
    this.channel.emit({
      id: this.active?.turnId ?? INITIAL_SUBMIT_ID,
      msg: {
        type: "warning",
        message: `failed to write the rollout: ${errorMessage(error)}; the unsaved items are kept in memory`,
      },
    });
  }

  private environmentFacts(): EnvironmentFacts {
    return {
      shellPath: this.opts.userShell ?? safeLoginShell(),
      timezone: this.opts.timezone ?? localTimeZone(),
      now: this.opts.now?.() ?? new Date(),
    };
  }

  private makeHookHost(options: SessionHookOptions, history: InitialHistory["kind"]): TurnHookHost {
    const sources: Record<InitialHistory["kind"], SessionStartSource> = {
      new: "startup",
      cleared: "clear",
      resumed: "resume",
      forked: "fork",
    };
    let pending: SessionStartSource | null = sources[history];
    return {
      hooks: new SessionHooks(
        options.engine,
        this.threadId,
        () => this.recorder.path,
        () => {
          const mcp = this.mcp;
          // A hook may fire before the servers finished starting (UserPromptSubmit at the first turn).
          return mcp
            ? async (server, tool, args, opts) => {
                await mcp.waitForStarting(opts.timeoutMs);
                return mcp.callTool(server, tool, args, opts);
              }
            : null;
        },
      ),
      takeSessionStart: () => {
        const source = pending;
        pending = null;
        return source;
      },
      stopHookMaxBlocks: options.stopHookMaxBlocks ?? DEFAULT_STOP_HOOK_MAX_BLOCKS,
    };
  }

  private makeHost(): TurnHost {
    const approvalCache: ApprovalCache = {
      has: (key) => this.approvalKeys.has(key),
      add: (key) => {
        this.approvalKeys.add(key);
      },
    };
    return {
      threadId: this.threadId,
      client: this.client,
      router: this.router,
      approvalCache,
      hooks: this.hookHost,
      baseInstructions: this.baseInstructions,
      baseline: this.baseline,
      skills: this.opts.skills ?? null,
      config: () => this.turnConfig(),
      environmentFacts: () => this.environmentFacts(),
      history: () => this.historyItems,
      record: (items) => this.record(items),
      persist: (items) => this.persist(items),
      replaceHistory: (items) => {
        this.historyItems = [...items];
      },
      emit: (turnId, msg) => this.emit(turnId, msg),
      addUsage: (usage: TokenUsage) => {
        const prev = this.usage?.total_token_usage;
        const sum = (k: keyof TokenUsage) => (prev ? (prev[k] as number) : 0) + (usage[k] as number);
        this.usage = {
          total_token_usage: {
            input_tokens: sum("input_tokens"),
            cached_input_tokens: sum("cached_input_tokens"),
            output_tokens: sum("output_tokens"),
            reasoning_output_tokens: sum("reasoning_output_tokens"),
            total_tokens: sum("total_tokens"),
          },
          last_token_usage: { ...usage },
          model_context_window: this.contextWindow(),
        };
        this.contextTokensStale = false;
        return this.usage;
      },
      tokenInfo: () => this.usage,
      contextTokens: () =>
        this.contextTokensStale || !this.usage ? null : this.usage.last_token_usage.total_tokens,
      setRateLimits: (snapshot) => {
        this.limits = snapshot;
      },
      rateLimits: () => this.limits,
      windowGeneration: () => this.generation,
      advanceWindow: () => {
        this.generation++;
        this.contextTokensStale = true;
      },
      autoCompactLimit: () =>
        autoCompactLimit(
          this.opts.autoCompactTokenLimit ?? currentModelInfo(this.configuration).autoCompactTokenLimit,
          this.contextWindow(),
        ),
      requestApproval: (turn, request) => this.requestApproval(turn, request),
      requestUserInput: (turn, request) => askClient(turn, (msg) => this.emit(turn.turnId, msg), request),
      callDynamicTool: (turn, request) => callClientTool(turn, (msg) => this.emit(turn.turnId, msg), request),
      requestElicitation: (turn, server, request) =>
        this.elicitations.ask(server, turn.turnId, request, turn.signal),
    };
  }
}

const USER_SHELL_ABORTED = "command aborted by user";

function safeLoginShell(): string {
  try {
    return os.userInfo().shell ?? "/bin/sh";
  } catch {
    return "/bin/sh";
  }
}
