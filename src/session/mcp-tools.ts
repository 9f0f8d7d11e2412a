import type { McpConnectionManager, McpServerConfig, McpTool } from "../mcp/types.js";
import { McpCallError } from "../mcp/types.js";
import { setMcpToolApprovalMode } from "../config/mcp-edit.js";
import type { SessionConfiguration } from "../permissions/index.js";
import type { EventMsg, McpInvocation } from "../protocol/events.js";
import type { ResponseItem } from "../protocol/items.js";
import {
  MCP_CANCELLED_TEXT,
  MCP_DECLINED_TEXT,
  mcpApprovalDecision,
  mcpToolApprovalMode,
} from "../tools/mcp-approval.js";
import { type McpCallOutcome, mcpModelOutput, sanitizeMcpResult } from "../tools/mcp-output.js";
import {
  LIST_MCP_RESOURCE_TEMPLATES,
  LIST_MCP_RESOURCES,
  MCP_RESOURCE_TOOL_NAMES,
  mcpResourceToolSpecs,
  parseResourceArgs,
  READ_MCP_RESOURCE,
} from "../tools/mcp-resources.js";
import { qualifyMcpTools } from "../mcp/tool-names.js";
import { currentModelInfo } from "./model-info.js";
import type { HookToolCall } from "../hooks/session-hooks.js";
import { blockedByHookText } from "../tools/runtime/hook-calls.js";
import {
  type ToolCall,
  type ToolContext,
  type ToolHooks,
  type ToolSpec,
  toolOutputItem,
} from "./tool-router.js";

/**
 * MCP tools inside turns (spec mcp.md §3–§6): the namespaces and resource tools offered to the
 * model, and their calls — approval, `tools/call` with Codex's `_meta`, the begin/end events and
 * the output the model reads.
 */

const NAMESPACE_PREFIX = "mcp__";
/** Codex's server name on items of the resource listing tools. */
const CODEX_SERVER = "codex";

function enabledServers(config: SessionConfiguration): readonly McpServerConfig[] {
  return (config.mcpServers ?? []).filter((s) => s.enabled);
}

/** The ready servers' tools under the names the model sees (the core's naming rules). */
function modelTools(manager: McpConnectionManager): { namespace: string; name: string; tool: McpTool }[] {
  const tools = manager.tools();
  const byRaw = new Map(tools.map((t) => [`${t.server}\u0000${t.name}`, t]));
  return qualifyMcpTools(tools).map((q) => ({
    namespace: q.namespace,
    name: q.name,
    tool: byRaw.get(`${q.server}\u0000${q.tool}`)!,
  }));
}

function durationOf(ms: number): { secs: number; nanos: number } {
  const whole = Math.max(0, ms);
  return { secs: Math.floor(whole / 1000), nanos: Math.round((whole % 1000) * 1_000_000) };
}

const COMMAND_TOOLS = new Set(["exec_command", "write_stdin", "shell_command", "shell", "local_shell"]);

function toolName(spec: ToolSpec): string {
  return typeof spec.name === "string" ? spec.name : spec.type;
}

/** Codex 0.169's place for the resource tools: right after the command tools. */
export function placeMcpResourceTools(list: readonly ToolSpec[], resources: readonly ToolSpec[]): ToolSpec[] {
  let at = 0;
  list.forEach((spec, i) => {
    if (COMMAND_TOOLS.has(toolName(spec))) at = i + 1;
  });
  return [...list.slice(0, at), ...resources, ...list.slice(at)];
}

/** The namespaces go after the built-in functions (the client's dynamic tools follow them). */
export function placeMcpNamespaces(list: readonly ToolSpec[], namespaces: readonly ToolSpec[]): ToolSpec[] {
  const hosted = list.findIndex((spec) => spec.type === "web_search" || spec.type === "tool_search");
  const at = hosted === -1 ? list.length : hosted;
  return [...list.slice(0, at), ...namespaces, ...list.slice(at)];
}

/** How long a turn's first request waits for servers still starting (Codex: about a second). */
const STARTING_WAIT_MS = 1000;

export class McpTools {
  /** The servers of the last tool list built (for `supports_parallel_tool_calls`). */
  private servers: readonly McpServerConfig[] = [];

  constructor(private readonly manager: () => McpConnectionManager | null) {}

  async prepareTurn(config: SessionConfiguration): Promise<void> {
    const manager = this.manager();
    if (manager && enabledServers(config).length > 0) await manager.waitForStarting(STARTING_WAIT_MS);
  }

