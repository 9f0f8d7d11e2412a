import { storedApiKey } from "../auth/auth-file.js";
import { KEEL_VERSION } from "../cli/version.js";
import { requireUsableKeelHome } from "../config/home.js";
import { configLocationsFromEnv, loadConfigFromEnv, type TypedOverrides } from "../config/load.js";
import { errorMessage } from "../lib/errors.js";
import type { Event, EventMsg } from "../protocol/events.js";
import { openThreadStore } from "../store/open.js";
import type { ThreadStore } from "../store/types.js";
import {
  type Session,
  SessionManager,
  sessionOptionsFromConfig,
  type ThreadOptions,
} from "../session/index.js";
import { SandboxedToolRouter } from "../tools/runtime/index.js";
import { decisionFromAnswer, execApprovalParams, patchApprovalParams } from "./approvals.js";
import {
  KEEL_REPLY_TOOL,
  KEEL_TOOL,
  type KeelToolParams,
  parseKeelParams,
  parseReplyParams,
  TOOLS,
  ToolParamsError,
} from "./tools.js";

/**
 * `keel mcp-server`: keel as an MCP server on stdio, as `codex mcp-server` is. Each `keel` call
 * starts a session (a thread, persisted like any other) and runs one turn; `keel-reply` runs the
 * next turn of a thread. Every core event goes to the client as a `codex/event` notification;
 * approvals become `elicitation/create` requests. A thin client of the session core: the turn
 * loop is the same one `keel exec` and the app-server drive.
 */

export interface McpServerIo {
  env: Readonly<Record<string, string | undefined>>;
  processCwd: string;
  /** `-c key=value` given to `keel mcp-server`, applied to every session. */
  cliOverrides: readonly string[];
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: (text: string) => void;
}

/** What a running tool call needs: how to reach the client for this request. */
interface CallChannel {
  requestId: string | number;
  notify: (method: string, params: Record<string, unknown>) => Promise<void>;
  elicit: (params: Record<string, unknown>) => Promise<unknown>;
}

interface ToolResult {
  [key: string]: unknown;
  content: { type: "text"; text: string }[];
  structuredContent?: { threadId: string; content: string };
  isError?: boolean;
}

function errorResult(text: string): ToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

