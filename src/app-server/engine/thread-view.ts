import { profileToV2, reportedPermissionProfile, sandboxPolicyToV2 } from "../../permissions/index.js";
import type { ThreadMetadata } from "../../rollout/metadata.js";
import type { V2Turn } from "../../rollout/turns.js";
import { ThreadItemSchema } from "../../protocol/v2/items.js";
import type { Thread, ThreadStartResponse, ThreadStatus } from "../../protocol/v2/thread.js";
import type { Turn } from "../../protocol/v2/turn.js";
import { sessionSourceToV2 } from "./convert.js";
import type { LoadedThread } from "./loaded-thread.js";

/** Thread objects and the settings block of thread/start|resume|fork responses. */

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Rebuilt turns as v2 `Turn`s; an item the schema does not accept is left out rather than sent. */
export function turnsToV2(turns: readonly V2Turn[]): Turn[] {
  return turns.map((turn) => ({
    id: turn.id,
    items: turn.items.flatMap((item) => {
      const parsed = ThreadItemSchema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    }),
    status: turn.status,
    error: turn.error
      ? {
          message: turn.error.message,
          codexErrorInfo: typeof turn.error.codexErrorInfo === "string" ? turn.error.codexErrorInfo : null,
          additionalDetails: turn.error.additionalDetails,
        }
      : null,
    startedAt: turn.startedAt,
    completedAt: turn.completedAt,
    durationMs: turn.durationMs,
  }));
}

/**
 * A turn the rollout shows open although it is not running — its writer stopped (crash, or exit
 * with a full disk) before the end was written — can never finish: it reads as interrupted.
 */
export function settleStaleTurns(turns: readonly Turn[], activeTurnId: string | null): Turn[] {
  return turns.map((t) =>
    t.status === "inProgress" && t.id !== activeTurnId ? { ...t, status: "interrupted" } : t,
  );
}

export function loadedThreadObject(thread: LoadedThread, turns: Turn[] = []): Thread {
  const { session, facts } = thread;
  const snapshot = session.snapshot();
  return {
    id: thread.id,
    forkedFromId: session.forkedFromId,
    preview: facts.preview,
    ephemeral: session.ephemeral,
    modelProvider: snapshot.modelProviderId,
    createdAt: seconds(facts.createdAtMs),
    updatedAt: seconds(facts.updatedAtMs),
    status: thread.status.current(),
    path: session.rolloutPath,
    cwd: snapshot.cwd,
    cliVersion: facts.cliVersion,
    source: sessionSourceToV2(session.source),
    agentNickname: null,
    agentRole: null,
    gitInfo: facts.gitInfo,
    name: session.name(),
    turns,
    sessionId: thread.id,
    projectId: null,
    model: snapshot.model,
    reasoningEffort: snapshot.reasoningEffort,
  };
}

export function gitInfoOf(meta: ThreadMetadata): Thread["gitInfo"] {
  return meta.gitSha !== null || meta.gitBranch !== null || meta.gitOriginUrl !== null
    ? { sha: meta.gitSha, branch: meta.gitBranch, originUrl: meta.gitOriginUrl }
    : null;
}

export function storedThreadObject(meta: ThreadMetadata, status: ThreadStatus, turns: Turn[] = []): Thread {
  return {
    id: meta.id,
    forkedFromId: meta.forkedFromId,
    preview: meta.preview,
    ephemeral: false,
    modelProvider: meta.modelProvider ?? "openai",
    createdAt: seconds(meta.createdAtMs),
    updatedAt: seconds(meta.updatedAtMs),
    status,
    path: meta.rolloutPath,
    cwd: meta.cwd,
    cliVersion: meta.cliVersion,
    source: sessionSourceToV2(meta.source),
    agentNickname: meta.agentNickname,
    agentRole: meta.agentRole,
    gitInfo: gitInfoOf(meta),
    name: meta.name,
    turns,
    sessionId: meta.id,
    projectId: null,
    model: meta.model,
    reasoningEffort: meta.reasoningEffort,
  };
}

type SettingsResponse = Omit<ThreadStartResponse, "thread">;

/**
 * The effective settings: `sandbox` (legacy projection), `permissionProfile` ([seed]; null for an
 * external sandbox) and `activePermissionProfile` ([cur]) are all sent.
 */
export function settingsResponse(thread: LoadedThread): SettingsResponse {
  const snapshot = thread.session.snapshot();
  const config = thread.session.config();
  const profile = reportedPermissionProfile(
    snapshot.sandboxPolicy,
    config.fileSystemSandboxPolicy,
    config.networkSandboxPolicy,
  );
  return {
    model: snapshot.model,
    modelProvider: snapshot.modelProviderId,
    serviceTier: snapshot.serviceTier,
    cwd: snapshot.cwd,
    instructionSources: [...thread.facts.instructionSources],
    approvalPolicy: snapshot.approvalPolicy,
    approvalsReviewer: snapshot.approvalsReviewer,
    sandbox: sandboxPolicyToV2(snapshot.sandboxPolicy),
    permissionProfile: profile === null ? null : profileToV2(profile),
    activePermissionProfile: thread.facts.activePermissionProfile,
    reasoningEffort: snapshot.reasoningEffort,
  };
}
