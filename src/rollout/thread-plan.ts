import { v7 as uuidv7 } from "uuid";
import { KEEL_VERSION } from "../cli/version.js";
import type { RolloutItem, SessionMetaLine } from "../protocol/rollout.js";
import { closeOpenTurn } from "./fork.js";
import type { PersistenceMode } from "./policy.js";
import { buildSessionMeta } from "./recorder.js";
import type { CreateThreadParams, ForkThreadParams } from "./store.js";
import { cutAtVisibleTurn } from "./truncate.js";

/** What every store decides the same way before writing a new thread: id, time, first line. */
export interface ThreadPlan {
  id: string;
  createdAt: Date;
  mode: PersistenceMode;
  meta: SessionMetaLine;
}

export interface PlanDefaults {
  now: Date;
  originator?: string;
  cliVersion?: string;
}

export function planNewThread(params: CreateThreadParams, defaults: PlanDefaults): ThreadPlan {
  const id = params.id ?? uuidv7();
  const createdAt = params.createdAt ?? defaults.now;
  const meta = buildSessionMeta({
    id,
    createdAt,
    cwd: params.cwd,
    originator: params.originator ?? defaults.originator ?? "keel",
    cliVersion: defaults.cliVersion ?? KEEL_VERSION,
    source: params.source ?? "vscode",
    modelProvider: params.modelProvider,
    baseInstructions: params.baseInstructions ?? null,
    dynamicTools: params.dynamicTools ?? null,
    git: params.git ?? null,
    agentNickname: params.agentNickname ?? null,
    agentRole: params.agentRole ?? null,
    memoryMode: params.memoryMode ?? null,
    extra: params.extraMeta,
  });
  return { id, createdAt, mode: params.persistExtendedHistory ? "extended" : "limited", meta };
}

export interface ForkPlan extends ThreadPlan {
  /** The source's items as the fork starts with them (cut, an open turn closed). */
  copied: RolloutItem[];
  sourceId: string | null;
}

/**
 * A fork: a new `session_meta` (with `forked_from_id`), then the source's items verbatim (its own
 * `session_meta` included). A source whose last turn is open is copied as if interrupted.
 */
export function planFork(
  params: ForkThreadParams,
  sourceItems: RolloutItem[],
  defaults: PlanDefaults,
): ForkPlan {
  const sourceMetaItem = sourceItems.find((i) => i.type === "session_meta");
  const sourceMeta = sourceMetaItem?.type === "session_meta" ? sourceMetaItem.payload : null;
  const sourceId = sourceMeta?.id ?? null;
  const kept = params.cut ? cutAtVisibleTurn(sourceItems, params.cut) : sourceItems;
  const copied = closeOpenTurn(kept, { now: defaults.now, marker: params.turnAbortedMarker });
  const id = uuidv7();
  const createdAt = params.createdAt ?? defaults.now;
  const meta = buildSessionMeta({
    id,
    createdAt,
    forkedFromId: sourceId,
    cwd: params.cwd ?? sourceMeta?.cwd ?? "/",
    originator: params.originator ?? defaults.originator ?? "keel",
    cliVersion: defaults.cliVersion ?? KEEL_VERSION,
    source: params.source ?? "vscode",
    modelProvider:
      params.modelProvider !== undefined ? params.modelProvider : (sourceMeta?.model_provider ?? null),
    baseInstructions:
      params.baseInstructions !== undefined
        ? params.baseInstructions
        : (sourceMeta?.base_instructions?.text ?? null),
    dynamicTools: params.dynamicTools ?? sourceMeta?.dynamic_tools ?? null,
    git: params.git ?? sourceMeta?.git ?? null,
    memoryMode: params.memoryMode ?? null,
    extra: params.extraMeta,
  });
  const mode: PersistenceMode = params.persistExtendedHistory ? "extended" : "limited";
  return { id, createdAt, mode, meta, copied, sourceId };
}
