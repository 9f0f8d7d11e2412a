import { sandboxPolicyToV2 } from "../../permissions/index.js";
import type { ThreadSettings } from "../../protocol/v2/thread-manage.js";
import { invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";
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

export function threadSettingsHandlers(engine: Engine): HandlerModule {
  return {
    resource: "thread (settings)",
    handlers: {
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
