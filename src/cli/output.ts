/**
 * A standard stream whose reader may go away: `keel exec … | head -1` closes the pipe after one
 * line, and the next write fails with EPIPE. Node reports that as an `error` event, which kills the
 * process with a stack trace when nobody listens. Here it only stops the writing: the caller
 * decides what a closed stream means (exec finishes and saves its turn; sandbox stops the command).
 */
export interface GuardedOutput {
  write(text: string | Buffer): void;
  /** Resolves when a write failed: the reader closed the pipe (or the stream broke otherwise). */
  readonly closed: Promise<void>;
}

export function guardOutput(stream: NodeJS.WritableStream): GuardedOutput {
  let isClosed = false;
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  // EPIPE is the expected case; any other write error (EIO, ENOSPC on a redirect) leaves the
  // stream just as unusable, and nothing better can be done with it than to stop writing.
  stream.on("error", () => {
    isClosed = true;
    markClosed();
  });
  return {
    write(text) {
      if (!isClosed) stream.write(text);
    },
    closed,
  };
}
