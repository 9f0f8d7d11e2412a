#!/usr/bin/env node
// The browser front end (issue 18): `keel app-server --web` with the bench model server, driven by
// Debian's chromium through playwright-core. Measured:
//
//   load        page.goto → the first thread row visible (fresh browser context each round, so
//               nothing cached; one thread exists)
//   firstToken  Enter in the composer → the first streamed words of the answer on screen
//   weight      dist/web gzipped: everything, and what the first load fetches (xterm.js is
//               fetched later, when a command appears)
//
// Prints one JSON object on stdout (bench/run.mjs section "web").
//
//   node bench/web.mjs [--rounds 5]
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import zlib from "node:zlib";
import { startBenchModelServer } from "./model-server.mjs";
import { ROOT, serverSpec } from "./servers.mjs";
import { median } from "./stats.mjs";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" } } });
const ROUNDS = Number(values.rounds);
const DIST_WEB = path.join(ROOT, "dist/web");
const log = (msg) => process.stderr.write(`[bench:web] ${msg}\n`);

const gzipped = (file) => zlib.gzipSync(fs.readFileSync(file)).length;

function allFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? allFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Starts the server; resolves with the page URL from its banner. */
async function startKeelWeb(modelUrl) {
  const workspace = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "keel-bench-web-")), "project");
  fs.mkdirSync(path.join(workspace, ".git"), { recursive: true });
  const spec = serverSpec("keel", {
    modelUrl,
    workspace,
    userHome: path.dirname(workspace),
    extraArgs: ["--listen", "ws://127.0.0.1:0", "--web"],
  });
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const url = await new Promise((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
      const match = /^keel web: (http:\/\/\S+)$/m.exec(stderr);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`keel exited (${code}): ${stderr}`)));
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { url, stop, home: spec.home, workspace };
}

async function measure(browser, url) {
  const origin = new URL(url).origin;
  // One thread for the list, and the first-token rounds, in a page of their own.
  const setup = await browser.newContext();
  const driver = await setup.newPage();
  driver.setDefaultTimeout(30_000);
  await driver.goto(url);
  await driver.locator('[data-testid="conn-status"][data-status="connected"]').waitFor();
  const firstToken = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const rows = await driver.getByTestId("thread-row").count();
    await driver.getByTestId("new-thread").click();
    // The new thread is listed and shown (empty) before the prompt goes out.
    await driver.waitForFunction(
      (n) =>
        document.querySelectorAll('[data-testid="thread-row"]').length > n &&
        document.querySelectorAll('[data-testid="agent-message"]').length === 0,
      rows,
    );
    await driver.getByTestId("composer").fill(`say something (${round})`);
    const t0 = performance.now();
    await driver.getByTestId("composer").press("Enter");
    await driver.waitForFunction(
      () => (document.querySelector('[data-testid="agent-message"]')?.textContent ?? "").trim() !== "",
      undefined,
      { polling: "raf" },
    );
    const ms = performance.now() - t0;
    if (round > 0) firstToken.push(ms); // the first round warms the engine up
    await driver.locator('[data-turn-status="completed"]').last().waitFor();
  }
  await setup.close();

  const load = [];
  let firstLoadFiles = new Set();
  for (let round = 0; round < ROUNDS + 1; round++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const fetched = new Set();
    page.on("request", (r) => {
      if (r.url().startsWith(origin)) fetched.add(new URL(r.url()).pathname);
    });
    const t0 = performance.now();
    await page.goto(url);
    await page.getByTestId("thread-row").first().waitFor({ state: "visible" });
    const ms = performance.now() - t0;
    if (round > 0) load.push(ms);
    firstLoadFiles = fetched;
    await context.close();
  }
  const firstLoadBytes = [...firstLoadFiles]
    .map((p) => path.join(DIST_WEB, p === "/" ? "index.html" : p))
    .filter((f) => f.startsWith(DIST_WEB) && fs.existsSync(f) && fs.statSync(f).isFile())
    .reduce((sum, f) => sum + gzipped(f), 0);
  return { load, firstToken, firstLoadBytes };
}

async function main() {
  const result = { rounds: ROUNDS, errors: [] };
  const files = allFiles(DIST_WEB);
  result.weight = {
    files: files.length,
    rawBytes: files.reduce((s, f) => s + fs.statSync(f).size, 0),
    gzipBytes: files.reduce((s, f) => s + gzipped(f), 0),
    targetGzipBytes: 300 * 1024,
  };
  const { chromium } = await import("playwright-core");
  const model = await startBenchModelServer();
  const server = await startKeelWeb(model.url);
  const browser = await chromium.launch({
    executablePath: process.env.KEEL_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
  try {
    const m = await measure(browser, server.url);
    result.weight.firstLoadGzipBytes = m.firstLoadBytes;
    result.loadMs = { median: median(m.load), all: m.load.map((v) => +v.toFixed(1)) };
    result.firstTokenMs = { median: median(m.firstToken), all: m.firstToken.map((v) => +v.toFixed(1)) };
  } catch (error) {
    result.errors.push(String(error?.message ?? error));
  } finally {
    await browser.close();
    await server.stop();
    await model.stop();
    fs.rmSync(server.home, { recursive: true, force: true });
    fs.rmSync(path.dirname(server.workspace), { recursive: true, force: true });
  }
  log(
    `load ${result.loadMs?.median?.toFixed(0)} ms, first token ${result.firstTokenMs?.median?.toFixed(0)} ms`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
