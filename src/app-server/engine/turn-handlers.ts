import {
  type CollaborationMode,
  profileFromRuntime,
  profileFromV2,
  type ReasoningEffort,
  type SessionSettingsUpdate,
  sandboxPolicyFromV2,
} from "../../permissions/index.js";
import type { ActivePermissionProfile } from "../../protocol/permissions.js";
import type { TurnStartParams } from "../../protocol/v2/turn.js";
import { builtinModeInstructions } from "../../session/index.js";
import { invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";
import { compileNamedPermissions } from "./config-loader.js";
import { userInputFromV2 } from "./convert.js";
import type { Engine } from "./engine.js";
import type { LoadedThread } from "./loaded-thread.js";
import { afterResponse } from "./outbox.js";
import { wire } from "./wire-errors.js";
import { resumeThread } from "./thread-lifecycle.js";
import { ThreadResumeParamsSchema } from "../../protocol/v2/thread.js";
import type { Connection } from "../connection.js";

/** turn/start, turn/steer, turn/interrupt (spec app-server.md §7, permissions.md §6.5). */

const EFFORTS = new Set<string>(["none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra"]);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function effort(value: string | null | undefined): ReasoningEffort | null {
  if (value === null || value === undefined) return null;
  if (!EFFORTS.has(value))
    throw invalidRequest(`invalid turn context override: unknown reasoning effort \`${value}\``);
  return value as ReasoningEffort;
}

/**
 * A named profile (`permissions`) compiled at the turn's cwd, without requirements: the
 * session's constraint check decides, so a disallowed profile is rejected rather than downgraded.
 */
function compileNamedProfile(engine: Engine, id: string, cwd: string) {
  const named = compileNamedPermissions(engine.config, id, cwd);
  if ("error" in named) throw invalidRequest(`failed to load configuration: ${named.error}`);
  const { loaded } = named;
  return {
    profile: profileFromRuntime(loaded.fileSystemSandboxPolicy, loaded.networkSandboxPolicy),
    active: loaded.activePermissionProfile,
  };
}

/**
 * All turn/start (or thread/settings/update) overrides as one SessionSettingsUpdate (outputSchema
 * applies to this turn only).
 */
export function settingsUpdate(
  engine: Engine,
  thread: LoadedThread,
  params: Partial<TurnStartParams>,
): { update: SessionSettingsUpdate; active: ActivePermissionProfile | null | undefined } {
  const current = thread.session.config();
  const update: Mutable<SessionSettingsUpdate> = {};
  let active: ActivePermissionProfile | null | undefined;
  if (params.cwd != null) update.cwd = params.cwd;
  if (params.approvalPolicy != null) update.approvalPolicy = params.approvalPolicy;
  if (params.approvalsReviewer != null) update.approvalsReviewer = params.approvalsReviewer;
  if (params.sandboxPolicy != null) update.sandboxPolicy = sandboxPolicyFromV2(params.sandboxPolicy);
  if (params.permissionProfile != null) update.permissionProfile = profileFromV2(params.permissionProfile);
  if (params.permissions != null) {
    const compiled = compileNamedProfile(engine, params.permissions, params.cwd ?? current.cwd);
    update.permissionProfile = compiled.profile;
    active = compiled.active;
  }

  let mode: CollaborationMode = current.collaborationMode;
  if (params.model != null || params.effort != null) {
    mode = {
      mode: mode.mode,
      settings: {
        ...mode.settings,
        model: params.model ?? mode.settings.model,
        reasoningEffort: params.effort != null ? effort(params.effort) : mode.settings.reasoningEffort,
      },
    };
  }
  if (params.collaborationMode != null) {
    const { settings } = params.collaborationMode;
    mode = {
      mode: params.collaborationMode.mode,
      settings: {
        model: settings.model,
        reasoningEffort: effort(settings.reasoning_effort),
        // null asks for the mode's built-in text, as in Codex.
        developerInstructions:
          settings.developer_instructions ?? builtinModeInstructions(params.collaborationMode.mode),
      },
    };
  }
  if (mode !== current.collaborationMode) update.collaborationMode = mode;
  if (params.summary != null) update.reasoningSummary = params.summary;
  if (params.serviceTier != null) update.serviceTier = params.serviceTier;
  if (params.personality != null) update.personality = params.personality;
  if (params.outputSchema != null) update.finalOutputJsonSchema = params.outputSchema;
  return { update, active };
}

/** Codex 0.169 takes images inline only; a URL the model API would have to fetch is refused. */
function rejectRemoteImages(input: TurnStartParams["input"]): void {
  if (input.some((i) => i.type === "image" && !i.url.startsWith("data:")))
    throw invalidRequest("remote image URLs are not supported; use an inline data URL instead");
}

/** Requirements reject an override with turn/start's error; the previous settings stay in force. */
export function checkSettings(thread: LoadedThread, update: SessionSettingsUpdate): void {
  const preview = thread.session.previewSettings(update);
  if (!preview.ok) throw invalidRequest(`invalid turn context override: ${preview.error.message}`);
}

/** The named profile a request chose, or none once permissions were chosen another way. */
export function trackActiveProfile(
  thread: LoadedThread,
  active: ActivePermissionProfile | null | undefined,
  sandboxBefore: string,
): void {
  if (active !== undefined) thread.facts.activePermissionProfile = active;
  else if (JSON.stringify(thread.session.config().sandboxPolicy.value) !== sandboxBefore) {
    thread.facts.activePermissionProfile = null;
  }
}

/**
 * The thread a turn runs in. One that another server ran while a client here watched it is taken
 * over when that server's lease has lapsed; while it holds the thread the answer names it.
 */
async function threadForTurn(
  engine: Engine,
  threadId: string,
  connection: Connection,
): Promise<LoadedThread> {
  if (!engine.get(threadId) && engine.remote?.watching(threadId)) {
    await resumeThread(engine, ThreadResumeParamsSchema.parse({ threadId }), connection, false);
  }
  return engine.require(threadId);
}

async function startTurn(engine: Engine, params: TurnStartParams, connection: Connection) {
  rejectRemoteImages(params.input);
  const thread = await threadForTurn(engine, params.threadId, connection);
  const { update, active } = settingsUpdate(engine, thread, params);
  checkSettings(thread, update);
  const before = JSON.stringify(thread.session.config().sandboxPolicy.value);
  const release = thread.outbox.hold();
  try {
    thread.mapper.expectInput(params.input, params.clientUserMessageId ?? null);
    const result = await thread.session.submit(userInputFromV2(params.input), update);
    trackActiveProfile(thread, active, before);
    return {
      turn: {
        id: result.turnId,
        items: [],
        status: "inProgress" as const,
        error: null,
        startedAt: null,
        completedAt: null,
        durationMs: null,
      },
    };
  } finally {
    afterResponse(release);
  }
}

export function turnHandlers(engine: Engine): HandlerModule {
  return {
    resource: "turn",
    handlers: {
      "turn/start": (params, { connection }) => wire(() => startTurn(engine, params, connection)),
      "turn/steer": (params) =>
        wire(() => {
          rejectRemoteImages(params.input);
          const thread = engine.require(params.threadId);
          const turnId = thread.session.steer(userInputFromV2(params.input), params.expectedTurnId);
          thread.mapper.expectInput(params.input, params.clientUserMessageId ?? null);
          return { turnId };
        }),
      "turn/interrupt": (params) =>
        wire(async () => {
          const thread = engine.require(params.threadId);
          const running = thread.session.activeTurnId();
          if (running === null || running !== params.turnId)
            throw invalidRequest("no active turn to interrupt");
          const release = thread.outbox.hold();
          try {
            await thread.session.interrupt();
          } finally {
            afterResponse(release);
          }
          return {};
        }),
    },
  };
}
