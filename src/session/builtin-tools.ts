import type { NetworkProxySettings } from "../network-proxy/settings.js";
import type { RequestedPermissions } from "../protocol/events.js";
import type { ResponseItem } from "../protocol/items.js";
import { handleUpdatePlan, updatePlanToolSpec } from "../tools/index.js";
import { currentModelInfo } from "./model-info.js";
import { callAllowed, DEFAULT_TOOLS_CONFIG, selectTools } from "./tool-selection.js";
import { ClientTools } from "./client-tools.js";
import { type McpTools, placeMcpNamespaces, placeMcpResourceTools } from "./mcp-tools.js";
import type { SessionConfiguration } from "../permissions/index.js";
import {
  type BackgroundProcess,
  type RememberedGrant,
  type ToolCall,
  type ToolContext,
  type ToolRouter,
  type ToolSpec,
  toolOutputItem,
  type UserShellResult,
} from "./tool-router.js";

/** Tools the session implements itself, so the loop works without the tools orchestrator. */
export const UPDATE_PLAN_TOOL: ToolSpec = { ...updatePlanToolSpec() };

function runUpdatePlan(call: ToolCall, ctx: ToolContext): ResponseItem {
  const result = handleUpdatePlan(call.input);
  if (!result.ok) return toolOutputItem(call, result.message);
  ctx.emit({ type: "plan_update", explanation: result.args.explanation ?? null, plan: result.args.plan });
  return toolOutputItem(call, result.output);
}

/** Codex 0.169's answer to a call of a tool it did not offer (one text per call kind). */
export function unsupportedToolOutput(call: ToolCall): ResponseItem {
  const text =
    call.kind === "custom" ? `unsupported custom tool call: ${call.name}` : `unsupported call: ${call.name}`;
  return toolOutputItem(call, text);
}

/**
 * Puts the built-ins in front of an optional external router: `update_plan` is answered here
 * (Codex 0.169 no longer offers it, but a model may still call it), the client tools
 * (`request_user_input`, dynamic tools) go to the client, every name nobody handles gets the
 * "unsupported call" output. The tools offered come from the model's catalog entry.
 */
export class SessionToolRouter implements ToolRouter {
  constructor(
    private readonly inner: ToolRouter | null,
    private readonly client: ClientTools = new ClientTools([]),
    private readonly mcp: McpTools | null = null,
  ) {}

  specs(ctx: Pick<ToolContext, "cwd" | "config">): ToolSpec[] {
    const provided = (this.inner?.specs(ctx) ?? []).filter((s) => s.name !== UPDATE_PLAN_TOOL.name);
    const selected = selectTools(
      currentModelInfo(ctx.config),
      ctx.config.tools ?? DEFAULT_TOOLS_CONFIG,
      provided,
    );
    const mcp = this.mcp?.specs(ctx.config) ?? { resources: [], namespaces: [] };
    const withClient = this.client.specs(placeMcpNamespaces(selected, mcp.namespaces), ctx.config);
    return placeMcpResourceTools(withClient, mcp.resources);
  }

  async prepareTurn(config: SessionConfiguration): Promise<void> {
    await this.mcp?.prepareTurn(config);
    await this.inner?.prepareTurn?.(config);
  }

  handles(name: string): boolean {
    return (
      name === UPDATE_PLAN_TOOL.name ||
      this.client.handles({ name, namespace: null, kind: "function" }) ||
      (this.inner?.handles(name) ?? false)
    );
  }

  supportsParallel(name: string, namespace?: string | null): boolean {
    // A question or a client tool call at a time, like update_plan.
    if (name === UPDATE_PLAN_TOOL.name || this.client.handles({ name, namespace: null, kind: "function" }))
      return false;
    if (this.mcp && namespace) return this.mcp.supportsParallel(namespace);
    return this.inner?.handles(name) ? this.inner.supportsParallel(name) : true;
  }

  startSession(
    threadId: string,
    cwd: string,
    keelHome: string,
    networkProxy?: NetworkProxySettings | null,
  ): void {
    this.inner?.startSession?.(threadId, cwd, keelHome, networkProxy);
  }

  async endSession(threadId: string): Promise<void> {
    await this.inner?.endSession?.(threadId);
  }

  async terminateProcesses(threadId: string): Promise<void> {
    await this.inner?.terminateProcesses?.(threadId);
  }

  runningProcesses(threadId: string): BackgroundProcess[] {
    return this.inner?.runningProcesses?.(threadId) ?? [];
  }

  approvedPrefixes(): string | null {
    return this.inner?.approvedPrefixes?.() ?? null;
  }

  rememberedGrants(threadId: string): RememberedGrant[] {
    return this.inner?.rememberedGrants?.(threadId) ?? [];
  }

  permissionGrants(threadId: string, turnId: string | null): RequestedPermissions[] {
    return this.inner?.permissionGrants?.(threadId, turnId) ?? [];
  }

  forgetGrant(threadId: string, grant: RememberedGrant): boolean {
    return this.inner?.forgetGrant?.(threadId, grant) ?? false;
  }

  async runUserShell(command: string, callId: string, ctx: ToolContext): Promise<UserShellResult> {
    if (!this.inner?.runUserShell) throw new Error("this session cannot run shell commands");
    return this.inner.runUserShell(command, callId, ctx);
  }

  async terminateProcess(threadId: string, processId: number): Promise<boolean> {
    return (await this.inner?.terminateProcess?.(threadId, processId)) ?? false;
  }

  async dispatch(call: ToolCall, ctx: ToolContext): Promise<ResponseItem> {
    if (call.name === UPDATE_PLAN_TOOL.name && call.kind === "function") return runUpdatePlan(call, ctx);
    if (this.client.handles(call)) return this.client.dispatch(call, ctx);
    if (this.mcp?.handles(call, ctx.config)) return this.mcp.dispatch(call, ctx);
    if (!this.inner?.handles(call.name) || !callAllowed(call.name, this.specs(ctx)))
      return unsupportedToolOutput(call);
    try {
      return await this.inner.dispatch(call, ctx);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      return toolOutputItem(call, `tool ${call.name} failed: ${(error as Error)?.message ?? String(error)}`);
    }
  }
}
