import { storedApiKey } from "../../auth/auth-file.js";
import { hookOptionsFromConfig, withHookWarnings } from "../../hooks/from-config.js";
import { execPolicyFromConfig } from "../../execpolicy/from-config.js";
import { rulesLoadWarning } from "../../execpolicy/warning.js";
import type { HookEngine } from "../../hooks/engine.js";
import { KEEL_VERSION } from "../../cli/version.js";
import { configLocationsFromEnv, type LoadedConfig } from "../../config/load.js";
import { prepareNodeTransport } from "../../model/node-transport.js";
import { buildTurns } from "../../rollout/turns.js";
import { openThreadStore } from "../../store/open.js";
import type { StoreSelection } from "../../store/select.js";
import { RemoteThreads } from "./remote-threads.js";
import type { ThreadStore } from "../../store/types.js";
import {
  loadAgentsMd,
  type Session,
  SessionManager,
  sessionOptionsFromConfig,
  type ThreadOptions,
  type ToolRouter,
} from "../../session/index.js";
import type { Turn } from "../../protocol/v2/turn.js";
import { SandboxedToolRouter } from "../../tools/runtime/index.js";
import type { Connection } from "../connection.js";
import { invalidRequest } from "../errors.js";
import { whileIdle } from "../idle-prime.js";
import type { HandlerTable } from "../router.js";
import type { AppServer } from "../server.js";
import type { EngineConfigSource } from "./config-loader.js";
import { LoadedThread, type ThreadFacts } from "./loaded-thread.js";
import { EngineSkills } from "./skills.js";
import { settleStaleTurns, turnsToV2 } from "./thread-view.js";

export const DEFAULT_IDLE_UNLOAD_MS = 30 * 60 * 1000;

/** Schedules `fn` after `ms`; returns a cancel function (tests inject a manual clock). */
export type Scheduler = (fn: () => void, ms: number) => () => void;

const realScheduler: Scheduler = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  timer.unref?.();
  return () => clearTimeout(timer);
};

export interface EngineOptions {
  /** Environment for provider keys, `$TMPDIR`, `$SHELL`, KEEL_REQUIREMENTS_FILE (never read from `process`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Default: `$KEEL_SYSTEM_CONFIG_FILE` or /etc/keel/config.toml. */
  systemConfigFile?: string;
  /** Default: `$KEEL_REQUIREMENTS_FILE` or /etc/keel/requirements.toml; null = none. */
  requirementsFile?: string | null;
  /** `-c key=value` overrides applied to every thread. */
  cliOverrides?: readonly string[];
  /** `--strict-config`: unrecognised config keys fail a thread's configuration load. */
  strictConfig?: boolean;
  /** `--dangerously-bypass-hook-trust`: hooks run without a trusted hash. */
  bypassHookTrust?: boolean;
  /** Unload threads without subscribers after this much inactivity (default 30 minutes). */
  idleUnloadMs?: number;
  scheduler?: Scheduler;
  /** The tools a session gets (default: keel's sandboxed shell / exec_command / apply_patch). */
  toolRouter?: (loaded: LoadedConfig) => ToolRouter | null;
  /** Replaces the HTTP model client (tests). */
  modelClient?: ThreadOptions["modelClient"];
  now?: () => number;
  /** The thread store (default: rollout files + SQLite index under the home). */
  store?: StoreSelection;
}

/** Request fields that shape a new session besides the loaded configuration. */
export interface SessionRequest {
  serviceTier?: string | null;
  personality?: "none" | "friendly" | "pragmatic" | null;
  ephemeral?: boolean | null;
  persistExtendedHistory?: boolean | null;
}

/**
 * The session engine behind the app-server: owns the thread store and the loaded sessions,
 * wraps each in a LoadedThread (wire state) and unloads threads nobody watches.
 */
export class Engine {
  readonly store: ThreadStore;
  readonly manager: SessionManager;
  /** Threads other servers run that clients here watch (null on a store of its own). */
  readonly remote: RemoteThreads | null;
  readonly config: EngineConfigSource;
  /** Skills shared by every thread and the `skills/*` methods. */
  readonly skills: EngineSkills;
  /** The handlers `attachEngine` registered, by method. */
  handlers: HandlerTable = {};
  private readonly threads = new Map<string, LoadedThread>();
  /** The hook engines of the sessions built here, reloaded when a client trusts a hook. */
  private readonly hookEngines = new Set<WeakRef<HookEngine>>();
  /** Set once the server shuts down: nothing new is opened after that. */
  private stopping = false;
  private readonly idleMs: number;
  private readonly schedule: Scheduler;

