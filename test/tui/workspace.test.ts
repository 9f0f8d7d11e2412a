/**
 * The official Codex 0.169 TUI (`codex --remote ws://…`, in tmux) with its `@` file picker and
 * `/review` of uncommitted changes (review/start), against Codex's own app-server (the reference:
 * proves the script) and keel's. The 0.169 TUI searches files itself (no fuzzyFileSearch call
 * reaches either server). The scripted model tells the requests apart by content.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { reviewRepo } from "../support/git-repo.js";
import { type RecordedRequest, textTurn } from "../support/model-server.js";
import { attachTui, createFixture, Resources, type ScenarioOptions, waitForComposer } from "./harness.js";
import { codexEntry } from "./servers.js";
import { hasTmux, tail } from "./tmux.js";

const BUDGET_MS = 90_000;
const TARGET = "src/widget_parser.ts";
const ASK = "explain this file";
const SEEN = "Read the widget parser.";
const FINDING = "[P1] Widget count is off by one";
const REVIEW_PROMPT_START = "Review the current code changes";

const resources = new Resources();
afterEach(() => resources.dispose());
afterAll(() => resources.dispose());

// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
function userTexts(body: any): string[] {
  const input: { type?: string; role?: string; content?: { text?: string }[] }[] = body?.input ?? [];
  return input
    .filter((i) => i.type === "message" && i.role === "user")
    .map((m) => (m.content ?? []).map((c) => c.text ?? "").join(""));
}

function model(workspace: () => string) {
  return (request: RecordedRequest) => {
    const body = request.body ?? {};
    if (body.text?.format?.type === "json_schema") return textTurn(JSON.stringify({ title: "Task" }));
    if (userTexts(body).some((t) => t.startsWith(REVIEW_PROMPT_START))) {
      const file = path.join(workspace(), "a.txt");
      return textTurn(
        JSON.stringify({
          findings: [
            {
              title: FINDING,
              body: "The second line is counted twice.",
              confidence_score: 0.8,
              priority: 1,
              code_location: { absolute_file_path: file, line_range: { start: 2, end: 2 } },
            },
          ],
          overall_correctness: "patch is incorrect",
          overall_explanation: "One bug found.",
          overall_confidence_score: 0.7,
        }),
      );
    }
    return textTurn(SEEN);
  };
}

/** Frames from the TUI to the server with this method. */
function sent(proxy: { trace: { direction: string; text: string }[] }, method: string) {
  return proxy.trace
    .filter((f) => f.direction === "→")
    .map((f) => JSON.parse(f.text) as { method?: string; params?: Record<string, unknown> })
    .filter((m) => m.method === method);
}

async function start(options: Omit<ScenarioOptions, "tui">) {
  let workspace = "";
  const fixture = await createFixture(
    resources,
    options.server,
    model(() => workspace),
  );
  workspace = fixture.workspace;
  const attached = await attachTui(resources, fixture, { ...options, tui: "0.169.0", observe: true });
  const step = async <T>(name: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      throw new Error(
        `step "${name}" failed: ${(error as Error).message}\n--- app-server stderr (tail) ---\n${tail(attached.server.stderr(), 15)}`,
      );
    }
  };
  await step("start-up", () => waitForComposer(attached.tui));
  return { fixture, ...attached, step };
}

const traceDir = process.env.KEEL_TUI_TRACE;
const servers = ["codex", "keel"] as const;

describe.skipIf(!hasTmux || codexEntry("0.169.0") === null)("Codex TUI 0.169 workspace features", () => {
  for (const server of servers) {
    const traceFile = (name: string) =>
      traceDir ? path.resolve(traceDir, `${name}-${server}.log`) : undefined;

    it(`${server}: the @ file picker finds a file and the turn carries its mention`, {
      timeout: BUDGET_MS,
    }, async () => {
      const { fixture, tui, proxy, step } = await start({ server, traceFile: traceFile("mention") });
      const ws = fixture.workspace;
      fs.mkdirSync(path.join(ws, "src"));
      fs.mkdirSync(path.join(ws, "docs"));
      fs.writeFileSync(path.join(ws, TARGET), "export const widgets = 1;\n");
      fs.writeFileSync(path.join(ws, "src/main.ts"), "");
      fs.writeFileSync(path.join(ws, "docs/guide.md"), "");

      await step("search with @", async () => {
        await tui.type("@widget_p");
        // The picker lists a file as its name, then its folder.
        await tui.waitFor((s) => /widget_parser\.ts +src\//.test(s), {
          timeoutMs: 15_000,
          what: `${TARGET} listed by the file picker`,
        });
      });
      await step("pick the file and send", async () => {
        await tui.keys("Tab");
        await tui.waitFor(`› ${TARGET} `, { timeoutMs: 5_000, what: "the picked path in the composer" });
        await tui.type(ASK);
        await tui.waitFor(`› ${TARGET} ${ASK}`, { timeoutMs: 5_000, what: "the prompt in the composer" });
        await tui.keys("Enter");
        await tui.waitFor(SEEN, { timeoutMs: 15_000, what: `the model's answer "${SEEN}"` });
      });
      // Keel once warned (shown as "⚠ 1 warning") about `features.multi_agent`, which the TUI
      // itself pins in the config of its title thread; Codex does not.
      const warnings = proxy!.trace
        .filter((f) => f.direction === "←")
        .map((f) => JSON.parse(f.text) as { method?: string; params?: { message?: string } })
        .filter((m) => m.method === "warning")
        .map((m) => m.params?.message ?? "");
      expect(warnings.filter((w) => w.includes("multi_agent"))).toEqual([]);

      const main = fixture.model.modelRequests().filter((r) => r.body?.text?.format === undefined);
      expect(main.length).toBe(1);
      // 0.169 searches the files itself and sends the mention as the path in the prompt's text.
      // The title thread's turn also quotes the prompt; its input is an instruction, not the text.
      const input = sent(proxy!, "turn/start")
        .map((m) => m.params?.input)
        .filter((i) => JSON.stringify(i).startsWith(`[{"type":"text","text":"${TARGET}`));
      expect(input).toEqual([[{ type: "text", text: `${TARGET} ${ASK}`, text_elements: [] }]]);
      expect(userTexts(main[0]!.body).at(-1)).toBe(`${TARGET} ${ASK}`);
    });

    it(`${server}: /review of uncommitted changes shows the finding`, { timeout: BUDGET_MS }, async () => {
      const { fixture, tui, proxy, step } = await start({ server, traceFile: traceFile("review") });
      reviewRepo(fixture.workspace);

      await step("open /review", async () => {
        await tui.type("/review");
        await tui.waitFor("› /review", { timeoutMs: 5_000, what: "/review in the composer" });
        await tui.keys("Enter");
        await tui.waitFor(/uncommitted changes/i, { timeoutMs: 10_000, what: "the review presets" });
      });
      await step("review uncommitted changes", async () => {
        // The second preset: base branch, uncommitted changes, a commit, custom instructions.
        await tui.keys("Down", "Enter");
        await tui.waitFor(FINDING, { timeoutMs: 20_000, what: `the finding "${FINDING}"` });
      });

      const reviews = sent(proxy!, "review/start");
      expect(reviews.map((m) => m.params?.target)).toEqual([{ type: "uncommittedChanges" }]);
      const reviewed = fixture.model
        .modelRequests()
        .filter((r) => userTexts(r.body).some((t) => t.startsWith(REVIEW_PROMPT_START)));
      expect(reviewed.length).toBe(1);
    });
  }
});
