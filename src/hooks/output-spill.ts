import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { approxTokenCount, formattedTruncateText } from "../tools/runtime/truncation.js";
import { DEFAULT_ADDITIONAL_CONTEXT_LIMIT } from "./types.js";

/**
 * Codex's hook output spill (spec hooks.md §5 Effects): a hook's context over its
 * `additionalContextLimit` (tokens; default 2500, 0 = never) is saved in full to
 * `<dir>/<uuid>.txt` and the model reads a truncated preview with the file's path, so the
 * model can still read the whole text while the history stays small.
 */
export async function spillHookOutput(text: string, limit: number | null, dir: string): Promise<string> {
  const tokenLimit = limit ?? DEFAULT_ADDITIONAL_CONTEXT_LIMIT;
  if (tokenLimit === 0 || approxTokenCount(text) <= tokenLimit) return text;
  const file = path.join(dir, `${randomUUID()}.txt`);
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.writeFile(file, text, { mode: 0o600 });
  } catch {
    // Without the file the model still gets a bounded preview (Codex does the same).
    return formattedTruncateText(text, { mode: "tokens", limit: tokenLimit });
  }
  // The footer is paid for before the preview, so the path never eats the configured budget.
  const footer = `\n\nFull hook output saved to: ${file}`;
  const budget = Math.max(0, tokenLimit - approxTokenCount(footer));
  return formattedTruncateText(text, { mode: "tokens", limit: budget }) + footer;
}

/** `$TMPDIR/hook_outputs/<thread>`: where a thread's spilled hook outputs go. */
export function hookOutputsDir(tempDir: string, threadId: string): string {
  return path.join(tempDir, "hook_outputs", threadId);
}
