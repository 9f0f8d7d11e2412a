import fs from "node:fs";
import path from "node:path";
import { appendHistoryEntry, messageHistoryConfig } from "../history/message-history.js";
import { hookOptionsFromConfig, withHookWarnings } from "../hooks/from-config.js";
import { execPolicyFromConfig } from "../execpolicy/from-config.js";
import { rulesLoadWarning } from "../execpolicy/warning.js";
import { storedApiKey } from "../auth/auth-file.js";
import { KEEL_VERSION } from "../cli/version.js";
import {
  configLocationsFromEnv,
  type LoadedConfig,
  loadConfigFromEnv,
  type TypedOverrides,
} from "../config/load.js";
import { findGitWorktreeRoot } from "../config/project.js";
import { errorMessage, UserError } from "../lib/errors.js";
import { chooseOssProvider, OSS_PROVIDER_IDS } from "../model/providers.js";
import { applySettingsUpdate, type SessionConfiguration } from "../permissions/index.js";
import type { Event, EventMsg, UserInput } from "../protocol/events.js";
import type { ReviewTarget } from "../protocol/review.js";
import { type SandboxMode, SandboxModeSchema } from "../protocol/permissions.js";
import { openThreadStore } from "../store/open.js";
import { type StoreSelection, selectStore } from "../store/select.js";
import type { ThreadStore } from "../store/types.js";
import {
  type Session,
  SessionManager,
  sessionOptionsFromConfig,
  type ThreadOptions,
} from "../session/index.js";
import { SkillsManager, skillsSettingsFromToml } from "../skills/index.js";
import { SandboxedToolRouter } from "../tools/runtime/index.js";
import { imageInputs, readOutputSchema, resolvePrompt } from "./input.js";
import { ThreadEventMapper } from "./jsonl.js";
import { checkAddDirs, checkOutputFile, outputFileError } from "./preflight.js";
import { HumanTranscript } from "./transcript.js";

export const UNTRUSTED_DIRECTORY_MESSAGE =
  "Not inside a trusted directory and --skip-git-repo-check was not specified.";

/** Parsed `keel exec` arguments (the CLI module maps commander's options onto this). */
export interface ExecArgs {
  prompt: string | null;
  /** Set for `keel exec resume`. */
  resume: { threadId: string | null; last: boolean; all: boolean } | null;
  /** Set for `keel exec review`: a review task instead of a prompt. */
  review?: ReviewTarget;
  /** Set for `keel exec fork`: the thread whose history the new thread starts from. */
  fork?: { threadId: string } | null;
  config: string[];
  model?: string;
  sandbox?: string;
  cd?: string;
  addDir: string[];
  skipGitRepoCheck: boolean;
  outputSchema?: string;
  images: string[];
  fullAuto: boolean;
  dangerouslyBypassApprovalsAndSandbox: boolean;
  /** `--dangerously-bypass-hook-trust`: hooks run without a trusted hash. */
  dangerouslyBypassHookTrust?: boolean;
  /** `--ignore-rules`: user and project `.rules` files are not loaded. */
  ignoreRules?: boolean;
  oss: boolean;
  localProvider?: string;
  profile?: string;
  ephemeral: boolean;
  json: boolean;
  outputLastMessage?: string;
  /** `--strict-config`: unrecognised config keys are an error. */
  strictConfig?: boolean;
  /** `--store`: "files" or a postgres:// URL (default: config.toml's `store`, else files). */
  store?: string;
}

/** Process facts, passed in by the CLI entry point. */
export interface ExecIO {
  env: Readonly<Record<string, string | undefined>>;
  processCwd: string;
  stdin: NodeJS.ReadableStream;
  stdinIsTTY: boolean;
  /** The command line's raw bytes, when readable: a prompt argument must be valid UTF-8. */
  rawArgs?: readonly Uint8Array[];
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Resolves when the user asks to stop (Ctrl-C): the turn is interrupted. */
  interrupt?: Promise<void>;
}

function approvalWasConfigured(overrides: readonly string[]): boolean {
  return overrides.some((kv) => kv.split("=", 1)[0]?.trim() === "approval_policy");
}

function typedOverrides(args: ExecArgs): TypedOverrides {
  const overrides: TypedOverrides = {};
  if (args.model) overrides.model = args.model;
  if (args.cd) overrides.cwd = args.cd;
  if (args.profile) overrides.profile = args.profile;
  if (args.ephemeral) overrides.ephemeral = true;
  let sandbox: SandboxMode | undefined;
  if (args.sandbox !== undefined) {
    const parsed = SandboxModeSchema.safeParse(args.sandbox);
    if (!parsed.success) {
      throw new UserError(
        `invalid --sandbox ${args.sandbox}: expected read-only, workspace-write or danger-full-access`,
        2,
      );
    }
    sandbox = parsed.data;
  }
  if (args.dangerouslyBypassApprovalsAndSandbox) sandbox = "danger-full-access";
  else if (args.fullAuto && sandbox === undefined) sandbox = "workspace-write";
  if (sandbox) overrides.sandboxMode = sandbox;
  // Nobody can answer an approval in exec mode: `never`, unless `-c approval_policy=…` says otherwise.
  if (args.dangerouslyBypassApprovalsAndSandbox || !approvalWasConfigured(args.config))
    overrides.approvalPolicy = "never";
  return overrides;
}