export class KeelMcpServer {
  private readonly store: ThreadStore;
  private readonly manager: SessionManager;
  /** Thread → the tool call whose turn is running on it. */
  private readonly channels = new Map<string, CallChannel>();
  /** The call whose session is being created (its `session_configured` names the thread). */
  private starting: CallChannel | null = null;
  private startQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly io: McpServerIo) {
    // Only the home here: a broken config.toml is reported by each tool call, not fatal at start.
    const { keelHome } = configLocationsFromEnv(io.env);
    requireUsableKeelHome(keelHome, io.env);
    this.store = openThreadStore({ home: keelHome, onWarning: (m) => io.stderr(`warning: ${m}\n`) });
    this.manager = new SessionManager({
      store: this.store,
      onEvent: (threadId, event) => this.onEvent(threadId, event),
    });
  }

  async callTool(
    name: string,
    args: Record<string, unknown> | undefined,
    channel: CallChannel,
    signal: AbortSignal,
  ) {
    try {
      if (name === KEEL_TOOL) return await this.startSession(parseKeelParams(args), channel, signal);
      if (name === KEEL_REPLY_TOOL) return await this.reply(parseReplyParams(args), channel, signal);
      return errorResult(`Unknown tool '${name}'`);
    } catch (error) {
      if (error instanceof ToolParamsError) return errorResult(error.message);
      return errorResult(`keel runtime error: ${errorMessage(error)}`);
    }
  }

  async close(): Promise<void> {
    await this.manager.shutdownAll();
    await this.store.close();
  }

  private async startSession(
    params: KeelToolParams,
    channel: CallChannel,
    signal: AbortSignal,
  ): Promise<ToolResult> {
    let session: Session;
    try {
      const options = this.threadOptions(params);
      // One start at a time, so the `session_configured` that arrives belongs to this call.
      session = await this.serialStart(channel, () => this.manager.start(options));
    } catch (error) {
      return errorResult(`Failed to start keel session: ${errorMessage(error)}`);
    }
    return this.runTurn(session, params.prompt, channel, signal);
  }

  private async reply(
    params: { threadId: string; prompt: string },
    channel: CallChannel,
    signal: AbortSignal,
  ) {
    let session = this.manager.get(params.threadId);
    if (!session) {
      // Unlike Codex, keel keeps threads on disk: one from an earlier server run can go on.
      try {
        const options = this.threadOptions({ prompt: params.prompt });
        session = await this.serialStart(channel, () =>
          this.manager.resume({ threadId: params.threadId }, options),
        );
      } catch {
        return errorResult(`Session not found for thread_id: ${params.threadId}`);
      }
    }
    if (this.channels.has(session.threadId)) {
      return errorResult(`thread ${session.threadId} is already running a turn; wait for its result`);
    }
    return this.runTurn(session, params.prompt, channel, signal);
  }

  private async serialStart(channel: CallChannel, start: () => Promise<Session>): Promise<Session> {
    const run = this.startQueue.then(async () => {
      this.starting = channel;
      try {
        return await start();
      } finally {
        this.starting = null;
      }
    });
    this.startQueue = run.catch(() => undefined);
    return run;
  }

  private async runTurn(session: Session, prompt: string, channel: CallChannel, signal: AbortSignal) {
    const threadId = session.threadId;
    const outcome = { lastMessage: null as string | null, error: null as string | null };
    const unsubscribe = session.subscribe((event) => trackOutcome(event.msg, outcome));
    this.channels.set(threadId, channel);
    const onAbort = () => void session.interrupt();
    signal.addEventListener("abort", onAbort);
    try {
      await session.submit([{ type: "text", text: prompt }]);
      await session.waitForIdle();
    } finally {
      signal.removeEventListener("abort", onAbort);
      unsubscribe();
      this.channels.delete(threadId);
    }
    if (outcome.error !== null) return errorResult(outcome.error);
    const content = outcome.lastMessage ?? "";
    return { content: [{ type: "text" as const, text: content }], structuredContent: { threadId, content } };
  }

  private threadOptions(params: KeelToolParams): ThreadOptions {
    const overrides: TypedOverrides = {};
    if (params.model !== undefined) overrides.model = params.model;
    if (params.profile !== undefined) overrides.profile = params.profile;
    if (params.cwd !== undefined) overrides.cwd = params.cwd;
    if (params.approvalPolicy !== undefined) overrides.approvalPolicy = params.approvalPolicy;
    if (params.sandbox !== undefined) overrides.sandboxMode = params.sandbox;
    if (params.baseInstructions !== undefined) overrides.baseInstructions = params.baseInstructions;
    if (params.developerInstructions !== undefined)
      overrides.developerInstructions = params.developerInstructions;
    const sessionConfig = {
      ...params.config,
      ...(params.compactPrompt !== undefined ? { compact_prompt: params.compactPrompt } : {}),
    };
    const { env, processCwd } = this.io;
    const withSession = loadConfigFromEnv({
      env,
      processCwd,
      cliOverrides: this.io.cliOverrides,
      overrides,
      sessionConfig,
    });
    const base = sessionOptionsFromConfig(withSession, { processCwd });
    const apiKey = env.KEEL_API_KEY || env.CODEX_API_KEY;
    return {
      ...base,
      source: "mcp",
      originator: "keel_mcp_server",
      toolRouter: new SandboxedToolRouter({
        env,
        shellEnvironmentPolicy: withSession.shellEnvironmentPolicy,
        permissionEnv: withSession.permissionEnv,
        allowLoginShell: withSession.allowLoginShell,
        ...(env.SHELL ? { userShell: env.SHELL } : {}),
      }),
      modelClientOptions: {
        env,
        ...(apiKey && base.provider.info.requires_openai_auth ? { apiKey } : {}),
        storedApiKey: () => storedApiKey(withSession.keelHome, (m) => this.io.stderr(`warning: ${m}\n`)),
      },
    };
  }

  private onEvent(threadId: string, event: Event): void {
    const channel =
      this.channels.get(threadId) ?? (event.msg.type === "session_configured" ? this.starting : null);
    if (!channel) return;
    void channel
      .notify("codex/event", {
        _meta: { requestId: channel.requestId, threadId },
        id: event.id,
        msg: event.msg,
      })
      .catch(() => undefined);
    this.answerRequests(threadId, event, channel);
  }

  /** Approvals go to the client; questions keel cannot ask over MCP are answered "no". */
  private answerRequests(threadId: string, event: Event, channel: CallChannel): void {
    const msg = event.msg;
    const session = this.manager.get(threadId);
    if (!session) return;
    const ctx = { threadId, toolCallId: String(channel.requestId), eventId: event.id };
    if (msg.type === "exec_approval_request" || msg.type === "apply_patch_approval_request") {
      const key = msg.type === "exec_approval_request" ? (msg.approval_id ?? msg.call_id) : msg.call_id;
      const params =
        msg.type === "exec_approval_request" ? execApprovalParams(msg, ctx) : patchApprovalParams(msg, ctx);
      void channel.elicit(params).then(
        (answer) => session.resolveApproval(key, { decision: decisionFromAnswer(answer) }),
        () => session.resolveApproval(key, { decision: "denied" }),
      );
    } else if (msg.type === "request_permissions") {
      setImmediate(() => session.resolveApproval(msg.call_id, { decision: "denied" }));
    } else if (msg.type === "request_user_input") {
      setImmediate(() => session.resolveUserInput(msg.call_id, null));
    } else if (msg.type === "elicitation_request") {
      // The session's own MCP servers (tool approvals, their questions): unanswered, the turn
      // would wait forever; declined, as when nobody can be asked.
      setImmediate(() => session.resolveElicitation(msg.id, { action: "decline" }));
    }
  }
}

