import { sandboxPolicyToV2 } from "../../permissions/index.js";
import type { ThreadSettings, TurnSettingsUpdateParams } from "../../protocol/v2/thread-manage.js";
import { invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";
import { loadEngineConfig } from "./config-loader.js";
import type { Engine } from "./engine.js";
import type { LoadedThread } from "./loaded-thread.js";
import { afterResponse } from "./outbox.js";
import { checkSettings, settingsUpdate, trackActiveProfile } from "./turn-handlers.js";
import { wire } from "./wire-errors.js";

/**
 * thread/settings/update: turn/start's overrides without a turn. They go through the same
 * SessionConfiguration.apply and are refused with the same errors; later turns use them.
 */

/** The settings later turns of the thread will use, as `thread/settings/updated` reports them. */
export function threadSettings(thread: LoadedThread): ThreadSettings {
  const config = thread.session.config();
  const snapshot = thread.session.snapshot();
  const mode = config.collaborationMode;
  return {
    cwd: snapshot.cwd,
    approvalPolicy: snapshot.approvalPolicy,
    approvalsReviewer: snapshot.approvalsReviewer,
    sandboxPolicy: sandboxPolicyToV2(snapshot.sandboxPolicy),
    activePermissionProfile: thread.facts.activePermissionProfile,
    model: snapshot.model,
    modelProvider: snapshot.modelProviderId,
    serviceTier: snapshot.serviceTier,
    effort: snapshot.reasoningEffort,
    summary: config.reasoningSummary,
    collaborationMode: {
      mode: mode.mode,
      settings: {
        model: mode.settings.model,
        reasoning_effort: mode.settings.reasoningEffort,
        developer_instructions: mode.settings.developerInstructions,
      },
    },
    personality: config.personality,
    disabledPluginIds: [],
    environments: null,
    multiAgentMode: "explicitRequestOnly",
  };
}

/** Fields Codex 0.169 only changes with `[features] step_model_switching` on. */
const GATED = ["model", "effort", "summary", "serviceTier"] as const;

/**
 * turn/settings/update as Codex 0.169 answers it: the model fields need the feature, a reviewer
 * or environment change alone does not; a turn that is not (or no longer) running is
 * `targetUnavailable`; the update goes through SessionConfiguration.apply with turn/start's errors.
 */
function updateTurnSettings(engine: Engine, params: TurnSettingsUpdateParams) {
  const thread = engine.require(params.threadId);
  const gated = GATED.some((key) => params[key] !== undefined);
  const ungated = params.approvalsReviewer != null || params.environments != null;
  if ((gated || !ungated) && !stepModelSwitching(engine, thread))
    throw invalidRequest("turn settings updates require the step_model_switching feature");
  if (params.environments != null && params.environments.length > 0)
    throw invalidRequest("turn environments are not available in keel");
  if (params.model === "") throw invalidRequest("the destination model has only fallback metadata");
  const { update } = settingsUpdate(engine, thread, {
    model: params.model,
    effort: params.effort,
    summary: params.summary,
    approvalsReviewer: params.approvalsReviewer,
  });
  const withTier = params.serviceTier === undefined ? update : { ...update, serviceTier: params.serviceTier };
  checkSettings(thread, withTier);
  const applied = thread.session.updateTurnSettings(params.turnId, withTier);
  return { status: applied ? ("applied" as const) : ("targetUnavailable" as const) };
}

function stepModelSwitching(engine: Engine, thread: LoadedThread): boolean {
  const loaded = loadEngineConfig(engine.config, { cwd: thread.session.snapshot().cwd });
  return loaded.features.step_model_switching === true;
}

export function threadSettingsHandlers(engine: Engine): HandlerModule {
  return {
    resource: "thread (settings)",
    handlers: {
      "turn/settings/update": (params) => wire(() => updateTurnSettings(engine, params)),
      "thread/settings/update": (params) =>
        wire(() => {
          const thread = engine.require(params.threadId);
          if (params.disabledPluginIds && params.disabledPluginIds.length > 0)
            throw invalidRequest("plugins are not available in keel");
          const { update, active } = settingsUpdate(engine, thread, params);
          checkSettings(thread, update);
          const before = JSON.stringify(thread.session.config().sandboxPolicy.value);
          thread.session.updateSettings(update);
          trackActiveProfile(thread, active, before);
          const threadId = thread.id;
          const settings = threadSettings(thread);
          afterResponse(() =>
            thread.notify({
              method: "thread/settings/updated",
              params: { threadId, threadSettings: settings },
            }),
          );
          return {};
        }),
    },
  };
}
