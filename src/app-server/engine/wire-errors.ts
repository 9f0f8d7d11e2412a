import { ConfigError, ConfigWriteError } from "../../config/errors.js";
import { ConstraintError } from "../../permissions/index.js";
import {
  InvalidCursorError,
  ThreadArchivedError,
  ThreadLockedError,
  TurnNotFoundError,
} from "../../rollout/index.js";
import { ThreadNotFoundError as StoredThreadNotFound } from "../../rollout/store.js";
import {
  SessionInitError,
  SteerInputError,
  ThreadNotFoundError,
  ThreadNotSavedError,
} from "../../session/index.js";
import { internalError, invalidRequest, RpcError } from "../errors.js";
import { ThreadHeldElsewhereError } from "../../store/cluster.js";
import { errorMessage } from "../../lib/errors.js";

/**
 * Engine failures as Codex reports them (spec app-server.md §2): −32600 with the engine's own
 * message for anything the client can fix, −32603 `error creating thread: …` when a session
 * cannot be built.
 */
export function toWireError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  if (error instanceof ConfigWriteError)
    return invalidRequest(error.message, { config_write_error_code: error.code });
  if (error instanceof ConfigError) return invalidRequest(`failed to load configuration: ${error.message}`);
  if (error instanceof ConstraintError)
    return invalidRequest(`invalid turn context override: ${error.message}`);
  if (error instanceof SteerInputError) {
    return error.turnKind
      ? invalidRequest(error.message, {
          codexErrorInfo: { activeTurnNotSteerable: { turnKind: error.turnKind } },
        })
      : invalidRequest(error.message);
  }
  const held = heldElsewhere(error);
  if (held) return invalidRequest(held.message, { threadId: held.threadId, heldBy: held.holder });
  if (error instanceof SessionInitError) return internalError(`error creating thread: ${error.message}`);
  if (
    error instanceof StoredThreadNotFound ||
    error instanceof ThreadArchivedError ||
    error instanceof ThreadLockedError ||
    error instanceof InvalidCursorError ||
    error instanceof ThreadNotFoundError ||
    error instanceof ThreadNotSavedError ||
    error instanceof TurnNotFoundError
  ) {
    return invalidRequest(error.message);
  }
  return internalError(errorMessage(error));
}

/** The other server holding a thread, whether the store said so directly or while a session opened. */
export function heldElsewhere(error: unknown): ThreadHeldElsewhereError | null {
  if (error instanceof ThreadHeldElsewhereError) return error;
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof ThreadHeldElsewhereError ? cause : null;
}

/** Runs a handler body, converting engine errors to wire errors. */
export async function wire<T>(body: () => Promise<T> | T): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toWireError(error);
  }
}
