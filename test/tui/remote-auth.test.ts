/**
 * The official Codex TUI against an app-server started with `--ws-auth capability-token`: with
 * `--remote-auth-token-env VAR` naming the token it reaches its composer, without the token it
 * never gets past the 401. Codex's own app-server is the reference that proves the script.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Resources, createFixture, waitForComposer } from "./harness.js";
import { type CodexVersion, type ServerKind, baseEnv, codexEntry, startAppServer } from "./servers.js";
import { TmuxSession, hasTmux, sleep, tail } from "./tmux.js";

const TOKEN = "tui-capability-token-0123456789";
const resources = new Resources();
afterEach(() => resources.dispose());
afterAll(() => resources.dispose());

/** Starts the server with a capability token and the TUI with or without it. */
async function attach(version: CodexVersion, server: ServerKind, token: string | undefined) {
  const fixture = await createFixture(resources, server);
  const tokenFile = path.join(fixture.root, "ws-token");
  fs.writeFileSync(tokenFile, `${TOKEN}\n`);
  const appServer = await startAppServer({
    kind: server,
    home: fixture.serverHome,
    cwd: fixture.workspace,
    codexVersion: version,
    extraArgs: ["--ws-auth", "capability-token", "--ws-token-file", tokenFile],
  });
  resources.add(() => appServer.stop());
  const env: Record<string, string> = { ...baseEnv(), CODEX_HOME: fixture.tuiHome, TERM: "xterm-256color" };
  const argv = [process.execPath, codexEntry(version)!, "--remote", appServer.url];
  if (token !== undefined) {
    env.KEEL_WS_TOKEN = token;
    argv.push("--remote-auth-token-env", "KEEL_WS_TOKEN");
  }
  const tui = await TmuxSession.start({
    argv,
    env,
    cwd: fixture.workspace,
    scratchDir: fixture.root,
  });
  resources.add(() => tui.kill());
  return { tui, appServer };
}

for (const version of ["0.169.0", "0.124.0"] as CodexVersion[]) {
  const installed = hasTmux && codexEntry(version) !== null;
  for (const server of ["codex", "keel"] as ServerKind[]) {
    describe.skipIf(!installed)(`Codex TUI ${version} against ${server} app-server --ws-auth`, () => {
      it("reaches its composer with the token", { timeout: 60_000 }, async () => {
        const { tui } = await attach(version, server, TOKEN);
        await waitForComposer(tui);
      });

      it.each([
        ["without a token", undefined],
        ["with a wrong token", "not-the-token"],
      ])("is refused %s", { timeout: 60_000 }, async (_name, token) => {
        const { tui } = await attach(version, server, token);
        const deadline = Date.now() + 20_000;
        while (tui.exitStatus() === null && Date.now() < deadline) await sleep(200);
        const screen = await tui.screenForReport();
        expect(tui.exitStatus(), `the TUI should have given up; screen:\n${tail(screen)}`).not.toBeNull();
        expect(screen).toContain("failed to connect to remote app server");
        // 0.124 does not name the HTTP status.
        if (version === "0.169.0") expect(screen).toContain("401 Unauthorized");
        expect(screen).not.toContain("mock-model");
      });
    });
  }
}
