import type { ResponseItem } from "../protocol/items.js";
import { formattedTruncateText } from "../tools/runtime/truncation.js";
import type { TruncationPolicy } from "../tools/runtime/truncation.js";
import type { UserShellResult } from "./tool-router.js";

/**
 * The history record of a user `!` command (Codex's `user_shell_command_record_item`): a user
 * message the model reads on its next request, with the output cut to the model's tool budget.
 */
export function userShellRecord(
  command: string,
  result: UserShellResult,
  policy: TruncationPolicy,
): ResponseItem {
  const body = result.timedOut
    ? `command timed out after ${Math.round(result.durationMs)} milliseconds\n${result.output}`
    : result.output;
  const text = [
    "<user_shell_command>",
    "<command>",
    command,
    "</command>",
    "<result>",
    `Exit code: ${result.exitCode}`,
    `Duration: ${(result.durationMs / 1000).toFixed(4)} seconds`,
    "Output:",
    formattedTruncateText(body, policy),
    "</result>",
    "</user_shell_command>",
  ].join("\n");
  return { type: "message", role: "user", content: [{ type: "input_text", text }] };
}
