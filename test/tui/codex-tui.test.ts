/**
 * The official Codex TUI (`codex --remote ws://…`, releases 0.169.0 and 0.124.0) driven in tmux
 * through one turn with a command approval, against Codex's own app-server (the reference: proves
 * the script) and against keel's. See harness.ts for the scenario.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ANSWER, COMMAND, PROMPT, Resources, runScenario, type ScenarioOptions } from "./harness.js";
import { type CodexVersion, codexEntry } from "./servers.js";
import { hasTmux, tail } from "./tmux.js";

const versions: CodexVersion[] = ["0.169.0", "0.124.0"];
/** Whole scenario: start-up, one turn with an approval, quit. */
const BUDGET_MS = 90_000;

const resources = new Resources();
// Per test, and once more at the end in case a hook was cut short: idempotent.
afterEach(() => resources.dispose());
afterAll(() => resources.dispose());

/** KEEL_TUI_TRACE=<dir>: record TUI ↔ server traffic of every run in <dir>/<tui>-<server>.log. */
const traceDir = process.env.KEEL_TUI_TRACE;

async function expectFullTurn(options: ScenarioOptions): Promise<void> {
  const traceFile = traceDir ? path.resolve(traceDir, `${options.tui}-${options.server}.log`) : undefined;
  const result = await runScenario(resources, { ...options, traceFile });
  expect(result.finalScreen).toContain(PROMPT);
  expect(result.finalScreen).toContain(COMMAND);
  expect(result.finalScreen).toContain(ANSWER);
  expect(fs.readFileSync(path.join(result.fixture.workspace, "out.txt"), "utf8")).toBe("hi\n");
  expect(result.exit.status, `TUI exit status; screen after exit:\n${tail(result.exit.screen, 12)}`).toBe(0);
  expect(result.server.alive(), "app-server still running after the TUI quit").toBe(true);
  const main = result.fixture.model.modelRequests().filter((r) => r.body?.text?.format === undefined);
  expect(main.length, "model requests of the main thread").toBe(2);
}

for (const version of versions) {
  const installed = hasTmux && codexEntry(version) !== null;

  describe.skipIf(!installed)(`Codex TUI ${version}`, () => {
    describe("codex app-server (reference)", () => {
      it("runs a turn with an approved command and quits cleanly", { timeout: BUDGET_MS }, async () => {
        await expectFullTurn({ tui: version, server: "codex" });
      });
    });

    describe("keel app-server", () => {
      it("runs a turn with an approved command and quits cleanly", { timeout: BUDGET_MS }, async () => {
        await expectFullTurn({ tui: version, server: "keel" });
      });
    });
  });
}
