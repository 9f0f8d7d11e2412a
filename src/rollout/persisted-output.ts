import { boundaryAtOrAfter, boundaryAtOrBefore } from "../lib/utf8.js";

/**
 * What the rollout keeps of a command's output (Codex 0.169: 64 KiB, the first and the last half
 * with a marker between them): a thread file must not grow with what a command printed.
 */
export const PERSISTED_OUTPUT_MAX_BYTES = 64 * 1024;
const PERSISTENCE_MARKER = "\n... command output truncated for persistence ...\n";

export function truncateForPersistence(text: string): string {
  if (Buffer.byteLength(text, "utf8") <= PERSISTED_OUTPUT_MAX_BYTES) return text;
  const bytes = Buffer.from(text, "utf8");
  const side = Math.floor((PERSISTED_OUTPUT_MAX_BYTES - PERSISTENCE_MARKER.length) / 2);
  const headEnd = boundaryAtOrBefore(bytes, side);
  const tailStart = boundaryAtOrAfter(bytes, bytes.length - side);
  return bytes.toString("utf8", 0, headEnd) + PERSISTENCE_MARKER + bytes.toString("utf8", tailStart);
}

const OUTPUT_FIELDS = ["aggregated_output", "stdout", "stderr", "formatted_output"] as const;

/** An event as the rollout stores it: a command's output fields cut to 64 KiB each. */
export function boundEventForRollout<E extends { type: string }>(event: E): E {
  if (event.type !== "exec_command_end") return event;
  const fields = event as unknown as Record<string, unknown>;
  let bounded: Record<string, unknown> | null = null;
  for (const key of OUTPUT_FIELDS) {
    const value = fields[key];
    if (typeof value !== "string") continue;
    const cut = truncateForPersistence(value);
    if (cut !== value) {
      bounded ??= { ...fields };
      bounded[key] = cut;
    }
  }
  return (bounded ?? event) as E;
}
