import fs from "node:fs";
import path from "node:path";
import { KEEL_VERSION } from "../cli/version.js";
import { type LoadedConfig, loadConfigFromEnv, type TypedOverrides } from "../config/load.js";
import { findGitWorktreeRoot } from "../config/project.js";
import { UserError } from "../lib/errors.js";
import { applySettingsUpdate, type SessionConfiguration } from "../permissions/index.js";
import type { Event, EventMsg, UserInput } from "../protocol/events.js";
import { type SandboxMode, SandboxModeSchema } from "../protocol/permissions.js";
import { ThreadStore } from "../rollout/store.js";
import {
  type Session,
  SessionManager,
  sessionOptionsFromConfig,
  type ThreadOptions,
} from "../session/index.js";
import { SandboxedToolRouter } from "../tools/runtime/index.js";
import { imageInputs, readOutputSchema, resolvePrompt } from "./input.js";
import { ThreadEventMapper } from "./jsonl.js";
import { HumanTranscript } from "./transcript.js";

export const UNTRUSTED_DIRECTORY_MESSAGE =
  "Not inside a trusted directory and --skip-git-repo-check was not specified.";

/** Parsed `keel exec` arguments (the CLI module maps commander's options onto this). */
export interface ExecArgs {
  prompt: string | null;
  /** Set for `keel exec resume`. */
  resume: { threadId: string | null; last: boolean; all: boolean } | null;
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
  oss: boolean;
  localProvider?: string;
  profile?: string;
  ephemeral: boolean;
  json: boolean;
  outputLastMessage?: string;
}

/** Process facts, passed in by the CLI entry point. */
export interface ExecIO {
  env: Readonly<Record<string, string | undefined>>;
  processCwd: string;
  stdin: NodeJS.ReadableStream;
  stdinIsTTY: boolean;
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
  return loadConfigFromEnv({ env: io.env, processCwd: io.processCwd, cliOverrides: args.config, overrides });
}

function loadWithProvider(args: ExecArgs, io: ExecIO): LoadedConfig {
  const overrides = typedOverrides(args);
  if (!args.oss) return load(args, io, overrides);
  const provider = args.localProvider ?? load(args, io, overrides).ossProvider;
  if (!provider) {
    throw new UserError(
      "No default OSS provider configured. Use --local-provider=provider or set oss_provider to one of: lmstudio, ollama in config.toml",
      1,
    );
  }
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
  const loaded = loadWithProvider(args, io);
  if (
    !args.skipGitRepoCheck &&
    !args.dangerouslyBypassApprovalsAndSandbox &&
    loaded.trust.level !== "trusted" &&
    findGitWorktreeRoot(loaded.cwd) === null
  ) {
    throw new UserError(UNTRUSTED_DIRECTORY_MESSAGE, 1);
  }
  const prompt = await resolvePrompt(args.prompt, io.stdin, io.stdinIsTTY);
  const input: UserInput[] = [{ type: "text", text: prompt }, ...imageInputs(args.images, loaded.cwd)];
  const outputSchema = args.outputSchema ? readOutputSchema(args.outputSchema, loaded.cwd) : undefined;

  const base = sessionOptionsFromConfig(loaded, { processCwd: io.processCwd });
  const config = withExtraWritableRoots(base.config, args.addDir, io, loaded);
  const router = new SandboxedToolRouter({
    env: io.env,
    shellEnvironmentPolicy: loaded.shellEnvironmentPolicy,
    permissionEnv: loaded.permissionEnv,
    ...(io.env.SHELL ? { userShell: io.env.SHELL } : {}),
  });
  const apiKey = io.env.KEEL_API_KEY || io.env.CODEX_API_KEY;
  const options: ThreadOptions = {
    ...base,
    config,
    ephemeral: base.ephemeral || args.ephemeral,
    source: "exec",
    originator: "keel_exec",
    toolRouter: router,
    modelClientOptions: {
      env: io.env,
      // The SDK hands its key over as CODEX_API_KEY; it stands in for the OpenAI provider's key.
      ...(apiKey && base.provider.info.requires_openai_auth ? { apiKey } : {}),
    },
  };

  const output = new ExecOutput(args, io, loaded, config);
  const store = new ThreadStore({ home: loaded.keelHome, onWarning: (m) => io.stderr(`warning: ${m}\n`) });
  let session: Session | null = null;
  const manager = new SessionManager({ store, onEvent: (_threadId, event) => output.handle(event, session) });
  try {
    session = await openSession(args, manager, store, options, loaded.cwd);
    const running = session;
    void io.interrupt?.then(() => running.interrupt());
    await running.submit(input, outputSchema ? { finalOutputJsonSchema: outputSchema } : undefined);
    await running.waitForIdle();
  } finally {
    await manager.shutdownAll();
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
  if (!args.resume) return manager.start(options);
  let threadId = args.resume.threadId;
  if (args.resume.last) {
    const latest = store.listThreads({
      limit: 1,
      sortKey: "updated_at",
      sortDirection: "desc",
      ...(args.resume.all ? {} : { cwd }),
    }).data[0];
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

/** Where the events go: JSONL on stdout, or a transcript on stderr and the answer on stdout. */
class ExecOutput {
  private readonly mapper: ThreadEventMapper | null;
  private readonly transcript: HumanTranscript | null;
  private lastMessage: string | null = null;
  private failed = false;
  private completed = false;

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

  private track(msg: EventMsg): void {
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

  /** Approvals cannot be answered in exec mode: each request is declined. */
  private declineApprovals(msg: EventMsg, session: Session | null): void {
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

  /** Writes the final message where it belongs and returns the exit code. */
  finish(): number {
    if (this.completed) {
      if (this.args.outputLastMessage) {
        const file = path.resolve(this.io.processCwd, this.args.outputLastMessage);
        if (this.lastMessage === null)
          this.io.stderr(`warning: no last agent message; wrote empty content to ${file}\n`);
        fs.writeFileSync(file, this.lastMessage ?? "");
      }
      if (!this.args.json && this.lastMessage !== null) this.io.stdout(`${this.lastMessage}\n`);
      return 0;
    }
    return 1;
  }
}
