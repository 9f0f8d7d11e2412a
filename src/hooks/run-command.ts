import { spawn } from "node:child_process";

export interface CommandRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the process could not be started. */
  spawnError: string | null;
}

export interface CommandRunOptions {
  shell: string;
  command: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdin: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A hook may print at most this much per stream; the rest is dropped (it cannot block keel). */
const MAX_STREAM_BYTES = 4 * 1024 * 1024;

/**
 * Runs a hook command as Codex does: `<shell> -lc <command>` in its own process group, the
 * payload on stdin. On timeout or abort the whole group is killed, so a hook's children die too.
 */
export function runHookCommand(opts: CommandRunOptions): Promise<CommandRun> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(opts.shell, ["-lc", opts.command], {
        cwd: opts.cwd,
        env: opts.env as NodeJS.ProcessEnv,
        stdio: ["pipe", "pipe", "pipe"],
        detached: true,
      });
    } catch (error) {
      resolve({
        exitCode: null,
        stdout: "",
        stderr: "",
        timedOut: false,
        spawnError: (error as Error).message,
      });
      return;
    }
    const out = collector();
    const err = collector();
    child.stdout?.on("data", out.push);
    child.stderr?.on("data", err.push);
    let timedOut = false;
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
      // A child that left the group (setsid) may still hold the pipes: stop waiting for them.
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, opts.timeoutMs);
    opts.signal?.addEventListener("abort", kill, { once: true });
    let spawnError: string | null = null;
    child.on("error", (error) => {
      spawnError = error.message;
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", kill);
      resolve({ exitCode: code, stdout: out.text(), stderr: err.text(), timedOut, spawnError });
    });
    // A hook that ignores stdin closes it early; that is not an error.
    child.stdin?.on("error", () => {});
    child.stdin?.end(opts.stdin);
  });
}

function collector() {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    push: (chunk: Buffer) => {
      if (size >= MAX_STREAM_BYTES) return;
      chunks.push(chunk);
      size += chunk.length;
    },
    text: () => Buffer.concat(chunks).toString("utf8"),
  };
}
