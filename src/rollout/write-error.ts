import { errorMessage } from "../lib/errors.js";

/**
 * Lines could not be written (disk full, I/O error). They stay queued, in order, and are written
 * before anything newer once writing works again; `withdrawn` says whether the closing items of
 * `commitTurn` were taken back (none of their bytes stay queued or in the file).
 */
export class RolloutWriteError extends Error {
  readonly code = "ROLLOUT_WRITE_FAILED";
  constructor(
    readonly path: string,
    cause: unknown,
    readonly withdrawn = false,
  ) {
    super(`could not write ${path}: ${errorMessage(cause)}`, { cause });
    this.name = "RolloutWriteError";
  }
}
