/**
 * A timeout as Codex prints it in "timed out awaiting … after X". Codex formats the *remaining*
 * time of its deadline, just under the configured timeout, with Rust's `{:.0?}` (Duration Debug
 * rounded to whole units, milliseconds below a second). Hence 30 s ⇒ `30s`, 1.5 s ⇒ `1s`,
 * 1000 ms ⇒ `1000ms`, 500 ms ⇒ `500ms`.
 */
export function formatDuration(ms: number): string {
  // "Just under" turns round-half-up into round-half-down.
  return ms <= 1000 ? `${Math.ceil(ms - 0.5)}ms` : `${Math.ceil(ms / 1000 - 0.5)}s`;
}
