/**
 * The two app-servers the TUI is attached to: Codex's own (`codex app-server`, the reference)
 * and keel's (`keel app-server`), both on `--listen ws://127.0.0.1:0`. The port comes from the
 * banner on stderr, readiness from `GET /readyz`. Each server runs in its own process group so
 * `stop()` also ends the native binary behind Codex's Node wrapper.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { sleep } from "./tmux.js";

const repo = path.resolve(import.meta.dirname, "../..");
export const keelBin = path.join(repo, "bin/keel");

/** The Codex CLI releases under test, each from its own npm package (see package.json). */
export const codexReleases = {
  "0.169.0": path.join(repo, "node_modules/@openai/codex"),
  "0.124.0": path.join(repo, "node_modules/codex-0124"),
} as const;
export type CodexVersion = keyof typeof codexReleases;

/** The `codex` entry point of an installed release, or null when it is missing or another version. */
export function codexEntry(version: CodexVersion): string | null {
  const dir = codexReleases[version];
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version?: string };
    if (pkg.version !== version) return null;
  } catch {
    return null;
  }
  const entry = path.join(dir, "bin/codex.js");
  return fs.existsSync(entry) ? entry : null;
}

export type ServerKind = "codex" | "keel";

export interface AppServer {
  kind: ServerKind;
  /** `ws://127.0.0.1:<port>` */
  url: string;
  stderr(): string;
  /** True while the process is running. */
  alive(): boolean;
  stop(): Promise<void>;
}

export interface StartServerOptions {
  kind: ServerKind;
  /** CODEX_HOME (codex) or KEEL_HOME (keel), holding config.toml. */
  home: string;
  cwd: string;
  /** For kind "codex": which release serves. */
  codexVersion?: CodexVersion;
  timeoutMs?: number;
  /** More `app-server` arguments (both servers take the same `--ws-*` flags). */
  extraArgs?: string[];
}

/** A small, predictable environment: no API keys or user config leak into the run. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "SHELL"]) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * The servers' HOME: an empty folder beside their home, so the login shells that run the model's
 * commands never read the host user's dotfiles (which may be slow, or hang on a stale lock).
 */
function serverHome(home: string): string {
  const dir = path.join(path.dirname(home), "user-home");
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export async function startAppServer(options: StartServerOptions): Promise<AppServer> {
  const listen = ["app-server", "--listen", "ws://127.0.0.1:0", ...(options.extraArgs ?? [])];
  let child: ChildProcess;
  if (options.kind === "keel") {
    child = spawn(keelBin, [...listen], {
      env: { ...baseEnv(), HOME: serverHome(options.home), KEEL_HOME: options.home },
      cwd: options.cwd,
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    });
  } else {
    const entry = codexEntry(options.codexVersion ?? "0.169.0");
    if (entry === null) throw new Error(`codex ${options.codexVersion} is not installed`);
    child = spawn(process.execPath, [entry, ...listen], {
      env: { ...baseEnv(), HOME: serverHome(options.home), CODEX_HOME: options.home, RUST_LOG: "error" },
      cwd: options.cwd,
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    });
  }
  let stderr = "";
  let exited = false;
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exit = new Promise<void>((resolve) =>
    child.on("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const server: AppServer = {
    kind: options.kind,
    url: "",
    stderr: () => stderr,
    alive: () => !exited,
    stop: async () => {
      if (exited || child.pid === undefined) return;
      killGroup(child.pid, "SIGTERM");
      const ended = await Promise.race([exit.then(() => true), sleep(3_000).then(() => false)]);
      if (!ended) killGroup(child.pid, "SIGKILL");
      await Promise.race([exit, sleep(2_000)]);
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  try {
    for (;;) {
      const match = /listening on: (ws:\/\/\S+)/.exec(stderr);
      if (match) {
        server.url = match[1]!;
        break;
      }
      if (exited) throw new Error(`${options.kind} app-server exited before listening`);
      if (Date.now() > deadline) throw new Error(`${options.kind} app-server printed no banner`);
      await sleep(50);
    }
    const readyz = `${server.url.replace(/^ws:/, "http:")}/readyz`;
    while ((await httpStatus(readyz)) !== 200) {
      if (exited) throw new Error(`${options.kind} app-server exited before /readyz answered`);
      if (Date.now() > deadline) throw new Error(`${options.kind} app-server: ${readyz} never answered 200`);
      await sleep(50);
    }
  } catch (error) {
    await server.stop();
    throw new Error(`${(error as Error).message}; stderr:\n${stderr.slice(-3000)}`);
  }
  return server;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    http
      .get(url, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
      .on("error", () => resolve(0));
  });
}
