/**
 * End-to-end scenario with the official Codex TUI (`codex --remote ws://…`) attached to an
 * app-server (Codex's own or keel's) that talks to the local scripted model server:
 *
 *   user types a prompt → the model asks to run `echo hi > out.txt` with escalation → the TUI
 *   shows the approval prompt → the user approves → the command runs in the workspace → the model
 *   answers → the answer is on screen → the user quits and the TUI exits with status 0.
 *
 * Every directory lives under ~/.cache/keel-tui: Codex homes are kept outside $TMPDIR, as in the
 * repo's other Codex tests. Everything started is registered in `Resources` and torn down by
 * `dispose()`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  functionCall,
  type ModelServer,
  mockProviderToml,
  type RecordedRequest,
  type ScriptEntry,
  startModelServer,
  textTurn,
  turn,
} from "../support/model-server.js";
import {
  type AppServer,
  baseEnv,
  type CodexVersion,
  codexEntry,
  type ServerKind,
  startAppServer,
} from "./servers.js";
import { sleep, TmuxSession, tail } from "./tmux.js";
import { startWsProxy, type WsProxy } from "./ws-proxy.js";

export const PROMPT = "Please create out.txt in this folder";
export const COMMAND = "echo hi > out.txt";
export const ANSWER = "Done: the file exists.";
const CALL_ID = "call_tui_1";
const TITLE = "Create out file";

/** Teardown steps, run last-in first-out; each one is isolated from the others' failures. */
export class Resources {
  private readonly steps: (() => Promise<void> | void)[] = [];

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async dispose(): Promise<void> {
    while (this.steps.length > 0) {
      try {
        await this.steps.pop()!();
      } catch {
        // keep tearing down the rest
      }
    }
  }
}

/**
 * The model side of the scenario, answering by request content rather than arrival order: the
 * 0.169 TUI also starts a hidden thread that asks the model for a task title, concurrently.
 */
export function scenarioModel(request: RecordedRequest) {
  const body = request.body ?? {};
  if (body.text?.format?.type === "json_schema") return textTurn(JSON.stringify({ title: TITLE }));
  const input: { type?: string; call_id?: string }[] = Array.isArray(body.input) ? body.input : [];
  if (input.some((item) => item.type === "function_call_output" && item.call_id === CALL_ID)) {
    return textTurn(ANSWER);
  }
  return turn([
    functionCall(
      "exec_command",
      { cmd: COMMAND, sandbox_permissions: "require_escalated", justification: "write a file" },
      CALL_ID,
    ),
  ]);
}

export interface Fixture {
  root: string;
  workspace: string;
  serverHome: string;
  tuiHome: string;
  model: ModelServer;
}

function trustToml(workspace: string): string {
  return [`[projects.${JSON.stringify(workspace)}]`, 'trust_level = "trusted"', ""].join("\n");
}

/**
 * The TUI's own CODEX_HOME: no update checks, analytics or feedback, the workspace trusted, and
 * the same provider as the server (0.124 decides on its sign-in screen from its local config).
 */
export function tuiConfigToml(workspace: string, modelUrl: string): string {
  return [
    mockProviderToml(modelUrl, { topLevel: { check_for_update_on_startup: false } }),
    "[analytics]",
    "enabled = false",
    "",
    "[feedback]",
    "enabled = false",
    "",
    trustToml(workspace),
  ].join("\n");
}

export async function createFixture(
  resources: Resources,
  kind: ServerKind,
  model: ScriptEntry = scenarioModel,
): Promise<Fixture> {
  const cache = path.join(os.homedir(), ".cache", "keel-tui");
  fs.mkdirSync(cache, { recursive: true });
  const root = fs.realpathSync(fs.mkdtempSync(path.join(cache, `${kind}-`)));
  resources.add(() => fs.rmSync(root, { recursive: true, force: true }));
  const workspace = path.join(root, "workspace");
  const serverHome = path.join(root, `${kind}-home`);
  const tuiHome = path.join(root, "tui-home");
  for (const dir of [workspace, serverHome, tuiHome]) fs.mkdirSync(dir);
  const server = await startModelServer({ fallback: model });
  resources.add(() => server.close());
  fs.writeFileSync(
    path.join(serverHome, "config.toml"),
    `${mockProviderToml(server.url)}\n${trustToml(workspace)}`,
  );
  fs.writeFileSync(path.join(tuiHome, "config.toml"), tuiConfigToml(workspace, server.url));
  return { root, workspace, serverHome, tuiHome, model: server };
}

export interface ScenarioOptions {
  tui: CodexVersion;
  server: ServerKind;
  /** Release of `codex app-server` when server is "codex" (default: same as the TUI). */
  serverVersion?: CodexVersion;
  /**
   * Put a logging WebSocket proxy between TUI and server and write every frame to this file
   * (one `[connection] →|← json` line per frame), whether the scenario passes or fails.
   */
  traceFile?: string;
  /** Put the proxy in even without a trace file, so a test can assert on the frames. */
  observe?: boolean;
}

export interface TuiExit {
  /** Exit status (128 + n after signal n). */
  status: number;
  /** The screen after the program ended. */
  screen: string;
}

export interface ScenarioResult {
  fixture: Fixture;
  server: AppServer;
  /** The conversation on screen once the turn has ended. */
  finalScreen: string;
  exit: TuiExit;
}

/** Ready: the composer is shown and the session is configured (the footer names the model). */
const composerReady = (screen: string) => screen.includes("mock-model") && /^› /m.test(screen);