  /** The resource tools (when a server is configured) and one namespace per ready server. */
  specs(config: SessionConfiguration): { resources: ToolSpec[]; namespaces: ToolSpec[] } {
    this.servers = enabledServers(config);
    const manager = this.manager();
    if (!manager || enabledServers(config).length === 0) return { resources: [], namespaces: [] };
    const instructions = new Map(manager.servers().map((s) => [s.name, s.instructions]));
    const namespaces = new Map<string, { server: string; tools: ToolSpec[] }>();
    for (const q of modelTools(manager)) {
      let group = namespaces.get(q.namespace);
      if (!group) {
        group = { server: q.tool.server, tools: [] };
        namespaces.set(q.namespace, group);
      }
      group.tools.push({
        type: "function",
        name: q.name,
        description: q.tool.description ?? "",
        strict: false,
        parameters: q.tool.inputSchema,
      });
    }
    return {
      resources: mcpResourceToolSpecs(),
      namespaces: [...namespaces].map(([name, group]) => ({
        type: "namespace",
        name,
        // Codex's fallback when the server gives no instructions.
        description: instructions.get(group.server) || `Tools in the ${name} namespace.`,
        tools: group.tools.sort((a, b) => (String(a.name) < String(b.name) ? -1 : 1)),
      })),
    };
  }

  handles(call: Pick<ToolCall, "name" | "namespace" | "kind">, config: SessionConfiguration): boolean {
    if (call.kind !== "function" || !this.manager() || enabledServers(config).length === 0) return false;
    if (call.namespace) return call.namespace.startsWith(NAMESPACE_PREFIX);
    return MCP_RESOURCE_TOOL_NAMES.has(call.name);
  }

  /** Calls of servers that say so may run alongside others; the rest run one at a time. */
  supportsParallel(namespace: string): boolean {
    const manager = this.manager();
    if (!manager) return false;
    const found = modelTools(manager).find((q) => q.namespace === namespace);
    const server = found ? this.servers.find((s) => s.name === found.tool.server) : undefined;
    return server?.supportsParallelToolCalls ?? false;
  }

  async dispatch(call: ToolCall, ctx: ToolContext): Promise<ResponseItem> {
    const manager = this.manager()!;
    if (!call.namespace) return this.dispatchResource(manager, call, ctx);
    const found = modelTools(manager).find((q) => q.namespace === call.namespace && q.name === call.name);
    // Codex's text joins the namespace and the name without a separator.
    if (!found) return toolOutputItem(call, `unsupported call: ${call.namespace}${call.name}`);
    let args: unknown;
    if (call.input.trim() !== "") {
      try {
        args = JSON.parse(call.input);
      } catch (error) {
        return toolOutputItem(call, `err: ${(error as Error).message}`);
      }
    }
    if (!ctx.hooks) return this.callTool(manager, found.tool, args, call, ctx);
    return this.callWithHooks(manager, found.tool, args, call, ctx, ctx.hooks);
  }

  /**
   * PreToolUse / PostToolUse around an MCP call (spec hooks.md §2, §4): the tool is
   * `mcp__<server>__<tool>` with the call's arguments as its input. A block ends the call before
   * any item; `updatedInput` becomes the arguments (approval still applies to them).
   */
  private async callWithHooks(
    manager: McpConnectionManager,
    tool: McpTool,
    args: unknown,
    call: ToolCall,
    ctx: ToolContext,
    hooks: ToolHooks,
  ): Promise<ResponseItem> {
    const hooked: HookToolCall = {
      callId: call.callId,
      toolName: `${NAMESPACE_PREFIX}${tool.server}__${tool.name}`,
      toolInput: args ?? {},
    };
    const pre = await hooks.preToolUse(hooked);
    if (pre.blockReason !== null) return toolOutputItem(call, blockedByHookText(hooked, pre.blockReason));
    let effective = args;
    if (pre.updatedInput !== undefined) {
      if (!isArgumentObject(pre.updatedInput))
        return toolOutputItem(call, "hook returned updatedInput that is not an object of tool arguments");
      effective = pre.updatedInput;
      hooked.toolInput = effective;
    }
    return this.callTool(manager, tool, effective, call, ctx, async (result) => {
      const post = await hooks.postToolUse(hooked, result);
      return post.replacement;
    });
  }