function load(args: ExecArgs, io: ExecIO, overrides: TypedOverrides): LoadedConfig {
  return loadConfigFromEnv({
    env: io.env,
    processCwd: io.processCwd,
    cliOverrides: args.config,
    overrides,
    strictConfig: args.strictConfig === true,
  });
}

/** `--oss`: the configured local provider, else the one whose server answers on its port. */
async function loadWithProvider(args: ExecArgs, io: ExecIO): Promise<LoadedConfig> {
  const overrides = typedOverrides(args);
  const loaded = load(args, io, overrides);
  if (!args.oss) return loaded;
  const configured = args.localProvider ?? loaded.ossProvider;
  // Only the candidates are validated: a broken provider that --oss would not use stays silent.
  const candidates = loaded.modelProviders
    .ids()
    .filter((id) => id === configured || (OSS_PROVIDER_IDS as readonly string[]).includes(id));
  const provider = await chooseOssProvider({
    configured,
    providers: Object.fromEntries(candidates.map((id) => [id, loaded.modelProviders.get(id)])),
  });
  return load(args, io, { ...overrides, modelProvider: provider });
}

/** `--add-dir`: extra writable roots, only meaningful for the workspace-write sandbox. */
function withExtraWritableRoots(
  config: SessionConfiguration,
  dirs: readonly string[],
  io: ExecIO,
  loaded: LoadedConfig,
): SessionConfiguration {
  if (dirs.length === 0) return config;
  const legacy = config.sandboxPolicy.value;
  if (legacy.type !== "workspace-write") {
    io.stderr(`warning: --add-dir is ignored because the sandbox is ${legacy.type}\n`);
    return config;
  }
  const roots = dirs.map((d) => path.resolve(loaded.cwd, d));
  const result = applySettingsUpdate(
    config,
    { sandboxPolicy: { ...legacy, writable_roots: [...legacy.writable_roots, ...roots] } },
    { processCwd: io.processCwd, env: loaded.permissionEnv },
  );
  if (!result.ok) throw new UserError(result.error.message, 1);
  return result.config;
}

