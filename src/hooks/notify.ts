import { spawn } from "node:child_process";

/** Codex's legacy notify payload (spec hooks.md §7); the keys are kebab-case on purpose. */
export interface NotifyPayload {
  type: "agent-turn-complete";
  "thread-id": string;
  "turn-id": string;
  cwd: string;
  client: string | null;
  "input-messages": string[];
  "last-assistant-message": string | null;
}

/**
 * Starts `argv` with the JSON payload as one more argument and forgets it: no output is read, a
 * program that cannot start is ignored, as in Codex (notify is independent of hooks and trust).
 */
export function runNotify(
  argv: readonly string[],
  payload: NotifyPayload,
  env: Readonly<Record<string, string | undefined>>,
): void {
  const [program, ...args] = argv;
  if (!program) return;
  try {
    const child = spawn(program, [...args, JSON.stringify(payload)], {
      cwd: payload.cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: "ignore",
      detached: true,
    });
    child.on("error", () => {});
    child.unref();
  } catch {
    // a missing program is not the turn's problem
  }
}