  private async callTool(
    manager: McpConnectionManager,
    tool: McpTool,
    args: unknown,
    call: ToolCall,
    ctx: ToolContext,
    /** PostToolUse: text the model reads instead of a successful result, or null. */
    afterSuccess?: (result: unknown) => Promise<string | null>,
  ): Promise<ResponseItem> {
    const info = currentModelInfo(ctx.config);
    const invocation: McpInvocation = {
      server: tool.server,
      tool: tool.name,
      ...(args === undefined ? {} : { arguments: args }),
    };
    const readOnlyHint = tool.annotations?.readOnlyHint ?? null;
    const serverConfig = enabledServers(ctx.config).find((s) => s.name === tool.server);
    const outputTokenLimit = serverConfig?.tools[tool.name]?.outputTokenLimit ?? null;
    const begun = Date.now();
    ctx.emit({ type: "mcp_tool_call_begin", call_id: call.callId, invocation, read_only_hint: readOnlyHint });
    const end = (outcome: McpCallOutcome, since: number): ResponseItem => {
      const elapsed = Date.now() - since;
      const msg: EventMsg = {
        type: "mcp_tool_call_end",
        call_id: call.callId,
        invocation,
        read_only_hint: readOnlyHint,
        duration: durationOf(elapsed),
        result: outcome.ok ? { Ok: outcome.result } : { Err: outcome.message },
      };
      ctx.emit(msg);
      return {
        type: "function_call_output",
        call_id: call.callId,
        output: mcpModelOutput(outcome, elapsed, info, outputTokenLimit),
      };
    };

    const refusal = await this.approve(tool, args, call.callId, ctx, serverConfig);
    // An interrupt while the user was asked ends the call without an end event.
    ctx.signal.throwIfAborted();
    if (refusal !== null) return end({ ok: false, message: refusal }, begun);

    const started = Date.now();
    let outcome: McpCallOutcome;
    try {
      const result = await manager.callTool(tool.server, tool.name, args, {
        signal: ctx.signal,
        meta: this.callMeta(call, ctx),
      });
      outcome = { ok: true, result: sanitizeMcpResult(result, info) };
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? error;
      const text =
        error instanceof McpCallError ? error.message : ((error as Error)?.message ?? String(error));
      outcome = { ok: false, message: `tool call error: ${text}` };
    }
    const item = end(outcome, started);
    const replacement = outcome.ok && afterSuccess ? await afterSuccess(outcome.result) : null;
    return replacement === null ? item : toolOutputItem(call, replacement);
  }

  /** null: run the call; otherwise the refusal text the model reads. */
  private async approve(
    tool: McpTool,
    args: unknown,
    callId: string,
    ctx: ToolContext,
    serverConfig: McpServerConfig | undefined,
  ): Promise<string | null> {
    // The server's identity is part of the key: a reload that puts another program or URL under
    // the same name must not inherit what the user allowed the old one.
    const sessionKey = mcpApprovalKey(tool.server, serverIdentity(serverConfig), tool.name);
    const decision = mcpApprovalDecision({
      mode: mcpToolApprovalMode(serverConfig, tool.name),
      annotations: tool.annotations,
      approvalPolicy: ctx.config.approvalPolicy.value,
      sandboxPolicy: ctx.config.sandboxPolicy.value,
      approvedForSession: ctx.approvalCache.has(sessionKey),
    });
    if (decision.kind === "run") return null;
    if (decision.kind === "deny") return decision.message;
    // Hooks answer before the user is asked (Codex: a deny's message replaces "user rejected…").
    const hooked = await ctx.hooks?.permissionRequest({
      callId,
      toolName: `${NAMESPACE_PREFIX}${tool.server}__${tool.name}`,
      toolInput: args ?? {},
    });
    if (hooked?.behavior === "allow") return null;
    if (hooked?.behavior === "deny") return hooked.message;
    if (!ctx.requestElicitation) return MCP_CANCELLED_TEXT;
    const answer = await ctx.requestElicitation(tool.server, approvalPrompt(tool, args, decision.persist));
    if (answer.action === "decline") return MCP_DECLINED_TEXT;
    if (answer.action !== "accept") return MCP_CANCELLED_TEXT;
    const persist = decision.persist ? answer._meta?.persist : undefined;
    if (persist === "session" || persist === "always") ctx.approvalCache.add(sessionKey);
    if (persist === "always") {
      try {
        setMcpToolApprovalMode(ctx.config.keelHome, tool.server, tool.name, "approve");
      } catch (error) {
        ctx.emit({
          type: "warning",
          message: `could not save the approval of ${tool.server}/${tool.name}: ${(error as Error).message}`,
        });
      }
    }
    return null;
  }

  private callMeta(call: ToolCall, ctx: ToolContext): Record<string, unknown> {
    const itemId = (call.item as { id?: unknown }).id;
    return {
      callId: call.callId,
      "x-codex-turn-metadata": {
        session_id: ctx.threadId,
        thread_id: ctx.threadId,
        turn_id: ctx.turnId,
        model: ctx.config.collaborationMode.settings.model,
        sandbox_mode: ctx.config.sandboxPolicy.value.type,
      },
      threadId: ctx.threadId,
      sessionId: ctx.threadId,
      ...(typeof itemId === "string" ? { itemId } : {}),
    };
  }