function trackOutcome(msg: EventMsg, outcome: { lastMessage: string | null; error: string | null }): void {
  if (msg.type === "task_started") outcome.error = null;
  else if (msg.type === "error") outcome.error = msg.message;
  else if (msg.type === "task_complete") {
    if (msg.last_agent_message) outcome.lastMessage = msg.last_agent_message;
  } else if (msg.type === "item_completed" && msg.item.type === "agent_message") {
    outcome.lastMessage = String((msg.item as { text?: unknown }).text ?? "");
  }
}

/** Serves MCP on stdin/stdout until the client closes the stream. */
export async function runMcpServer(io: McpServerIo): Promise<void> {
  const { Server } = await import("@modelcontextprotocol/sdk/server/index.js");
  const { StdioServerTransport } = await import("@modelcontextprotocol/sdk/server/stdio.js");
  const { CallToolRequestSchema, ListToolsRequestSchema } = await import(
    "@modelcontextprotocol/sdk/types.js"
  );
  const { z } = await import("zod");

  const keel = new KeelMcpServer(io);
  const server = new Server(
    { name: "keel-mcp-server", title: "keel", version: KEEL_VERSION },
    { capabilities: { tools: { listChanged: true } } },
  );
  const anyResult = z.looseObject({});
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const channel: CallChannel = {
      requestId: extra.requestId,
      notify: (method, params) => extra.sendNotification({ method, params } as never),
      // Codex sends its approval elicitations with a `decision` answer; keep the answer whole.
      elicit: (params) =>
        extra.sendRequest({ method: "elicitation/create", params } as never, anyResult, {
          timeout: 2 ** 31 - 1,
        }),
    };
    return keel.callTool(request.params.name, request.params.arguments, channel, extra.signal);
  });

  const transport = new StdioServerTransport(io.stdin as never, io.stdout as never);
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
    io.stdin.once("end", () => resolve());
  });
  await server.connect(transport);
  await closed;
  await keel.close();
  await server.close();
}
