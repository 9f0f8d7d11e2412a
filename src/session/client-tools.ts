import type { ResponseItem, ToolOutput } from "../protocol/items.js";
import { type DynamicToolSpec, DynamicToolSpecSchema } from "../protocol/v2/thread.js";
import type { SessionConfiguration } from "../permissions/index.js";
import {
  parseUserInputQuestions,
  REQUEST_USER_INPUT_TOOL_NAME,
  requestUserInputToolSpec,
  USER_INPUT_MESSAGES,
} from "../tools/request-user-input.js";
import type { DynamicToolResult } from "./client-requests.js";
import { type ToolCall, type ToolContext, type ToolSpec, toolOutputItem } from "./tool-router.js";

/**
 * The tools the client answers: `request_user_input` (questions for the user) and the dynamic
 * tools a client declared on `thread/start`. Codex 0.169 offers `request_user_input` in every
 * mode and refuses it at call time outside Plan mode; dynamic tools are plain function tools,
 * grouped under a `namespace` tool when the client gave one.
 */

interface DynamicFunction {
  namespace: string | null;
  name: string;
  description: string;
  inputSchema: unknown;
}

interface DynamicNamespace {
  name: string;
  description: string;
  tools: DynamicFunction[];
}

/** The tools to offer, in the client's order. Deferred tools are left out (keel has no tool search). */
function flatten(specs: readonly DynamicToolSpec[]): (DynamicFunction | DynamicNamespace)[] {
  const out: (DynamicFunction | DynamicNamespace)[] = [];
  const seedNamespaces = new Map<string, DynamicNamespace>();
  for (const spec of specs) {
    if ("type" in spec && spec.type === "namespace") {
      const tools = spec.tools
        .filter((t) => t.deferLoading !== true)
        .map((t) => ({
          namespace: spec.name,
          name: t.name,
          description: t.description,
          inputSchema: t.inputSchema,
        }));
      if (tools.length > 0) out.push({ name: spec.name, description: spec.description, tools });
      continue;
    }
    if (spec.deferLoading === true) continue;
    const namespace = "namespace" in spec ? (spec.namespace ?? null) : null;
    const fn = { namespace, name: spec.name, description: spec.description, inputSchema: spec.inputSchema };
    if (namespace === null) {
      out.push(fn);
      continue;
    }
    // Seed-era flat specs name their namespace per tool: gather them into one group.
    let group = seedNamespaces.get(namespace);
    if (!group) {
      group = { name: namespace, description: namespace, tools: [] };
      seedNamespaces.set(namespace, group);
      out.push(group);
    }
    group.tools.push(fn);
  }
  return out;
}

function functionSpec(fn: DynamicFunction): ToolSpec {
  return {
    type: "function",
    name: fn.name,
    description: fn.description,
    strict: false,
    parameters: fn.inputSchema,
  };
}

/**
 * Where the client tools go in Codex's order: `request_user_input` right after the command
 * tools (before `apply_patch`), dynamic tools after the other function tools and before the
 * hosted ones (`web_search`). The one place to adjust when the tool list changes.
 */
export function placeClientTools(
  builtins: readonly ToolSpec[],
  requestUserInput: ToolSpec | null,
  dynamic: readonly ToolSpec[],
): ToolSpec[] {
  const list = [...builtins];
  if (requestUserInput) {
    const commandTools = new Set(["exec_command", "write_stdin", "shell", "local_shell"]);
    let at = 0;
    list.forEach((spec, i) => {
      if (commandTools.has(String((spec as { name?: unknown }).name))) at = i + 1;
    });
    list.splice(at, 0, requestUserInput);
  }
  const hosted = list.findIndex((spec) => spec.type === "web_search" || spec.type === "tool_search");
  list.splice(hosted === -1 ? list.length : hosted, 0, ...dynamic);
  return list;
}

/** Whether `request_user_input` is offered: always, as in Codex 0.169 (the mode decides at call time). */
export function offersRequestUserInput(_config: SessionConfiguration): boolean {
  return true;
}