  constructor(
    readonly server: AppServer,
    readonly options: EngineOptions = {},
  ) {
    const env = options.env ?? {};
    const locations = configLocationsFromEnv(env);
    this.config = {
      keelHome: server.home,
      processCwd: server.cwd,
      env,
      systemConfigFile: options.systemConfigFile ?? locations.systemConfigFile,
      requirementsFile:
        options.requirementsFile === undefined ? locations.requirementsFile : options.requirementsFile,
      cliOverrides: options.cliOverrides,
      strictConfig: options.strictConfig === true,
      log: (line) => server.log(line),
    };
    this.store = openThreadStore({
      home: server.home,
      ...options.store,
      onWarning: (message) => {
        server.log(`warning: ${message}`);
        server.subscriptions.notifyAll("warning", { threadId: null, message });
      },
    });
    this.manager = new SessionManager({ store: this.store });
    // Several servers on one store: watch threads others run, share this server's requests.
    const cluster = this.store.cluster;
    this.remote = cluster
      ? new RemoteThreads(cluster, server.subscriptions, (line) => server.log(line))
      : null;
    if (cluster) {
      server.subscriptions.shareRequests(cluster.shared, (e) => server.log(`warning: shared request: ${e}`));
    }
    this.skills = new EngineSkills(this.config, server);
    this.idleMs = options.idleUnloadMs ?? DEFAULT_IDLE_UNLOAD_MS;
    this.schedule = options.scheduler ?? realScheduler;
    server.setLoadedThreads({
      isLoaded: (id) => this.get(id) !== undefined,
      list: () => [...this.threads.values()].filter((t) => !t.closed).map((t) => t.id),
    });
    server.subscriptions.onSubscribersChanged((threadId) => {
      const thread = this.get(threadId);
      if (thread) this.considerIdle(thread);
    });
    server.onShutdown(() => this.shutdown());
  }

  get now(): () => number {
    return this.options.now ?? Date.now;
  }

  get(threadId: string): LoadedThread | undefined {
    const thread = this.threads.get(threadId);
    return thread && !thread.closed ? thread : undefined;
  }

  /** Every loaded thread (not closed). */
  loadedThreads(): LoadedThread[] {
    return [...this.threads.values()].filter((t) => !t.closed);
  }

  /** The loaded thread, or −32600 `thread not found: <id>`. */
  require(threadId: string): LoadedThread {
    const thread = this.get(threadId);
    if (!thread) throw invalidRequest(`thread not found: ${threadId}`);
    return thread;
  }

  /** Session options for a thread from its loaded configuration and the request. */
  sessionOptions(loaded: LoadedConfig, request: SessionRequest, connection: Connection): ThreadOptions {
    const client = connection.clientInfo;
    const base = sessionOptionsFromConfig(loaded, {
      processCwd: this.config.processCwd,
      extras: {
        ...(client ? { appServerClientName: client.name, appServerClientVersion: client.version } : {}),
      },
    });
    const env = this.config.env;
    const execPolicy = execPolicyFromConfig(loaded, {
      ignoreRules: false,
      homeDir: env.HOME ?? loaded.keelHome,
    });
    if (execPolicy.loadError)
      this.server.subscriptions.notifyAll("configWarning", rulesLoadWarning(execPolicy.loadError));
    const toolRouter = this.options.toolRouter
      ? this.options.toolRouter(loaded)
      : new SandboxedToolRouter({
          execPolicy,
          env,
          shellEnvironmentPolicy: loaded.shellEnvironmentPolicy,
          permissionEnv: loaded.permissionEnv,
          allowLoginShell: loaded.allowLoginShell,
          shellSnapshot: loaded.features.shell_snapshot ?? true,
          ...(loaded.backgroundTerminalMaxTimeoutMs !== null
            ? { backgroundTerminalMaxTimeoutMs: loaded.backgroundTerminalMaxTimeoutMs }
            : {}),
          ...(env.SHELL ? { userShell: env.SHELL } : {}),
        });
    const hooks = hookOptionsFromConfig(loaded, {
      env,
      bypassTrust: this.options.bypassHookTrust === true,
      clientName: client?.name ?? null,
    });
    if (hooks) this.hookEngines.add(new WeakRef(hooks.engine));
    return {
      ...base,
      ...(hooks ? { hooks, notices: withHookWarnings(base.notices, hooks) } : {}),
      config: {
        ...base.config,
        serviceTier: request.serviceTier ?? base.config.serviceTier,
        personality: request.personality ?? base.config.personality,
      },
      ephemeral: base.ephemeral || request.ephemeral === true,
      persistExtendedHistory: request.persistExtendedHistory === true,
      startupPrewarm: env.KEEL_STARTUP_PREWARM === "1",
      source: "vscode",
      ...(client ? { originator: client.name } : {}),
      toolRouter,
      skills: this.skills.manager,
      modelClientOptions: {
        env,
        storedApiKey: () => storedApiKey(loaded.keelHome, (m) => this.server.log(`warning: ${m}`)),
      },
      ...(this.options.modelClient ? { modelClient: this.options.modelClient } : {}),
    };
  }

  /** After a trust change (config/batchWrite): every live session re-reads its hooks. */
  reloadHooks(): void {
    for (const ref of this.hookEngines) {
      const hooks = ref.deref();
      if (hooks) hooks.reload();
      else this.hookEngines.delete(ref);
    }
  }