/** Runs one turn of `keel exec` (or `keel exec resume`); resolves with the exit code. */
export async function runExec(args: ExecArgs, io: ExecIO): Promise<number> {
  const loaded = await loadWithProvider(args, io);
  void loaded.modelProvider; // a broken provider is reported before the prompt is read
  if (
    !args.skipGitRepoCheck &&
    !args.dangerouslyBypassApprovalsAndSandbox &&
    loaded.trust.level !== "trusted" &&
    findGitWorktreeRoot(loaded.cwd) === null
  ) {
    throw new UserError(UNTRUSTED_DIRECTORY_MESSAGE, 1);
  }
  const review = args.review ?? null;
  const prompt = review ? "" : await resolvePrompt(args.prompt, io.stdin, io.stdinIsTTY, io.rawArgs);
  if (args.outputLastMessage) checkOutputFile(path.resolve(io.processCwd, args.outputLastMessage));
  checkAddDirs(args.addDir, loaded.cwd);
  // Codex exec puts the images before the prompt text.
  const input: UserInput[] = [...imageInputs(args.images), { type: "text", text: prompt }];
  const outputSchema = args.outputSchema ? readOutputSchema(args.outputSchema, loaded.cwd) : undefined;

  const base = sessionOptionsFromConfig(loaded, { processCwd: io.processCwd });
  const config = withExtraWritableRoots(base.config, args.addDir, io, loaded);
  const execPolicy = execPolicyFromConfig(loaded, {
    ignoreRules: args.ignoreRules === true,
    homeDir: io.env.HOME ?? loaded.keelHome,
  });
  const router = new SandboxedToolRouter({
    execPolicy,
    env: io.env,
    shellEnvironmentPolicy: loaded.shellEnvironmentPolicy,
    permissionEnv: loaded.permissionEnv,
    allowLoginShell: loaded.allowLoginShell,
    shellSnapshot: loaded.features.shell_snapshot ?? true,
    ...(loaded.backgroundTerminalMaxTimeoutMs !== null
      ? { backgroundTerminalMaxTimeoutMs: loaded.backgroundTerminalMaxTimeoutMs }
      : {}),
    ...(io.env.SHELL ? { userShell: io.env.SHELL } : {}),
  });
  const apiKey = io.env.KEEL_API_KEY || io.env.CODEX_API_KEY;
  const hooks = hookOptionsFromConfig(loaded, {
    env: io.env,
    bypassTrust: args.dangerouslyBypassHookTrust === true,
  });
  const notices = hooks ? withHookWarnings(base.notices, hooks) : base.notices;
  const rulesWarning = execPolicy.loadError ? rulesLoadWarning(execPolicy.loadError) : null;
  const options: ThreadOptions = {
    ...base,
    ...(hooks ? { hooks } : {}),
    ...(rulesWarning
      ? {
          notices: {
            ...notices,
            startupWarnings: [
              ...(notices?.startupWarnings ?? []),
              `${rulesWarning.summary} ${rulesWarning.details}`,
            ],
          },
        }
      : notices
        ? { notices }
        : {}),
    config,
    ephemeral: base.ephemeral || args.ephemeral,
    source: "exec",
    originator: "keel_exec",
    toolRouter: router,
    skills: new SkillsManager({
      keelHome: loaded.keelHome,
      home: io.env.HOME ?? null,
      adminRoot: path.join(path.dirname(configLocationsFromEnv(io.env).systemConfigFile), "skills"),
      settings: () => skillsSettingsFromToml(loaded.toml as Record<string, unknown>),
    }),
    modelClientOptions: {
      env: io.env,
      // The SDK hands its key over as CODEX_API_KEY; it stands in for the OpenAI provider's key.
      ...(apiKey && base.provider.info.requires_openai_auth ? { apiKey } : {}),
      storedApiKey: () => storedApiKey(loaded.keelHome, (m) => io.stderr(`warning: ${m}\n`)),
    },
  };

  const output = new ExecOutput(args, io, loaded, config);
  let selection: StoreSelection;
  try {
    selection = selectStore({ flag: args.store, home: loaded.keelHome, env: io.env });
  } catch (error) {
    throw new UserError(errorMessage(error), 1);
  }
  const store = openThreadStore({
    home: loaded.keelHome,
    ...selection,
    onWarning: (m) => io.stderr(`warning: ${m}\n`),
  });
  let session: Session | null = null;
  const manager = new SessionManager({ store, onEvent: (_threadId, event) => output.handle(event, session) });
  try {
    session = await openSession(args, manager, store, options, loaded.cwd);
    const running = session;
    void io.interrupt?.then(() => running.interrupt());
    if (review) {
      await running.review(review);
    } else {
      // keel has no interactive composer: the prompt given to exec is the message a person typed.
      await appendHistoryEntry(
        messageHistoryConfig(loaded.keelHome, loaded.history),
        running.threadId,
        prompt,
      ).catch((error: unknown) =>
        io.stderr(`warning: could not save the prompt to history.jsonl: ${(error as Error).message}\n`),
      );
      await running.submit(input, outputSchema ? { finalOutputJsonSchema: outputSchema } : undefined);
    }
    await running.waitForIdle();
  } finally {
    await manager.shutdownAll();
    // A new thread whose turn failed before the model said anything (no API key, server
    // unreachable, an error on the first request) holds nothing worth resuming: it is not kept,
    // so `resume --last` and thread/list do not pick it.
    if (
      session &&
      !args.resume &&
      !args.fork &&
      !options.ephemeral &&
      !output.modelAnswered &&
      !output.succeeded
    ) {
      try {
        await store.discardThread(session.threadId);
      } catch (error) {
        io.stderr(
          `warning: could not remove the failed thread ${session.threadId}: ${errorMessage(error)}\n`,
        );
      }
    }
    await store.close();
  }
  return output.finish();
}

async function openSession(
  args: ExecArgs,
  manager: SessionManager,
  store: ThreadStore,
  options: ThreadOptions,
  cwd: string,
): Promise<Session> {
  if (args.fork) {
    try {
      return await manager.fork({ threadId: args.fork.threadId }, options);
    } catch (error) {
      throw new UserError((error as Error).message, 1);
    }
  }
  if (!args.resume) return manager.start(options);
  let threadId = args.resume.threadId;
  if (args.resume.last) {
    const latest = (
      await store.listThreads({
        limit: 1,
        sortKey: "updated_at",
        sortDirection: "desc",
        ...(args.resume.all ? {} : { cwd }),
      })
    ).data[0];
    if (!latest) throw new UserError(`no previous thread to resume${args.resume.all ? "" : ` in ${cwd}`}`, 1);
    threadId = latest.id;
  }
  if (!threadId) throw new UserError("keel exec resume needs a thread id or --last", 2);
  try {
    return await manager.resume({ threadId }, options);
  } catch (error) {
    throw new UserError((error as Error).message, 1);
  }
}

