import type { ClientRequestMethod } from "../../protocol/v2/registry.js";

/**
 * The methods the engine answers. Kept apart from the engine so `runAppServer` can register them
 * before the engine module (sessions, rollouts, SQLite) has finished loading.
 */
export const ENGINE_METHODS = [
  "thread/start",
  "thread/resume",
  "thread/fork",
  "thread/list",
  "thread/read",
  "thread/turns/list",
  "thread/name/set",
  "thread/archive",
  "thread/unarchive",
  "thread/compact/start",
  "thread/backgroundTerminals/list",
  "thread/backgroundTerminals/terminate",
  "thread/backgroundTerminals/clean",
  "thread/shellCommand",
  "turn/start",
  "command/exec",
  "command/exec/write",
  "command/exec/terminate",
  "turn/steer",
  "turn/interrupt",
  "config/read",
  "config/batchWrite",
  "hooks/list",
  "configRequirements/read",
  "model/list",
  "modelProvider/list",
  "permissionProfile/list",
  "account/read",
  "getAuthStatus",
  "account/login/start",
  "account/login/cancel",
  "account/logout",
] as const satisfies readonly ClientRequestMethod[];
