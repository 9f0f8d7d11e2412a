import { type Command, Option } from "commander";
import fs from "node:fs";
import type { ReviewTarget } from "../../protocol/review.js";
import { guardOutput } from "../output.js";

interface ExecFlags {
  config?: string[];
  model?: string;
  sandbox?: string;
  cd?: string;
  addDir?: string[];
  skipGitRepoCheck?: boolean;
  outputSchema?: string;
  image?: string[];
  fullAuto?: boolean;
  dangerouslyBypassApprovalsAndSandbox?: boolean;
  dangerouslyBypassHookTrust?: boolean;
  ignoreRules?: boolean;
  oss?: boolean;
  localProvider?: string;
  profile?: string;
  ephemeral?: boolean;
  json?: boolean;
  experimentalJson?: boolean;
  outputLastMessage?: string;
  strictConfig?: boolean;
  store?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `keel exec [OPTIONS] [PROMPT]`, `keel exec resume <THREAD_ID|--last> [PROMPT]` and
 * `keel exec fork <THREAD_ID> [PROMPT]`: one turn,
 * non-interactively. Accepts the flags the Codex TypeScript SDK passes to `codex exec`. The
 * implementation is imported in the action, so `keel --help` stays fast.
 */
export function registerExecCommand(program: Command): void {
  const exec = program
    .command("exec")
    .description("Run one turn non-interactively: transcript on stderr, final message on stdout")
    .argument("[prompt]", "the prompt; `-` or absent (with stdin not a terminal) reads it from stdin")
    .option("-c, --config <key=value>", "override a config value (TOML value; repeatable)", collect)
    .option("-m, --model <model>", "model to use")
    .option("-s, --sandbox <mode>", "sandbox: read-only, workspace-write or danger-full-access")
    .option("-C, --cd <dir>", "working directory of the session")
    .option("--add-dir <dir>", "extra writable root for workspace-write (repeatable)", collect)
    .option("--skip-git-repo-check", "allow running outside a git repository")
    .option("--output-schema <file>", "JSON Schema the final answer should follow")
    .option("-i, --image <file>", "attach an image (repeatable, or comma-separated)", collect)
    .option("--full-auto", "sandboxed automatic execution (workspace-write)")
    .option(
      "--dangerously-bypass-approvals-and-sandbox",
      "run every command without a sandbox and without approvals (only in an externally sandboxed environment)",
    )
    .option("--dangerously-bypass-hook-trust", "run configured hooks without checking their trusted hash")
    .option(
      "--ignore-rules",
      "skip user and project exec policy .rules files (system and requirements rules still apply)",
    )
    .option("--oss", "use the local open-source model provider (oss_provider)")
    .option("--local-provider <id>", "provider for --oss: lmstudio or ollama")
    .option("-p, --profile <name>", "config profile to use")
    .option("--ephemeral", "do not persist the thread")
    .option("--json", "print the event stream as JSONL on stdout")
    .addOption(new Option("--experimental-json", "alias of --json").hideHelp())
    .option("-o, --output-last-message <file>", "also write the final message to this file")
    .option("--strict-config", "fail when config.toml contains keys Codex does not recognise")
    .option("--store <url>", 'thread store: "files" (default) or postgres://user@host:port/database')
    .addOption(new Option("--color <when>", "accepted for compatibility; output is never colored").hideHelp())
    .addOption(new Option("--thread-source <source>", "accepted for compatibility").hideHelp())
    .addOption(new Option("--cyber-access-program <program>", "accepted for compatibility").hideHelp())
    .action(async (prompt: string | undefined, flags: ExecFlags) => {
      await run(prompt ?? null, null, flags);
    });

  exec
    .command("resume")
    .description("Continue a thread with one more turn")
    .argument("[thread_id]", "thread to resume (omit with --last)")
    .argument("[prompt]", "the prompt; `-` or absent (with stdin not a terminal) reads it from stdin")
    .option("--last", "resume the most recent thread in this directory")
    .option("--all", "with --last: consider threads from every directory")
    .action(
      async (
        threadId: string | undefined,
        prompt: string | undefined,
        own: { last?: boolean; all?: boolean },
      ) => {
        const last = own.last === true;
        // With --last the first positional is the prompt.
        const resume = { threadId: last ? null : (threadId ?? null), last, all: own.all === true };
        await run(last ? (threadId ?? null) : (prompt ?? null), resume, exec.opts<ExecFlags>());
      },
    );

  exec
    .command("fork")
    .description("Copy a thread's history into a new thread and run one turn in it")
    .argument("<thread_id>", "thread to fork")
    .argument("[prompt]", "the prompt; `-` or absent (with stdin not a terminal) reads it from stdin")
    .action(async (threadId: string, prompt: string | undefined) => {
      await run(prompt ?? null, null, exec.opts<ExecFlags>(), null, { threadId });
    });

  registerReviewCommand(exec);
}

interface ReviewFlags extends ExecFlags {
  uncommitted?: boolean;
  base?: string;
  commit?: string;
  title?: string;
}

/**
 * `keel exec review`: Codex's own flags for it, which may also follow the subcommand. Which
 * target is reviewed is decided in src/exec/review-args.ts (Codex's conflicts and messages).
 */
function registerReviewCommand(exec: Command): void {
  exec
    .command("review")
    .description("Review code changes non-interactively: the review on stdout")
    .argument("[prompt]", "custom review instructions; `-` reads them from stdin")
    .option("--uncommitted", "review staged, unstaged and untracked changes")
    .option("--base <branch>", "review the changes against this base branch")
    .option("--commit <sha>", "review the changes a commit introduced")
    .option("--title <title>", "the commit's title, shown in the review summary (with --commit)")
    .option("-c, --config <key=value>", "override a config value (TOML value; repeatable)", collect)
    .option("-m, --model <model>", "model to use")
    .option("--skip-git-repo-check", "allow running outside a git repository")
    .option(
      "--dangerously-bypass-approvals-and-sandbox",
      "run every command without a sandbox and without approvals (only in an externally sandboxed environment)",
    )
    .option("--dangerously-bypass-hook-trust", "run configured hooks without checking their trusted hash")
    .option("--ephemeral", "do not persist the thread")
    .option("--json", "print the event stream as JSONL on stdout")
    .option("-o, --output-last-message <file>", "also write the review to this file")
    .option("--strict-config", "fail when config.toml contains keys Codex does not recognise")
    .addOption(new Option("--thread-source <source>", "accepted for compatibility").hideHelp())
    .addOption(new Option("--cyber-access-program <program>", "accepted for compatibility").hideHelp())
    .action(async (prompt: string | undefined, own: ReviewFlags) => {
      const parent = exec.opts<ExecFlags>();
      const flags: ReviewFlags = {
        ...parent,
        ...own,
        config: [...(parent.config ?? []), ...(own.config ?? [])],
      };
      const { reviewTargetFromArgs } = await import("../../exec/review-args.js");
      const review = await reviewTargetFromArgs(
        {
          prompt: prompt ?? null,
          uncommitted: own.uncommitted === true,
          base: own.base ?? null,
          commit: own.commit ?? null,
          title: own.title ?? null,
        },
        process.stdin,
      );
      await run(null, null, flags, review);
    });
}

async function run(
  prompt: string | null,
  resume: { threadId: string | null; last: boolean; all: boolean } | null,
  flags: ExecFlags,
  review: ReviewTarget | null = null,
  fork: { threadId: string } | null = null,
): Promise<void> {
  const { runExec } = await import("../../exec/run.js");
  const interrupt = new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  // A closed pipe (`keel exec … | head -1`) only stops the printing: the turn runs on and is saved.
  const stdout = guardOutput(process.stdout);
  const stderr = guardOutput(process.stderr);
  process.exitCode = await runExec(
    {
      prompt,
      resume,
      ...(review ? { review } : {}),
      fork,
      config: flags.config ?? [],
      ...(flags.model !== undefined ? { model: flags.model } : {}),
      ...(flags.sandbox !== undefined ? { sandbox: flags.sandbox } : {}),
      ...(flags.cd !== undefined ? { cd: flags.cd } : {}),
      addDir: flags.addDir ?? [],
      skipGitRepoCheck: flags.skipGitRepoCheck === true,
      ...(flags.outputSchema !== undefined ? { outputSchema: flags.outputSchema } : {}),
      images: flags.image ?? [],
      fullAuto: flags.fullAuto === true,
      dangerouslyBypassApprovalsAndSandbox: flags.dangerouslyBypassApprovalsAndSandbox === true,
      dangerouslyBypassHookTrust: flags.dangerouslyBypassHookTrust === true,
      ignoreRules: flags.ignoreRules === true,
      oss: flags.oss === true,
      ...(flags.localProvider !== undefined ? { localProvider: flags.localProvider } : {}),
      ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
      ephemeral: flags.ephemeral === true,
      json: flags.json === true || flags.experimentalJson === true,
      ...(flags.outputLastMessage !== undefined ? { outputLastMessage: flags.outputLastMessage } : {}),
      strictConfig: flags.strictConfig === true,
      ...(flags.store !== undefined ? { store: flags.store } : {}),
    },
    {
      env: process.env,
      processCwd: process.cwd(),
      stdin: process.stdin,
      stdinIsTTY: process.stdin.isTTY === true,
      ...rawCommandLine(),
      stdout: stdout.write,
      stderr: stderr.write,
      interrupt,
    },
  );
}

/** The arguments' bytes before Node decoded them (Linux; elsewhere the check is skipped). */
function rawCommandLine(): { rawArgs?: Uint8Array[] } {
  try {
    const bytes = fs.readFileSync("/proc/self/cmdline");
    const args: Uint8Array[] = [];
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) {
        args.push(bytes.subarray(start, i));
        start = i + 1;
      }
    }
    return { rawArgs: args };
  } catch {
    return {};
  }
}
