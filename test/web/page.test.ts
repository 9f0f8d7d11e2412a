import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  customToolCall,
  functionCall,
  message,
  reasoning,
  stall,
  textTurn,
  turn,
} from "../support/model-server.js";
import { launchBrowser, openPage, shot, startWeb, type WebServer } from "./support.js";

/**
 * The page end to end: real `keel web`, real chromium, the scripted model server. One server and
 * one browser for the file; each test continues from the state the previous one left.
 */

let web: WebServer;
let browser: Browser;
let page: Page;

async function connected(p: Page): Promise<void> {
  await p.locator('[data-testid="conn-status"][data-status="connected"]').waitFor();
}

async function send(p: Page, text: string): Promise<void> {
  await p.getByTestId("composer").fill(text);
  await p.getByTestId("composer").press("Enter");
}

/** What a terminal view shows: xterm's rows once loaded, the plain fallback before. */
function terminalText(p: Page, index = 0): Promise<string> {
  return p
    .getByTestId("command-output")
    .nth(index)
    .evaluate(
      (el) => (el.querySelector(".xterm-rows") ?? el.querySelector(".plain-output"))?.textContent ?? "",
    );
}

// The folders must outlive the first test (tempDir() ones are removed after each test).
const dirs: string[] = [];
function lastingDir(prefix: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
});

beforeAll(async () => {
  web = await startWeb({
    home: lastingDir("keel-web-ui-home-"),
    cwd: path.join(lastingDir("keel-web-ui-ws-"), "project"),
  });
  browser = await launchBrowser();
  page = await openPage(browser, web);
  await connected(page);
});

