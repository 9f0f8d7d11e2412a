/**
 * Harness for browser tests of `keel web`: the real `bin/keel web` process (with a scripted model
 * server, test/support/model-server.ts) and Debian's chromium driven by playwright-core. Every
 * server and browser started here is stopped when the test ends, whether it passed or failed (or
 * at the end of the file when started in `beforeAll`).
 *
 *   const web = await startWeb({ modelScript: [textTurn("hello")] });
 *   const page = await openPage(await launchBrowser(), web);
 *   await page.getByTestId("conn-status").filter({ hasText: "connected" }).waitFor();
 *   await shot(page, "threads");
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, onTestFinished, vi } from "vitest";
import {
  type ModelServer,
  mockProviderToml,
  type ScriptEntry,
  startModelServer,
} from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";

export const keelBin = path.resolve(import.meta.dirname, "../../bin/keel");
const screenshotDir = path.resolve(import.meta.dirname, "../../docs/screenshots");

/** A browser start plus a few page loads on a busy two-core machine. */
export const BROWSER_TEST_TIMEOUT_MS = 90_000;
/** Playwright's waits give up before the test does, so a failure names what it waited for. */
export const PAGE_TIMEOUT_MS = 20_000;
vi.setConfig({ testTimeout: BROWSER_TEST_TIMEOUT_MS, hookTimeout: BROWSER_TEST_TIMEOUT_MS });

const fileScoped: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.allSettled(fileScoped.splice(0).map((stop) => stop()));
});

/** Stops `stop` when the current test finishes; outside a test (beforeAll), at the end of the file. */
function whenDone(stop: () => Promise<void>): void {
  try {
    onTestFinished(async () => {
      await stop();
    });
  } catch {
    fileScoped.push(stop);
  }
}

export interface WebServer {
  /** The page URL as printed: `http://127.0.0.1:PORT/#token=TOKEN`. */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly model: ModelServer;
  readonly home: string;
  /** The workspace the server runs in (a git-marked project folder unless `cwd` was given). */
  readonly cwd: string;
  readonly child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

export interface StartWebOptions {
  /** Queued on the model server before the page loads; more can be queued on `model`. */
  readonly modelScript?: readonly ScriptEntry[];
  /** KEEL_HOME; a fresh folder with a config.toml pointing at the model server by default. */
  readonly home?: string;
  readonly cwd?: string;
  /** Top-level config.toml keys (approval_policy defaults to on-request). */
  readonly topLevel?: Record<string, string | number | boolean>;
  /** Appended to config.toml. */
  readonly extraToml?: string;
  /** More `keel web` arguments. */
  readonly args?: readonly string[];
}

/** Starts `bin/keel web` on an ephemeral loopback port and waits for its URL line. */
export async function startWeb(options: StartWebOptions = {}): Promise<WebServer> {
  const model = await startModelServer();
  if (options.modelScript !== undefined) model.enqueue(...options.modelScript);
  const home = options.home ?? tempDir("keel-web-home-");
  const configFile = path.join(home, "config.toml");
  if (!fs.existsSync(configFile)) {
    const toml = mockProviderToml(model.url, {
      topLevel: { approval_policy: "on-request", ...options.topLevel },
    });
    fs.writeFileSync(configFile, toml + (options.extraToml ?? ""));
  }
  const cwd = options.cwd ?? path.join(tempDir("keel-web-ws-"), "project");
  fs.mkdirSync(path.join(cwd, ".git"), { recursive: true });
  const child = spawn(keelBin, ["web", ...(options.args ?? [])], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      KEEL_HOME: home,
      KEEL_REQUIREMENTS_FILE: path.join(home, "requirements.toml"),
      KEEL_SYSTEM_CONFIG_FILE: path.join(home, "no-system-config.toml"),
      SHELL: "/bin/bash",
      TERM: "xterm-256color",
    },
    cwd,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    await model.close();
  };
  whenDone(stop);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`keel web printed no URL; stderr: ${stderr}`)), 20_000);
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const match = /^keel web: (http:\/\/\S+)$/m.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`keel web exited (${code}); stderr: ${stderr}`));
    });
  });
  const parsed = new URL(url);
  const token = new URLSearchParams(parsed.hash.slice(1)).get("token") ?? "";
  return {
    url,
    token,
    port: Number(parsed.port),
    origin: parsed.origin,
    model,
    home,
    cwd,
    child,
    stderr: () => stderr,
    stop,
  };
}

/** Debian's chromium, headless, closed when the test (or file, from beforeAll) ends. */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.KEEL_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    // Root in a container: no user namespaces for chromium's sandbox; /dev/shm may be tiny.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
    timeout: PAGE_TIMEOUT_MS,
  });
  whenDone(async () => {
    await browser.close().catch(() => {});
  });
  return browser;
}

/** A new page (own context: own sessionStorage) on the server's URL, with bounded waits. */
export async function openPage(
  browser: Browser,
  web: Pick<WebServer, "url">,
  viewport = { width: 1280, height: 800 },
  colorScheme: "light" | "dark" = "light",
): Promise<Page> {
  const context = await browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  await page.goto(web.url);
  return page;
}

/** Writes docs/screenshots/<name>.png when KEEL_WRITE_SCREENSHOTS=1 (the README shows them). */
export async function shot(page: Page, name: string): Promise<void> {
  if (process.env.KEEL_WRITE_SCREENSHOTS !== "1") return;
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`screenshot name ${name}: use a-z, 0-9 and -`);
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}
