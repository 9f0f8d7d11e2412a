import { errorMessage } from "../lib/errors.js";
import type { TaskKind } from "./active-turn.js";

export type SteerErrorKind =
  | "no_active_turn"
  | "expected_turn_mismatch"
  | "active_turn_not_steerable"
  | "empty_input";

/** Why input could not be steered into the running turn (session.md §7.3; messages are wire-visible). */
export class SteerInputError extends Error {
  private constructor(
    readonly kind: SteerErrorKind,
    message: string,
    /** For `active_turn_not_steerable`: the kind of the running turn. */
    readonly turnKind: TaskKind | null = null,
  ) {
    super(message);
    this.name = "SteerInputError";
  }

  static noActiveTurn(): SteerInputError {
    return new SteerInputError("no_active_turn", "no active turn to steer");
  }

  static expectedTurnMismatch(expected: string, actual: string): SteerInputError {
    return new SteerInputError(
      "expected_turn_mismatch",
      `expected active turn id \`${expected}\` but found \`${actual}\``,
    );
  }

  static notSteerable(kind: TaskKind): SteerInputError {
    return new SteerInputError("active_turn_not_steerable", `cannot steer a ${kind} turn`, kind);
  }

  static emptyInput(): SteerInputError {
    return new SteerInputError("empty_input", "input must not be empty");
  }
}

/** Session creation failed (mapped by the app-server to `Failed to initialize session: …`). */
export class SessionInitError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SessionInitError";
  }
}

/** The thread id is not loaded / not found. */
export class ThreadNotFoundError extends Error {
  constructor(readonly threadId: string) {
    super(`thread not found: ${threadId}`);
    this.name = "ThreadNotFoundError";
  }
}

/**
 * A turn cannot start because the thread's earlier items are still not on disk (disk full, I/O
 * error). Nothing is lost yet: they are kept in memory and written first once writing works.
 */
export class ThreadNotSavedError extends Error {
  constructor(
    readonly threadId: string,
    cause: unknown,
  ) {
    super(
      `cannot start a turn: thread ${threadId} could not be saved (${errorMessage(cause)}). ` +
        "Its unsaved items are kept and will be written first; free disk space and try again.",
      { cause },
    );
    this.name = "ThreadNotSavedError";
  }
}