/** The function_call_output Codex builds from a client's content items. */
export function dynamicToolOutput(result: DynamicToolResult): ToolOutput {
  const [only] = result.contentItems;
  if (result.contentItems.length === 1 && only?.type === "inputText") return only.text;
  return result.contentItems.map((item) =>
    item.type === "inputText"
      ? { type: "input_text" as const, text: item.text }
      : { type: "input_image" as const, image_url: item.imageUrl, detail: "original" },
  );
}

/** The dynamic tools a rollout's session meta kept; entries keel cannot read are skipped. */
export function storedDynamicTools(stored: readonly unknown[] | null): DynamicToolSpec[] {
  return (stored ?? []).flatMap((entry) => {
    const parsed = DynamicToolSpecSchema.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

export class ClientTools {
  private readonly offered: (DynamicFunction | DynamicNamespace)[];
  private readonly byKey = new Map<string, DynamicFunction>();

  constructor(
    dynamicTools: readonly DynamicToolSpec[],
    /** `default_mode_request_user_input`: questions are allowed in Default mode too. */
    private readonly options: { userInputInDefaultMode?: boolean } = {},
  ) {
    this.offered = flatten(dynamicTools);
    for (const entry of this.offered) {
      const fns = "tools" in entry ? entry.tools : [entry];
      for (const fn of fns) this.byKey.set(key(fn.namespace, fn.name), fn);
    }
  }

  /** The built-ins with the client tools put in their places. */
  specs(builtins: readonly ToolSpec[], config: SessionConfiguration): ToolSpec[] {
    const dynamic = this.offered.map((entry) =>
      "tools" in entry
        ? {
            type: "namespace",
            name: entry.name,
            description: entry.description,
            tools: entry.tools.map(functionSpec),
          }
        : functionSpec(entry),
    );
    const modes = this.options.userInputInDefaultMode ? "Default or Plan" : "Plan";
    const userInput = offersRequestUserInput(config) ? { ...requestUserInputToolSpec(modes) } : null;
    return placeClientTools(builtins, userInput, dynamic);
  }

  handles(call: Pick<ToolCall, "name" | "namespace" | "kind">): boolean {
    if (call.kind !== "function") return false;
    if (call.name === REQUEST_USER_INPUT_TOOL_NAME && !call.namespace) return true;
    return this.byKey.has(key(call.namespace ?? null, call.name));
  }

  async dispatch(call: ToolCall, ctx: ToolContext): Promise<ResponseItem> {
    if (call.name === REQUEST_USER_INPUT_TOOL_NAME && !call.namespace) {
      return askUser(call, ctx, this.options.userInputInDefaultMode === true);
    }
    const fn = this.byKey.get(key(call.namespace ?? null, call.name))!;
    let args: unknown;
    try {
      args = call.input.trim() === "" ? {} : JSON.parse(call.input);
    } catch (error) {
      return toolOutputItem(call, `failed to parse function arguments: ${(error as Error).message}`);
    }
    if (!ctx.callDynamicTool) return toolOutputItem(call, `no client is connected to run ${fn.name}`);
    const result = await ctx.callDynamicTool({
      kind: "dynamicTool",
      callId: call.callId,
      namespace: fn.namespace,
      tool: fn.name,
      arguments: args,
    });
    return { type: "function_call_output", call_id: call.callId, output: dynamicToolOutput(result) };
  }
}

function key(namespace: string | null, name: string): string {
  return namespace === null ? name : `${namespace}\u0000${name}`;
}

async function askUser(call: ToolCall, ctx: ToolContext, inDefaultMode: boolean): Promise<ResponseItem> {
  const mode = ctx.config.collaborationMode.mode;
  const allowed = mode === "plan" || (mode === "default" && inDefaultMode);
  if (!allowed) return toolOutputItem(call, USER_INPUT_MESSAGES.unavailable(modeName(mode)));
  const parsed = parseUserInputQuestions(call.input);
  if (!parsed.ok) return toolOutputItem(call, parsed.message);
  const answers = ctx.requestUserInput
    ? await ctx.requestUserInput({ kind: "userInput", callId: call.callId, questions: parsed.value })
    : null;
  if (answers === null) return toolOutputItem(call, USER_INPUT_MESSAGES.cancelled);
  return toolOutputItem(call, JSON.stringify(answers));
}

function modeName(mode: string): string {
  return mode.charAt(0).toUpperCase() + mode.slice(1);
}
