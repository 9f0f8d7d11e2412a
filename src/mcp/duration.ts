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

/**
 * Rust's `{:?}` of a Duration (`1.5s`, `30s`, `250ms`), for the handshake timeout. Codex prints
 * the time left there, a few microseconds under the timeout (`1.499999529s`); keel prints the
 * timeout itself.
 */
export function debugDuration(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(9))}s` : `${Number(ms.toFixed(6))}ms`;
}