/**
 * First-run screens a fresh CODEX_HOME may show, and how to answer each. With `--remote`
 * neither tested release asks about trust (the server decides), and the update check is off in
 * config; the answers are kept for releases that do ask.
 */
const firstRunScreens: { match: RegExp; keys?: string[]; fatal?: string }[] = [
  { match: /Do you trust the (files|contents) (in|of) this (folder|directory)/i, keys: ["1", "Enter"] },
  { match: /Update available/i, keys: ["Escape"] },
  {
    match: /Sign in with ChatGPT/,
    fatal: "the TUI shows its sign-in screen: its own config.toml must select a provider without OpenAI auth",
  },
];

/**
 * Ctrl-C on an empty composer. Both tested releases exit at once; a release that first shows
 * "ctrl + c again to quit" gets the second Ctrl-C it asks for.
 */
async function quit(tui: TmuxSession): Promise<TuiExit> {
  await tui.keys("C-c");
  let pressed = 1;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = tui.exitStatus();
    if (status !== null) return { status, screen: await tui.screen() };
    if (pressed === 1 && /ctrl \+ c again to quit/i.test(await tui.screen())) {
      await tui.keys("C-c");
      pressed = 2;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `TUI still running 10000 ms after Ctrl-C; last screen:\n${await tui.screenForReport()}`,
      );
    }
    await sleep(100);
  }
}

/**
 * Waits until the TUI shows its ready composer, answering first-run screens on the way. Throws
 * with the screen when the TUI exits or 25 s pass first.
 */
export async function waitForComposer(tui: TmuxSession): Promise<void> {
  const deadline = Date.now() + 25_000;
  for (;;) {
    const screen = await tui.screen();
    if (composerReady(screen)) return;
    const status = tui.exitStatus();
    if (status !== null) throw new Error(`TUI exited (status ${status}) during start-up:\n${tail(screen)}`);
    const known = firstRunScreens.find((s) => s.match.test(screen));
    if (known?.fatal) throw new Error(`${known.fatal}; screen:\n${tail(screen)}`);
    if (known?.keys) await tui.keys(...known.keys);
    if (Date.now() > deadline) {
      throw new Error(`no ready composer (naming mock-model) within 25000 ms; last screen:\n${tail(screen)}`);
    }
    await sleep(known ? 500 : 100);
  }
}

export interface Attached {
  server: AppServer;
  tui: TmuxSession;
  /** The proxy between TUI and server (with `observe` or `traceFile`). */
  proxy?: WsProxy;
}

/**
 * Starts the app-server of `options.server` on the fixture and the TUI attached to it (through a
 * logging proxy when `options.traceFile` is set). Does not wait for the composer.
 */
export async function attachTui(
  resources: Resources,
  fixture: Fixture,
  options: ScenarioOptions,
): Promise<Attached> {
  const server = await startAppServer({
    kind: options.server,
    home: fixture.serverHome,
    cwd: fixture.workspace,
    codexVersion: options.serverVersion ?? options.tui,
  });
  resources.add(() => server.stop());
  const entry = codexEntry(options.tui);
  if (entry === null) throw new Error(`codex ${options.tui} is not installed`);
  let proxy: WsProxy | undefined;
  if (options.traceFile !== undefined || options.observe) {
    const started = await startWsProxy(server.url);
    const file = options.traceFile;
    resources.add(async () => {
      if (file !== undefined) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, `${started.format(100_000)}\n`);
      }
      await started.close();
    });
    proxy = started;
  }
  const tui = await TmuxSession.start({
    argv: [process.execPath, entry, "--remote", proxy?.url ?? server.url],
    env: { ...baseEnv(), CODEX_HOME: fixture.tuiHome, TERM: "xterm-256color" },
    cwd: fixture.workspace,
    scratchDir: fixture.root,
  });
  resources.add(() => tui.kill());
  return { server, tui, proxy };
}

export async function runScenario(resources: Resources, options: ScenarioOptions): Promise<ScenarioResult> {
  const fixture = await createFixture(resources, options.server);
  const { server, tui } = await attachTui(resources, fixture, options);

  const step = async <T>(name: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      const serverState = server.alive() ? "running" : "exited";
      throw new Error(
        `step "${name}" failed (${options.server} app-server ${serverState}): ${(error as Error).message}\n` +
          `--- ${options.server} app-server stderr (tail) ---\n${tail(server.stderr(), 15)}`,
      );
    }
  };

  await step("start-up", () => waitForComposer(tui));

  await step("type the prompt", async () => {
    await tui.type(PROMPT);
    // Typed text arrives as a burst the composer treats like a paste; Enter only submits once it
    // has been taken in, which is when it shows up.
    await tui.waitFor(`› ${PROMPT}`, { timeoutMs: 5_000, what: "the typed prompt in the composer" });
    await tui.keys("Enter");
  });

  await step("approve the command", async () => {
    await tui.waitFor((s) => /Would you like to run the following command\?/.test(s) && s.includes(COMMAND), {
      timeoutMs: 15_000,
      what: `the approval prompt for \`${COMMAND}\``,
    });
    await tui.keys("y");
  });

  await step("see the answer", async () => {
    await tui.waitFor(ANSWER, { timeoutMs: 15_000, what: `the model's answer "${ANSWER}"` });
    await tui.waitFor((s) => composerReady(s) && !/esc to interrupt/i.test(s), {
      timeoutMs: 5_000,
      what: "the composer ready again after the turn",
    });
  });

  const finalScreen = await tui.screen();
  const exit = await step("quit", () => quit(tui));
  return { fixture, server, finalScreen, exit };
}