/** Events that only a model response produces: after one of them the thread is worth keeping. */
const MODEL_OUTPUT_EVENTS = new Set<string>([
  "agent_message",
  "agent_message_delta",
  "agent_reasoning",
  "agent_reasoning_delta",
  "agent_reasoning_raw_content",
  "agent_reasoning_raw_content_delta",
  "agent_reasoning_section_break",
  "exec_command_begin",
  "exec_approval_request",
  "apply_patch_approval_request",
  "patch_apply_begin",
  "request_permissions",
  "plan_update",
  "mcp_tool_call_begin",
  "web_search_begin",
]);

function isModelOutput(msg: EventMsg): boolean {
  if (MODEL_OUTPUT_EVENTS.has(msg.type)) return true;
  if (msg.type === "token_count") return msg.info !== null && msg.info !== undefined;
  return msg.type === "item_started" && msg.item.type !== "user_message";
}

/** Where the events go: JSONL on stdout, or a transcript on stderr and the answer on stdout. */
class ExecOutput {
  private readonly mapper: ThreadEventMapper | null;
  private readonly transcript: HumanTranscript | null;
  private lastMessage: string | null = null;
  private failed = false;
  private completed = false;
  /** Whether any model response arrived during this run. */
  modelAnswered = false;

  constructor(
    private readonly args: ExecArgs,
    private readonly io: ExecIO,
    loaded: LoadedConfig,
    config: SessionConfiguration,
  ) {
    this.mapper = args.json ? new ThreadEventMapper() : null;
    this.transcript = args.json
      ? null
      : new HumanTranscript(io.stderr, {
          version: KEEL_VERSION,
          workdir: config.cwd,
          model: config.collaborationMode.settings.model,
          provider: loaded.modelProviderId.value,
          approval:
            typeof config.approvalPolicy.value === "string" ? config.approvalPolicy.value : "granular",
          sandbox: config.sandboxPolicy.value.type,
        });
  }

  handle(event: Event, session: Session | null): void {
    const msg = event.msg;
    this.track(msg);
    this.declineApprovals(msg, session);
    if (this.mapper) for (const line of this.mapper.map(msg)) this.io.stdout(`${JSON.stringify(line)}\n`);
    else this.transcript?.handle(msg);
  }

  get succeeded(): boolean {
    return this.completed;
  }

  private track(msg: EventMsg): void {
    if (isModelOutput(msg)) this.modelAnswered = true;
    if (msg.type === "task_started") {
      this.failed = false;
      this.completed = false;
    } else if (msg.type === "error") this.failed = true;
    else if (msg.type === "item_completed" && msg.item.type === "agent_message") {
      this.lastMessage = String((msg.item as { text?: unknown }).text ?? "");
    } else if (msg.type === "task_complete") {
      this.completed = !this.failed;
      if (msg.last_agent_message) this.lastMessage = msg.last_agent_message;
    }
  }

  /** Approvals cannot be answered in exec mode: each request is declined, each question cancelled. */
  private declineApprovals(msg: EventMsg, session: Session | null): void {
    if (msg.type === "request_user_input" && session) {
      const target = session;
      setImmediate(() => target.resolveUserInput(msg.call_id, null));
      return;
    }
    if (msg.type === "elicitation_request" && session) {
      // An MCP tool approval or a server's question: unanswered, it would hold the turn forever.
      const target = session;
      this.io.stderr(`warning: an MCP server asked a question, but keel exec cannot ask; it was declined\n`);
      setImmediate(() => target.resolveElicitation(msg.id, { action: "decline" }));
      return;
    }
    let key: string | null = null;
    if (msg.type === "exec_approval_request") key = msg.approval_id ?? msg.call_id;
    else if (msg.type === "apply_patch_approval_request" || msg.type === "request_permissions")
      key = msg.call_id;
    if (key === null || !session) return;
    const target = session;
    const answer = key;
    this.io.stderr(`warning: an approval was requested, but keel exec cannot ask; it was declined\n`);
    setImmediate(() => target.resolveApproval(answer, { decision: "denied" }));
  }

  /**
   * Writes the final message where it belongs and returns the exit code. A failed `-o` write is
   * reported and exits 1, but the answer still reaches stdout (in `--json`, it already has).
   */
  finish(): number {
    if (!this.completed) return 1;
    let code = 0;
    if (this.args.outputLastMessage) {
      const file = path.resolve(this.io.processCwd, this.args.outputLastMessage);
      if (this.lastMessage === null)
        this.io.stderr(`warning: no last agent message; wrote empty content to ${file}\n`);
      try {
        fs.writeFileSync(file, this.lastMessage ?? "");
      } catch (error) {
        this.io.stderr(`keel: ${outputFileError(file, error)}\n`);
        code = 1;
      }
    }
    if (!this.args.json && this.lastMessage !== null) this.io.stdout(`${this.lastMessage}\n`);
    return code;
  }
}