  /** AGENTS.md files the session loads (reported as `instructionSources`). */
  async instructionSources(loaded: LoadedConfig): Promise<string[]> {
    try {
      return (await loadAgentsMd({ keelHome: loaded.keelHome, cwd: loaded.cwd, ...loaded.projectDoc })).files;
    } catch {
      return [];
    }
  }

  /** Wraps a new session; a session that is already wrapped is returned as it is. */
  adopt(session: Session, facts: Partial<ThreadFacts>): LoadedThread {
    const existing = this.get(session.threadId);
    if (existing) return existing;
    // Taken over from another server: this server's own thread now notifies the watchers.
    this.remote?.stop(session.threadId);
    const now = this.now();
    const thread = new LoadedThread(
      session,
      {
        createdAtMs: facts.createdAtMs ?? now,
        updatedAtMs: facts.updatedAtMs ?? now,
        preview: facts.preview ?? "",
        cliVersion: facts.cliVersion ?? KEEL_VERSION,
        gitInfo: facts.gitInfo ?? null,
        activePermissionProfile: facts.activePermissionProfile ?? null,
        instructionSources: facts.instructionSources ?? [],
        requestConfig: facts.requestConfig ?? null,
      },
      {
        subscriptions: this.server.subscriptions,
        log: (line) => this.server.log(line),
        onIdleCandidate: (t) => this.considerIdle(t),
        now: this.options.now,
      },
    );
    this.threads.set(thread.id, thread);
    // The session is configured by now: Codex starts its skills watcher at this point.
    this.skills.startWatching();
    return thread;
  }

  /**
   * After a thread/start, resume or fork response, while the client composes the first prompt:
   * the one-time work of a first turn — opening the thread index (SQLite, where the turn's first
   * write lands) and loading the model transport. Failures are left to the turn to report.
   */
  prepareForFirstTurn(thread: LoadedThread): void {
    if (thread.session.ephemeral) return;
    whileIdle(() => {
      if (this.stopping || thread.closed || thread.session.isClosed) return;
      this.store.prepare();
      prepareNodeTransport();
    });
  }

  /** The thread's turns as rebuilt from its rollout (in memory for ephemeral threads). */
  async turnsOf(thread: LoadedThread): Promise<Turn[]> {
    const active = thread.session.activeTurnId();
    const items = await thread.session.rolloutItems();
    if (items) return settleStaleTurns(turnsToV2(buildTurns(items)), active);
    const path = thread.session.rolloutPath;
    if (!path) return [];
    try {
      const read = await this.store.readThread({ path }, { includeTurns: true });
      return settleStaleTurns(turnsToV2(read.turns ?? []), active);
    } catch {
      return []; // not materialized yet: no turn was started
    }
  }

  /** Whether the thread's rollout exists (a thread materializes with its first turn). */
  async materialized(thread: LoadedThread): Promise<boolean> {
    const items = await thread.session.rolloutItems();
    if (items) return items.some((i) => i.type === "event_msg");
    return thread.session.materialized;
  }

  /**
   * Shuts a thread down and forgets it: subscribers get `thread/status/changed {notLoaded}` and
   * `thread/closed`, pending server requests are withdrawn.
   */
  async unload(threadId: string): Promise<void> {
    const thread = this.threads.get(threadId);
    if (!thread || thread.closed) return;
    thread.closed = true;
    thread.idleTimer?.();
    thread.idleTimer = null;
    await this.manager.unload(threadId);
    thread.approvals.withdrawAll();
    thread.stopListening();
    const subscriptions = this.server.subscriptions;
    thread.outbox.push(() => {
      subscriptions.notifyThread(threadId, "thread/status/changed", {
        threadId,
        status: { type: "notLoaded" },
      });
      subscriptions.notifyThread(threadId, "thread/closed", { threadId });
      subscriptions.dropThread(threadId);
    });
    this.threads.delete(threadId);
  }

  private considerIdle(thread: LoadedThread): void {
    if (thread.closed) return;
    const watched = this.server.subscriptions.subscribers(thread.id).length > 0;
    if (watched || thread.isRunning) {
      thread.idleTimer?.();
      thread.idleTimer = null;
      return;
    }
    // Inactivity counts from now: a finished turn restarts the clock.
    thread.idleTimer?.();
    thread.idleTimer = this.schedule(() => {
      thread.idleTimer = null;
      const stillIdle = this.server.subscriptions.subscribers(thread.id).length === 0 && !thread.isRunning;
      if (stillIdle) void this.unload(thread.id).catch((e) => this.server.log(`unload failed: ${e}`));
    }, this.idleMs);
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.skills.close();
    this.remote?.stopAll();
    for (const thread of this.threads.values()) {
      thread.idleTimer?.();
      thread.idleTimer = null;
    }
    await this.manager.shutdownAll();
    await this.store.close();
  }
}
