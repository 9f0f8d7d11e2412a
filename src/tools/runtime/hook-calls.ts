import type { HookToolCall } from "../../hooks/session-hooks.js";
import type { ToolCall } from "../../session/tool-router.js";
import { extractShellScript, joinShellWords } from "../shell-words.js";

type Args = Record<string, unknown>;

/** Where a command tool keeps its command text, for hooks to read and rewrite. */
const COMMAND_FIELD: Record<string, "cmd" | "command"> = {
  exec_command: "cmd",
  shell_command: "command",
  shell: "command",
  "container.exec": "command",
  local_shell: "command",
};

/**
 * A call as hooks see it (spec hooks.md §2, §4): every shell tool is `Bash` with
 * `{command: <text>}`, apply_patch is `apply_patch` (aliases Edit, Write) with the patch text as
 * `command`. Null for calls hooks do not see, or whose arguments the tool will reject anyway.
 */
export function hookToolCall(call: ToolCall): HookToolCall | null {
  if (call.name === "apply_patch") {
    const patch = call.kind === "custom" ? call.input : stringField(parseArgs(call.input), "input");
    if (patch === null) return null;
    return {
      callId: call.callId,
      toolName: "apply_patch",
      aliases: ["Edit", "Write"],
      toolInput: { command: patch },
    };
  }
  const field = COMMAND_FIELD[call.name];
  if (!field) return null;
  const value = parseArgs(call.input)?.[field];
  const command = typeof value === "string" ? value : Array.isArray(value) ? commandText(value) : null;
  if (command === null) return null;
  return { callId: call.callId, toolName: "Bash", toolInput: { command } };
}

/** The model's text when a PreToolUse hook blocked a call (Codex 0.169's wording). */
export function blockedByHookText(hooked: HookToolCall, reason: string): string {
  if (hooked.toolName === "Bash") {
    const command = (hooked.toolInput as { command: string }).command;
    return `Command blocked by PreToolUse hook: ${reason}. Command: ${command}`;
  }
  return `Tool call blocked by PreToolUse hook: ${reason}. Tool: ${hooked.toolName}`;
}

/**
 * The call with a hook's `updatedInput` applied; a string (the model's output) when the hook's
 * input lacks the `command` text every hooked tool needs.
 */
export function rewriteCall(call: ToolCall, updatedInput: unknown): ToolCall | string {
  const command = (updatedInput as { command?: unknown } | null)?.command;
  if (typeof command !== "string") return "hook returned updatedInput without string field `command`";
  if (call.name === "apply_patch") {
    return { ...call, input: call.kind === "custom" ? command : JSON.stringify({ input: command }) };
  }
  const field = COMMAND_FIELD[call.name]!;
  const args = parseArgs(call.input) ?? {};
  const value = Array.isArray(args[field]) ? ["bash", "-lc", command] : command;
  return { ...call, input: JSON.stringify({ ...args, [field]: value }) };
}

function commandText(argv: unknown[]): string | null {
  if (!argv.every((a): a is string => typeof a === "string")) return null;
  // Codex hands hooks the whole argv, shell-quoted: a hook must see the program that runs,
  // not only a `-c` argument (`["./evil", "-c", "ls"]` is not `ls`).
  return joinShellWords(argv);
}

/**
 * The command a PermissionRequest hook reads for an approval's argv: the script of a real
 * `bash|zsh|sh -c|-lc` wrapper (how exec_command and shell_command run), else the whole argv.
 */
export function approvalCommandText(argv: readonly string[]): string {
  return extractShellScript(argv)?.script ?? joinShellWords(argv);
}

function parseArgs(json: string): Args | null {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Args) : null;
  } catch {
    return null;
  }
}

function stringField(args: Args | null, key: string): string | null {
  const value = args?.[key];
  return typeof value === "string" ? value : null;
}
