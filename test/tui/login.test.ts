/**
 * API-key login through keel from the official Codex TUIs (0.124 and 0.169): keel's provider needs OpenAI auth
 * (the built-in `openai`, pointed at the scripted model server), so a fresh CODEX_HOME shows the
 * TUI's login screen; "Provide your own API key" and a pasted key log in through
 * `account/login/start`, keel stores the key in its own auth.json, and the next turn's model
 * request carries it.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type RecordedRequest, textTurn } from "../support/model-server.js";
import { createFixture, Resources, waitForComposer } from "./harness.js";
import { baseEnv, type CodexVersion, codexEntry, startAppServer } from "./servers.js";
import { hasTmux, sleep, TmuxSession } from "./tmux.js";
import { startWsProxy } from "./ws-proxy.js";

const KEY = "sk-tui-login-0123456789abcdef";
const ANSWER = "Signed in and answering.";
const resources = new Resources();
afterEach(() => resources.dispose());
afterAll(() => resources.dispose());

/** A config.toml selecting the `openai` provider at the scripted model server. */
function openAiToml(modelUrl: string, workspace: string, extra: string[] = []): string {
  return [
    'model = "mock-model"',
    `openai_base_url = "${modelUrl}"`,
    ...extra,
    "",
    `[projects.${JSON.stringify(workspace)}]`,
    'trust_level = "trusted"',
    "",
  ].join("\n");
}

/** The 0.169 TUI also asks for a task title (a json_schema request) on a hidden thread. */
const isTitleRequest = (r: RecordedRequest) => r.body?.text?.format?.type === "json_schema";

/** From the sign-in screen to the API key field: 0.169 moved the option one level down. */
const toKeyField: Record<CodexVersion, string[][]> = {
  "0.124.0": [["3"]],
  "0.169.0": [["3"], ["Enter"]],
};

for (const version of ["0.124.0", "0.169.0"] as CodexVersion[]) {
  const installed = hasTmux && codexEntry(version) !== null;

  describe.skipIf(!installed)(`Codex TUI ${version} login against keel app-server`, () => {
    it("logs in with an API key through keel and uses it for the turn", { timeout: 90_000 }, async () => {
      const fx = await createFixture(resources, "keel");
      fs.writeFileSync(path.join(fx.serverHome, "config.toml"), openAiToml(fx.model.url, fx.workspace));
      fs.writeFileSync(
        path.join(fx.tuiHome, "config.toml"),
        openAiToml(fx.model.url, fx.workspace, [
          "check_for_update_on_startup = false",
          "[analytics]",
          "enabled = false",
        ]),
      );
      const server = await startAppServer({ kind: "keel", home: fx.serverHome, cwd: fx.workspace });
      resources.add(() => server.stop());
      const proxy = await startWsProxy(server.url);
      resources.add(() => proxy.close());
      const tui = await TmuxSession.start({
        argv: [process.execPath, codexEntry(version)!, "--remote", proxy.url],
        env: { ...baseEnv(), CODEX_HOME: fx.tuiHome, TERM: "xterm-256color" },
        cwd: fx.workspace,
        scratchDir: fx.root,
      });
      resources.add(() => tui.kill());

      await tui.waitFor("Sign in with Device Code", { timeoutMs: 25_000, what: "the login screen" });
      for (const keys of toKeyField[version]) {
        await tui.keys(...keys);
        await sleep(300);
      }
      await tui.waitFor(/Press enter to save/i, { timeoutMs: 5_000, what: "the API key field" });
      // 0.124 takes a bracketed paste; 0.169 shows a pasted key but then ignores Enter, so it is typed.
      if (version === "0.124.0") await tui.paste(KEY);
      else await tui.type(KEY);
      await tui.waitFor(`│${KEY}`, { timeoutMs: 5_000, what: "the key in the field" });
      await tui.keys("Enter");
      await waitForComposer(tui);

      // The key went through keel into keel's home, not into the TUI's.
      expect(JSON.parse(fs.readFileSync(path.join(fx.serverHome, "auth.json"), "utf8"))).toEqual({
        auth_mode: "apikey",
        OPENAI_API_KEY: KEY,
      });
      expect(fs.existsSync(path.join(fx.tuiHome, "auth.json"))).toBe(false);
      const frames = proxy.trace.map((f) => ({ direction: f.direction, message: JSON.parse(f.text) }));
      expect(frames).toContainEqual({
        direction: "→",
        message: expect.objectContaining({
          method: "account/login/start",
          params: { type: "apiKey", apiKey: KEY },
        }),
      });
      expect(frames).toContainEqual({
        direction: "←",
        message: expect.objectContaining({
          method: "account/updated",
          params: { authMode: "apikey", planType: null },
        }),
      });

      const answer = (r: RecordedRequest) =>
        isTitleRequest(r) ? textTurn('{"title":"Say hi"}') : textTurn(ANSWER);
      fx.model.enqueue(answer, answer);
      await tui.type("say hi");
      await tui.waitFor("› say hi", { timeoutMs: 5_000, what: "the typed prompt" });
      await tui.keys("Enter");
      await tui.waitFor(ANSWER, { timeoutMs: 15_000, what: "the model's answer" });
      const main = fx.model.modelRequests().filter((r) => !isTitleRequest(r));
      expect(main.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`]);
    });
  });
}
