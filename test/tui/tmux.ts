/**
 * A program running in a detached tmux pane, driven like a user would: read the screen with
 * `capture-pane`, type with `send-keys`. Each session gets its own tmux server (`-L <socket>`,
 * no user config), so `kill()` tears down everything it started and parallel runs never meet.
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** POSIX shell quoting for one word. */
export const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

export interface TmuxStartOptions {
  /** The program and its arguments (run through `sh -c` by tmux, each word quoted). */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** Where the tmux config file goes (any scratch directory). */
  scratchDir: string;
  width?: number;
  height?: number;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Shown in the failure message: what the screen was expected to show. */
  what?: string;
  intervalMs?: number;
}

export type ScreenMatch = RegExp | string | ((screen: string) => boolean);

const matches = (screen: string, match: ScreenMatch) =>
  typeof match === "string"
    ? screen.includes(match)
    : match instanceof RegExp
      ? match.test(screen)
      : match(screen);

/** Whether tmux is installed: the TUI tests are skipped without it. */
export const hasTmux = (() => {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The last `lines` non-blank lines of a screen or log, for failure messages. */
export function tail(text: string, lines = 30): string {
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line !== "")
    .slice(-lines)
    .join("\n");
}

export class TmuxSession {
  private constructor(
    readonly socket: string,
    readonly name: string,
    /** Written by the pane's shell with the program's exit status (128 + n after signal n). */
    private readonly exitFile: string,
  ) {}

  static async start(options: TmuxStartOptions): Promise<TmuxSession> {
    const id = randomBytes(6).toString("hex");
    const exitFile = path.join(options.scratchDir, `tmux-${id}.exit`);
    const session = new TmuxSession(`keel-tui-${id}`, `tui-${id}`, exitFile);
    const conf = path.join(options.scratchDir, `tmux-${id}.conf`);
    // remain-on-exit keeps the pane (and its last screen and exit status) after the program ends.
    fs.writeFileSync(conf, ["set -g remain-on-exit on", "set -g history-limit 10000", ""].join("\n"));
    // tmux's own #{pane_dead_status} is sometimes never filled in, so a shell records the status.
    const script = `"$@"; echo $? > ${shellQuote(exitFile)}`;
    const envWords = Object.entries(options.env).map(([k, v]) => `${k}=${v}`);
    const words = ["env", ...envWords, "sh", "-c", script, "sh", ...options.argv];
    const command = `exec ${words.map(shellQuote).join(" ")}`;
    await session.tmux(
      "-f",
      conf,
      "new-session",
      "-d",
      "-s",
      session.name,
      "-x",
      String(options.width ?? 160),
      "-y",
      String(options.height ?? 50),
      "-c",
      options.cwd,
      command,
    );
    return session;
  }

  private async tmux(...args: string[]): Promise<string> {
    const { stdout } = await run("tmux", ["-L", this.socket, ...args], { encoding: "utf8" });
    return stdout;
  }

  /** The visible screen as plain text. */
  async screen(): Promise<string> {
    return this.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", this.name);
  }

  /** Screen, or a note on why it could not be read (for failure messages). */
  async screenForReport(): Promise<string> {
    try {
      return tail(await this.screen());
    } catch (error) {
      return `<no screen: ${(error as Error).message.trim()}>`;
    }
  }

  /** Types text literally (no key-name interpretation). */
  async type(text: string): Promise<void> {
    await this.tmux("send-keys", "-t", this.name, "-l", text);
  }

  /** Sends tmux key names: `Enter`, `C-c`, `Escape`, `y` … */
  async keys(...keys: string[]): Promise<void> {
    await this.tmux("send-keys", "-t", this.name, ...keys);
  }

  /** Pastes text as one bracketed paste (if the program enabled bracketed paste mode). */
  async paste(text: string): Promise<void> {
    const buffer = `b${randomBytes(4).toString("hex")}`;
    await this.tmux("set-buffer", "-b", buffer, text);
    await this.tmux("paste-buffer", "-p", "-d", "-b", buffer, "-t", this.name);
  }

  /** The program's exit status once it has ended (128 + n if signal n ended it), else null. */
  exitStatus(): number | null {
    try {
      const text = fs.readFileSync(this.exitFile, "utf8").trim();
      return text === "" ? null : Number(text);
    } catch {
      return null;
    }
  }

  /** Polls the screen until `match` holds; fails with the last screen. Returns that screen. */
  async waitFor(match: ScreenMatch, options: WaitOptions = {}): Promise<string> {
    const { timeoutMs = 15_000, intervalMs = 100 } = options;
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    for (;;) {
      screen = await this.screen();
      if (matches(screen, match)) return screen;
      const status = this.exitStatus();
      if (status !== null) {
        const what = options.what ?? String(match);
        throw new Error(
          `TUI exited (status ${status}) while waiting for ${what}; last screen:\n${tail(screen)}`,
        );
      }
      if (Date.now() > deadline) break;
      await sleep(intervalMs);
    }
    const what = options.what ?? String(match);
    throw new Error(`TUI screen did not show ${what} within ${timeoutMs} ms; last screen:\n${tail(screen)}`);
  }

  /** Kills the private tmux server and with it every process in the pane. Never throws. */
  async kill(): Promise<void> {
    try {
      await this.tmux("kill-server");
    } catch {
      // already gone
    }
  }
}
