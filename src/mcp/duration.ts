/**
 * A timeout as Codex prints it in "timed out awaiting … after X": whole seconds when the
 * duration is at least a second (Codex truncates 1.5 s to `1s`), else milliseconds.
 */
export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Math.floor(ms / 1000)}s` : `${ms}ms`;
}
