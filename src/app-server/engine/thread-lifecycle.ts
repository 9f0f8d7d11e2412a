import path from "node:path";
import { parseRolloutFileName } from "../../rollout/paths.js";
import { ThreadArchivedError, type ThreadRef } from "../../rollout/store.js";
import type { ThreadForkParams, ThreadResumeParams, ThreadStartParams } from "../../protocol/v2/thread.js";
import type { Turn } from "../../protocol/v2/turn.js";
import type { Session, ThreadOptions } from "../../session/index.js";
import type { Connection } from "../connection.js";
import { invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";
import {
  applyTrustIntent,
  loadEngineConfig,
  requireModelProvider,
  type StoredDefaults,
  threadOverrides,
} from "./config-loader.js";
import { tokenUsageToV2 } from "./convert.js";
import { dynamicToolsProblem } from "./dynamic-tool-checks.js";
import type { Engine } from "./engine.js";
import type { LoadedThread } from "./loaded-thread.js";
import { afterResponse } from "./outbox.js";
import {
  gitInfoOf,
  loadedThreadObject,
  settingsResponse,
  settleStaleTurns,
  turnsToV2,
} from "./thread-view.js";
import { heldElsewhere, wire } from "./wire-errors.js";
import { settingsFromConfiguration } from "./remote-threads.js";
import { sessionOptionsFromConfig } from "../../session/from-config.js";

/** thread/start, thread/resume, thread/fork (spec app-server.md §6.1–§6.3, permissions.md §6.3). */

/** `thread/tokenUsage/updated` with the restored usage, keyed by the last turn (resume, fork). */
function restoredUsage(thread: LoadedThread, turns: readonly Turn[]): void {
  const usage = thread.session.tokenInfo();
  const last = turns.at(-1);
  if (!usage || !last) return;
  thread.outbox.push(() =>
    thread.notify({
      method: "thread/tokenUsage/updated",
      params: { threadId: thread.id, turnId: last.id, tokenUsage: tokenUsageToV2(usage) },
    }),
  );
}

/** Config with the stored thread's defaults, then the session (resumed or forked) and its AGENTS.md files. */
async function createSession(
  engine: Engine,
  params: ThreadResumeParams | ThreadForkParams,
  connection: Connection,
  defaults: StoredDefaults,
  create: (options: ThreadOptions) => Promise<Session>,
) {
  const loaded = loadEngineConfig(engine.config, threadOverrides(params, defaults), params.config);
  const [session, instructionSources] = await Promise.all([
    create(engine.sessionOptions(loaded, params, connection)),
    engine.instructionSources(loaded),
  ]);
  return { loaded, session, instructionSources };
}

async function startThread(engine: Engine, params: ThreadStartParams, connection: Connection) {
  const toolProblem = dynamicToolsProblem(params.dynamicTools ?? []);
  if (toolProblem) throw invalidRequest(toolProblem);
  const overrides = threadOverrides(params);
  const loaded = applyTrustIntent(
    engine.config,
    params,
    overrides,
    requireModelProvider(loadEngineConfig(engine.config, overrides, params.config)),
  );
  const options = engine.sessionOptions(loaded, params, connection);
  const [session, instructionSources] = await Promise.all([
    engine.manager.start({
      ...options,
      dynamicTools: params.dynamicTools ?? null,
      cleared: params.sessionStartSource === "clear",
    }),
    engine.instructionSources(loaded),
  ]);
  const thread = engine.adopt(session, {
    ...creationTime(session),
    activePermissionProfile: loaded.activePermissionProfile,
    instructionSources,
    requestConfig: params.config ?? null,
  });
  engine.server.subscriptions.subscribe(thread.id, connection);
  const release = thread.outbox.hold();
  const threadObject = loadedThreadObject(thread);
  thread.outbox.push(() => thread.notify({ method: "thread/started", params: { thread: threadObject } }));
  thread.listen();
  afterResponse(release);
  engine.prepareForFirstTurn(thread);
  return { thread: threadObject, ...settingsResponse(thread) };
}

/**
 * Resume of a thread loaded in this process: the connection subscribes and gets the current
 * state; overrides are ignored, `history` and a different `path` are errors (§6.2).
 */
async function resumeLoaded(
  engine: Engine,
  thread: LoadedThread,
  params: ThreadResumeParams,
  connection: Connection,
) {
  if (params.history && params.history.length > 0) {
    throw invalidRequest(`cannot resume thread ${thread.id} with history while it is already running`);
  }
  const active = thread.session.rolloutPath;
  if (params.path && (active === null || path.resolve(params.path) !== path.resolve(active))) {
    throw invalidRequest(
      `cannot resume running thread ${thread.id} with mismatched path: requested \`${params.path}\`, active \`${active ?? ""}\``,
    );
  }
  // Subscribed once the response is out, so replayed approval requests follow it.
  const release = thread.outbox.hold();
  const turns = await engine.turnsOf(thread);
  afterResponse(() => {
    engine.server.subscriptions.subscribe(thread.id, connection);
    release();
  });
  return { thread: loadedThreadObject(thread, turns), ...settingsResponse(thread) };
}

/**
 * `watchIfHeld`: when another server runs the thread, the connection watches it there (shared
 * store) instead of failing; turn/start's take-over passes false to get the error naming it.
 */
export async function resumeThread(
  engine: Engine,
  params: ThreadResumeParams,
  connection: Connection,
  watchIfHeld = true,
) {
  const loadedThread = engine.get(params.threadId);
  if (loadedThread) return resumeLoaded(engine, loadedThread, params, connection);
  if (params.history && params.history.length > 0) {
    throw invalidRequest(
      "thread/resume with `history` is not supported by keel; resume by `threadId` or `path`",
    );
  }
  const ref: ThreadRef = params.path ? { path: params.path } : { threadId: params.threadId };
  const stored = await engine.store.readThread(ref, { includeTurns: true });
  const meta = stored.metadata;
  const running = engine.get(meta.id);
  if (running) return resumeLoaded(engine, running, params, connection);
  if (meta.archived) throw new ThreadArchivedError(meta.id);

  const defaults = { cwd: meta.cwd, model: meta.model, reasoningEffort: meta.reasoningEffort };
  let created: Awaited<ReturnType<typeof createSession>>;
  try {
    created = await createSession(engine, params, connection, defaults, (o) => engine.manager.resume(ref, o));
  } catch (error) {
    if (!watchIfHeld || !engine.remote || !heldElsewhere(error)) throw error;
    const loaded = loadEngineConfig(engine.config, threadOverrides(params, defaults), params.config);
    const config = sessionOptionsFromConfig(loaded, { processCwd: engine.config.processCwd }).config;
    const sources = await engine.instructionSources(loaded);
    return engine.remote.watch(
      stored,
      connection,
      settingsFromConfiguration(config, sources, loaded.activePermissionProfile),
    );
  }
  const { loaded, session, instructionSources } = created;
  const concurrent = engine.get(session.threadId);
  if (concurrent) return resumeLoaded(engine, concurrent, params, connection);
  const thread = engine.adopt(session, {
    createdAtMs: meta.createdAtMs,
    updatedAtMs: meta.updatedAtMs,
    preview: meta.preview,
    cliVersion: meta.cliVersion,
    gitInfo: gitInfoOf(meta),
    activePermissionProfile: loaded.activePermissionProfile,
    instructionSources,
    requestConfig: params.config ?? null,
  });
  engine.server.subscriptions.subscribe(thread.id, connection);
  // notLoaded → idle goes out before the response (§13.4).
  thread.notify({
    method: "thread/status/changed",
    params: { threadId: thread.id, status: thread.status.current() },
  });
  const release = thread.outbox.hold();
  // Nothing runs in a thread that was just loaded.
  const turns = settleStaleTurns(turnsToV2(stored.turns ?? []), null);
  restoredUsage(thread, turns);
  thread.mcpStatusFirst = true;
  thread.listen();
  afterResponse(() => {
    thread.mcpStatusFirst = false;
    release();
  });
  engine.prepareForFirstTurn(thread);
  return { thread: loadedThreadObject(thread, turns), ...settingsResponse(thread) };
}

/** thread/fork; also the fork a detached review runs in. */
export async function forkThread(engine: Engine, params: ThreadForkParams, connection: Connection) {
  const ref: ThreadRef = params.path ? { path: params.path } : { threadId: params.threadId };
  const source = "threadId" in ref ? engine.get(ref.threadId) : undefined;
  let defaults: StoredDefaults;
  let preview: string;
  let gitInfo: LoadedThread["facts"]["gitInfo"] = null;
  const cutAt = params.beforeTurnId || params.lastTurnId;
  let sourceTurns: readonly { id: string }[] = [];
  if (source) {
    const snapshot = source.session.snapshot();
    defaults = { cwd: snapshot.cwd, model: snapshot.model, reasoningEffort: snapshot.reasoningEffort };
    preview = source.facts.preview;
    gitInfo = source.facts.gitInfo;
    if (cutAt) sourceTurns = await engine.turnsOf(source);
  } else {
    const read = await engine.store.readThread(ref, { includeTurns: Boolean(cutAt) });
    const meta = read.metadata;
    defaults = { cwd: meta.cwd, model: meta.model, reasoningEffort: meta.reasoningEffort };
    preview = meta.preview;
    gitInfo = gitInfoOf(meta);
    sourceTurns = read.turns ?? [];
  }
  // Checked here so the client gets Codex's message rather than a failed session start.
  if (cutAt && !sourceTurns.some((turn) => turn.id === cutAt))
    throw invalidRequest(`turn not found: ${cutAt}`);
  // Nothing kept: the fork has no first message to preview (as in Codex).
  if (params.beforeTurnId && sourceTurns[0]?.id === params.beforeTurnId) preview = "";
  const cut = cutAt ? { beforeTurnId: params.beforeTurnId, lastTurnId: params.lastTurnId } : undefined;
  const { loaded, session, instructionSources } = await createSession(
    engine,
    params,
    connection,
    defaults,
    (o) => engine.manager.fork(ref, o, cut),
  );
  const thread = engine.adopt(session, {
    ...creationTime(session),
    preview,
    gitInfo,
    activePermissionProfile: loaded.activePermissionProfile,
    instructionSources,
    requestConfig: params.config ?? null,
  });
  engine.server.subscriptions.subscribe(thread.id, connection);
  const release = thread.outbox.hold();
  const turns = await engine.turnsOf(thread);
  restoredUsage(thread, turns);
  const started = loadedThreadObject(thread);
  thread.outbox.push(() => thread.notify({ method: "thread/started", params: { thread: started } }));
  thread.listen();
  afterResponse(release);
  engine.prepareForFirstTurn(thread);
  return { thread: loadedThreadObject(thread, turns), ...settingsResponse(thread) };
}

export function threadLifecycleHandlers(engine: Engine): HandlerModule {
  return {
    resource: "thread (lifecycle)",
    handlers: {
      "thread/start": (params, { connection }) => wire(() => startThread(engine, params, connection)),
      "thread/resume": (params, { connection }) => wire(() => resumeThread(engine, params, connection)),
      "thread/fork": (params, { connection }) => wire(() => forkThread(engine, params, connection)),
    },
  };
}

/**
 * A new thread's creation time as its rollout records it (the file name's clock), so `createdAt`
 * in the start response and in a later resume or list agree even across a second boundary.
 */
function creationTime(session: Session): { createdAtMs?: number } {
  if (!session.rolloutPath) return {};
  const parsed = parseRolloutFileName(path.basename(session.rolloutPath));
  return parsed ? { createdAtMs: parsed.createdAt.getTime() } : {};
}
