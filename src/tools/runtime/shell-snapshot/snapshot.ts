import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { captureScript, SNAPSHOT_MARKER, snapshotShellKind } from "./capture-script.js";

/** A sourced-ready snapshot of the user's login shell, taken in `cwd`. */
export interface ShellSnapshot {
  path: string;
  cwd: string;
}

export const SNAPSHOT_DIR = "shell_snapshots";
const SNAPSHOT_TIMEOUT_MS = 10_000;
const SNAPSHOT_RETENTION_MS = 3 * 24 * 60 * 60 * 1000;
/** A capture larger than this is not a shell's state but a runaway rc file. */
const MAX_CAPTURE_BYTES = 8 * 1024 * 1024;

export interface CaptureOptions {
  shell: string;
  cwd: string;
  /** The policy-filtered environment (the same commands get). */
  env: Record<string, string>;
  keelHome: string;
  threadId: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Wall-clock nanoseconds since the epoch, as the file name's generation stamp. */
function unixNanos(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

/**
 * Runs `argv` with stdin closed, detached from any terminal (its own session), in `cwd`; resolves
 * with its stdout when it exits 0, rejects on a failure, the timeout or `signal`. The whole
 * process group is killed when it is cut short.
 */
function runQuiet(
  argv: string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = "";
    let failure: string | null = null;
    const kill = (why: string) => {
      failure ??= why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => kill(`timed out after ${opts.timeoutMs} ms`), opts.timeoutMs);
    const onAbort = () => kill("cancelled");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    child.stdout.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_CAPTURE_BYTES) kill("printed more than 8 MiB");
      else chunks.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString("utf8");
    });
    const done = (error: string | null) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (error === null) resolve(Buffer.concat(chunks).toString("utf8"));
      else reject(new Error(error));
    };
    child.once("error", (error) => done(error.message));
    child.once("close", (code, signal) => {
      if (failure !== null) done(failure);
      else if (code !== 0) done(`exited with ${code ?? signal}: ${stderr.trim()}`);
      else done(null);
    });
  });
}

/**
 * Captures the login shell's state into `$KEEL_HOME/shell_snapshots/<thread>.<nanos>.sh` (0600):
 * `<shell> -lc <script>` in the session's cwd, then the file is checked by sourcing it under
 * `set -e` before it is put in place. Null when the shell is not one keel snapshots.
 */
export async function captureShellSnapshot(opts: CaptureOptions): Promise<ShellSnapshot | null> {
  const kind = snapshotShellKind(opts.shell);
  if (kind === null) return null;
  const timeoutMs = opts.timeoutMs ?? SNAPSHOT_TIMEOUT_MS;
  const run = { cwd: opts.cwd, env: opts.env, timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) };
  const raw = await runQuiet([opts.shell, "-lc", captureScript(kind)], run);
  const start = raw.indexOf(SNAPSHOT_MARKER);
  if (start < 0) throw new Error(`the snapshot of ${opts.shell} has no "${SNAPSHOT_MARKER}" line`);
  const dir = path.join(opts.keelHome, SNAPSHOT_DIR);
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  const nanos = unixNanos();
  const temp = path.join(dir, `${opts.threadId}.tmp-${nanos}`);
  const final = path.join(dir, `${opts.threadId}.${nanos}.sh`);
  try {
    await fs.promises.writeFile(temp, raw.slice(start), { mode: 0o600, flag: "wx" });
    await runQuiet([opts.shell, "-c", `set -e; . '${temp.replaceAll("'", `'"'"'`)}'`], run);
    await fs.promises.rename(temp, final);
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
  return { path: final, cwd: opts.cwd };
}

/**
 * Deletes snapshot files older than three days (left by sessions that never ended cleanly), and
 * never one of `activeThreadIds`. Best effort: a file another process removed is fine.
 */
export async function removeStaleSnapshots(
  keelHome: string,
  activeThreadIds: ReadonlySet<string>,
  now = Date.now(),
): Promise<void> {
  const dir = path.join(keelHome, SNAPSHOT_DIR);
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names.map(async (name) => {
      if (activeThreadIds.has(name.split(".")[0]!)) return;
      const file = path.join(dir, name);
      try {
        const stat = await fs.promises.lstat(file);
        if (stat.isFile() && now - stat.mtimeMs > SNAPSHOT_RETENTION_MS) await fs.promises.rm(file);
      } catch {
        // gone already
      }
    }),
  );
}