  /** `list_mcp_resources`, `list_mcp_resource_templates`, `read_mcp_resource`: JSON of the answer. */
  private async dispatchResource(
    manager: McpConnectionManager,
    call: ToolCall,
    ctx: ToolContext,
  ): Promise<ResponseItem> {
    const parsed = parseResourceArgs(call.input);
    if (!parsed.ok) return toolOutputItem(call, parsed.message);
    const { server, cursor, uri } = parsed.args;
    const read = call.name === READ_MCP_RESOURCE;
    if (read && (server === undefined || uri === undefined))
      return toolOutputItem(
        call,
        `failed to parse function arguments: missing field \`${server === undefined ? "server" : "uri"}\``,
      );
    // Codex names the server asked, or itself for a listing of every server.
    const invocation: McpInvocation = {
      server: server ?? CODEX_SERVER,
      tool: call.name,
      arguments: parsed.args,
    };
    const method =
      call.name === LIST_MCP_RESOURCES
        ? "resources/list"
        : call.name === LIST_MCP_RESOURCE_TEMPLATES
          ? "resources/templates/list"
          : "resources/read";
    const started = Date.now();
    ctx.emit({ type: "mcp_tool_call_begin", call_id: call.callId, invocation });
    let text: string;
    let outcome: McpCallOutcome;
    try {
      const answer =
        call.name === LIST_MCP_RESOURCES
          ? await manager.listResources(server, cursor)
          : call.name === LIST_MCP_RESOURCE_TEMPLATES
            ? await manager.listResourceTemplates(server, cursor)
            : await manager.readResource(server!, uri!);
      text = JSON.stringify(answer);
      outcome = { ok: true, result: { content: [{ type: "text", text }] } };
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? error;
      const target = read ? `\`${server}\` (${uri})` : `\`${server}\``;
      text = `${method} failed: ${method} failed for ${target}: ${jsonRpcCause(error)}`;
      outcome = { ok: false, message: text };
    }
    ctx.emit({
      type: "mcp_tool_call_end",
      call_id: call.callId,
      invocation,
      duration: durationOf(Date.now() - started),
      result: outcome.ok ? { Ok: outcome.result } : { Err: outcome.message },
    });
    return toolOutputItem(call, text);
  }
}

function isArgumentObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Codex's `Mcp error: -32601: Method not found` (the SDK's message starts with its own prefix). */
function jsonRpcCause(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = ((error as Error)?.message ?? String(error)).replace(/^MCP error -?\d+: /, "");
  return typeof code === "number" ? `Mcp error: ${code}: ${message}` : message;
}

/** The approval question (spec mcp.md §5), in the MCP elicitation form Codex sends. */
export function approvalPrompt(tool: McpTool, args: unknown, persist: boolean) {
  const params = args !== null && typeof args === "object" && !Array.isArray(args) ? args : {};
  const display = Object.keys(params)
    .sort()
    .map((name) => ({ name, value: (params as Record<string, unknown>)[name], display_name: name }));
  return {
    mode: "form" as const,
    message: `Allow the ${tool.server} MCP server to run tool "${tool.name}"?`,
    requestedSchema: { type: "object", properties: {} },
    _meta: {
      codex_approval_kind: "mcp_tool_call",
      ...(persist ? { persist: ["session", "always"] } : {}),
      tool_name: tool.name,
      ...(tool.description === undefined ? {} : { tool_description: tool.description }),
      ...(tool.annotations === undefined ? {} : { tool_annotations: tool.annotations }),
      tool_params: args ?? {},
      tool_params_display: display,
    },
  };
}

/** What a session approval is bound to besides the name: the launch command or the URL. */
function serverIdentity(config: McpServerConfig | undefined): string {
  if (!config) return "";
  const t = config.transport;
  return t.type === "stdio" ? JSON.stringify([t.command, ...t.args, t.cwd]) : JSON.stringify([t.url]);
}

const MCP_APPROVAL_PREFIX = "mcp_tool:";

/** The session cache key of an MCP tool approved for the session. */
export function mcpApprovalKey(server: string, identity: string, tool: string): string {
  return `${MCP_APPROVAL_PREFIX}${server}\u0000${identity}\u0000${tool}`;
}

/** The server and tool of an MCP session approval key; null for any other key. */
export function parseMcpApprovalKey(key: string): { server: string; tool: string } | null {
  if (!key.startsWith(MCP_APPROVAL_PREFIX)) return null;
  const rest = key.slice(MCP_APPROVAL_PREFIX.length);
  const first = rest.indexOf("\u0000");
  const last = rest.lastIndexOf("\u0000");
  return first < last ? { server: rest.slice(0, first), tool: rest.slice(last + 1) } : null;
}