describe("keel web page", () => {
  it("starts a thread with the chosen model; shows reasoning, the plan and the streamed answer as safe Markdown", async () => {
    const plan = [
      { step: "Look around", status: "completed" },
      { step: "Say hello", status: "in_progress" },
    ];
    web.model.enqueue(
      turn([reasoning("Thinking about **greetings**"), functionCall("update_plan", { plan }, "call_plan")]),
      textTurn('Hello **there**. <img src="x" onerror="window.__pwned=1"> <script>window.__pwned=2</script>'),
    );
    await page.getByText("New thread options").click();
    // A model that is offered apply_patch (used by a later test); the field takes any name.
    await page.getByLabel("Model").fill("gpt-5.5");
    await page.getByTestId("new-thread").click();
    await expect.poll(() => page.getByTestId("thread-row").count()).toBe(1);
    await send(page, "say hello");
    const answer = page.getByTestId("agent-message").last();
    await answer.locator("strong", { hasText: "there" }).waitFor();
    await page.locator('[data-turn-status="completed"]').waitFor();
    expect(await page.getByTestId("user-message").textContent()).toBe("say hello");
    expect(await page.locator(".reasoning strong").textContent()).toBe("greetings");
    const steps = await page.getByTestId("plan").locator("li").allTextContents();
    expect(steps.map((s) => s.trim())).toEqual(["✔ Look around", "▶ Say hello"]);
    // Raw HTML from the model is shown as text: no element, no script run.
    expect(await answer.locator("img, script").count()).toBe(0);
    expect(await answer.textContent()).toContain('<img src="x"');
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.getByTestId("token-usage").waitFor();
    // The request went out with the model picked in the form.
    expect(web.model.requests.at(-1)?.body).toMatchObject({ model: "gpt-5.5" });
    await shot(page, "answer");
  });

  it("asks for a command approval in every open page; the first answer wins; output and diff follow", async () => {
    web.model.enqueue(
      turn([
        functionCall(
          "exec_command",
          {
            cmd: "printf 'first line\\nsecond line\\n' && echo done > out.txt",
            sandbox_permissions: "require_escalated",
            justification: "write out.txt",
          },
          "call_cmd",
        ),
      ]),
      turn([
        customToolCall(
          "apply_patch",
          "*** Begin Patch\n*** Add File: added.txt\n+hello\n*** End Patch\n",
          "call_patch",
        ),
      ]),
      textTurn("Both done."),
    );
    await send(page, "write the files");
    const approval = page
      .getByTestId("approval")
      .filter({ has: page.getByTestId("approval-decision-accept") });
    await approval.waitFor();
    const shown = await approval.textContent();
    expect(shown).toContain("echo done > out.txt");
    expect(shown).toContain(web.cwd);
    expect(shown).toContain("write out.txt");
    expect(shown).toMatch(/Sandbox\s*(workspace-write|read-only)/);
    for (const decision of ["accept", "acceptForSession", "decline", "cancel"])
      await page.getByTestId(`approval-decision-${decision}`).waitFor();

    // A second page (own sessionStorage, own connection) opens the same thread and is asked too.
    const second = await openPage(browser, web, { width: 420, height: 800 });
    await connected(second);
    await second.getByTestId("thread-row").first().click();
    await second.getByTestId("approval-decision-accept").waitFor();
    await shot(page, "approval");

    await page.getByTestId("approval-decision-accept").click();
    const seenThere = second.getByTestId("approval").first();
    await seenThere.getByTestId("approval-resolved").waitFor();
    expect(await seenThere.locator("button").count()).toBe(0);

    await expect.poll(() => terminalText(page)).toContain("second line");
    expect(await terminalText(page)).toContain("first line");
    expect(fs.readFileSync(path.join(web.cwd, "out.txt"), "utf8")).toBe("done\n");

    await page.getByTestId("approval-decision-accept").click(); // the patch
    await page.getByText("Both done.").waitFor();
    await page
      .locator("[data-turn-status]")
      .last()
      .and(page.locator('[data-turn-status="completed"]'))
      .waitFor();
    const diff = page.getByTestId("diff").first();
    expect(await diff.locator(".dl-add").textContent()).toContain("+hello");
    expect(fs.readFileSync(path.join(web.cwd, "added.txt"), "utf8")).toBe("hello\n");
    await shot(page, "command-and-diff");
    await second.getByText("Both done.").waitFor();
    await shot(second, "narrow");
    await second.context().close();
  });

  it("steers a running turn: Enter while it runs adds to the same turn", async () => {
    // The stream pauses after its first events, so the turn is surely still running when we steer.
    web.model.enqueue(stall(turn([message("first part")]), 2, 3000), textTurn("steered answer"));
    const turns = await page.locator("[data-turn-status]").count();
    await send(page, "start slowly");
    await page.getByTestId("interrupt").waitFor();
    await send(page, "and also this");
    await page.getByText("steered answer").waitFor();
    const last = page.locator("[data-turn-status]").last();
    expect(await last.getByTestId("user-message").allTextContents()).toEqual([
      "start slowly",
      "and also this",
    ]);
    expect(await page.locator("[data-turn-status]").count()).toBe(turns + 1);
  });

  it("interrupts a running turn with Esc", async () => {
    web.model.enqueue(stall(turn([message("a very long answer")]), 2));
    await send(page, "take your time");
    await page.getByTestId("interrupt").waitFor();
    await page.keyboard.press("Escape");
    await page.locator('[data-turn-status="interrupted"]').waitFor();
    expect(await page.getByTestId("interrupt").count()).toBe(0);
  });

  it("shows the thread's permissions and explains a path", async () => {
    await page.getByRole("tab", { name: "Permissions" }).click();
    const view = page.getByTestId("permissions-view");
    await view.waitFor();
    // The harness's config sets no sandbox: keel's default read-only one.
    expect(await view.locator("table.kv").textContent()).toMatch(/Sandbox\s*read-only, network off/);
    await page.getByTestId("explain-input").fill(path.join(web.cwd, "notes.txt"));
    await page.getByTestId("explain-input").press("Enter");
    const result = page.getByTestId("explain-result");
    await result.locator("dd").first().waitFor();
    const text = await result.textContent();
    expect(text).toContain(path.join(web.cwd, "notes.txt"));
    expect(text).toMatch(/Read\s*allowed/);
    expect(text).toMatch(/Write\s*denied/);
    await shot(page, "permissions");
    await page.getByRole("tab", { name: "Conversation" }).click();
  });

  it("renames, searches, forks and archives threads", async () => {
    const rename = async (name: string) => {
      await page.getByRole("button", { name: "Rename" }).click();
      await page.getByLabel("Thread name").fill(name);
      await page.getByLabel("Thread name").press("Enter");
      await page.getByTestId("thread-row").filter({ hasText: name }).waitFor();
    };
    await rename("web e2e thread");
    const originalId = await page
      .locator('[data-testid="thread-row"][aria-current="true"]')
      .getAttribute("data-thread-id");

    await page.getByRole("button", { name: "Fork" }).click();
    await expect.poll(() => page.getByTestId("thread-row").count()).toBe(2);
    const forkId = await page
      .locator('[data-testid="thread-row"][aria-current="true"]')
      .getAttribute("data-thread-id");
    expect(forkId).not.toBe(originalId);
    await rename("forked copy");

    await page.getByLabel("Search threads").fill("web e2e");
    await expect
      .poll(() => page.getByTestId("thread-row").allTextContents())
      .toEqual([expect.stringContaining("web e2e thread")]);
    await page.getByLabel("Search threads").fill("");
    await expect.poll(() => page.getByTestId("thread-row").count()).toBe(2);
    await shot(page, "threads");

    await page.getByRole("button", { name: "Archive" }).click();
    await expect.poll(() => page.getByTestId("thread-row").count()).toBe(1);
    await page.getByLabel("Archived").check();
    await expect
      .poll(() =>
        page
          .getByTestId("thread-row")
          .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-thread-id"))),
      )
      .toEqual([forkId]);
    await page.getByLabel("Archived").uncheck();
  });

  it("switches between system, light and dark themes, and remembers the choice", async () => {
    const open = () => page.getByTestId("thread-row").filter({ hasText: "web e2e thread" }).click();
    await open();
    await page.getByTestId("agent-message").first().waitFor();
    const theme = () => page.locator("html").getAttribute("data-theme");
    const toggle = page.getByRole("button", { name: /^Theme:/ });
    expect(await theme()).toBeNull();
    await toggle.click();
    expect(await theme()).toBe("light");
    await toggle.click();
    expect(await theme()).toBe("dark");
    await page.reload();
    await connected(page);
    expect(await theme()).toBe("dark");
    await open();
    await page.getByTestId("agent-message").first().waitFor();
    // Tool items were persisted (persistExtendedHistory), so the reopened thread shows them again.
    await page.getByTestId("command-item").first().waitFor();
    await page.getByTestId("diff").first().waitFor();
    await shot(page, "dark");
  });
});
