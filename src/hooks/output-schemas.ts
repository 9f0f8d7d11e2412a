import { Ajv, type ValidateFunction } from "ajv";
import type { HookEventName } from "./events.js";
import interrupt from "./schemas/interrupt.command.output.json" with { type: "json" };
import permissionRequest from "./schemas/permission-request.command.output.json" with { type: "json" };
import postCompact from "./schemas/post-compact.command.output.json" with { type: "json" };
import postToolUse from "./schemas/post-tool-use.command.output.json" with { type: "json" };
import preCompact from "./schemas/pre-compact.command.output.json" with { type: "json" };
import preToolUse from "./schemas/pre-tool-use.command.output.json" with { type: "json" };
import sessionStart from "./schemas/session-start.command.output.json" with { type: "json" };
import stop from "./schemas/stop.command.output.json" with { type: "json" };
import userPromptSubmit from "./schemas/user-prompt-submit.command.output.json" with { type: "json" };

/**
 * Codex 0.169's hook output schemas (spec fixtures, extracted from its binary). Output is
 * checked against them strictly: an unknown field makes the run fail, as in Codex.
 */
const SCHEMAS: Partial<Record<HookEventName, object>> = {
  Interrupt: interrupt,
  PermissionRequest: permissionRequest,
  PostCompact: postCompact,
  PostToolUse: postToolUse,
  PreCompact: preCompact,
  PreToolUse: preToolUse,
  SessionStart: sessionStart,
  Stop: stop,
  UserPromptSubmit: userPromptSubmit,
};

let ajv: Ajv | null = null;
const compiled = new Map<HookEventName, ValidateFunction>();

/** True when `value` is valid output for `event` (events without a schema accept nothing). */
export function isValidHookOutput(event: HookEventName, value: unknown): boolean {
  let validate = compiled.get(event);
  if (!validate) {
    const schema = SCHEMAS[event];
    if (!schema) return false;
    // Compiled on first use: most sessions never see hook JSON output.
    ajv ??= new Ajv({ strict: false, allErrors: false });
    validate = ajv.compile(schema);
    compiled.set(event, validate);
  }
  return validate(value);
}
