/**
 * The official Codex TUI against an app-server started with `--ws-auth capability-token` (or
 * `signed-bearer-token`): with `--remote-auth-token-env VAR` naming the token (or a JWT) it
 * reaches its composer, without the token or with a wrong one it never gets past the 401. Codex's own app-server is the reference that proves the script.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { signHs256 } from "../../src/lib/jwt-hs256.js";
import { Resources, createFixture, waitForComposer } from "./harness.js";
import { type CodexVersion, type ServerKind, baseEnv, codexEntry, startAppServer } from "./servers.js";
import { TmuxSession, hasTmux, sleep, tail } from "./tmux.js";

const TOKEN = "tui-capability-token-0123456789";
const resources = new Resources();
afterEach(() => resources.dispose());
afterAll(() => resources.dispose());

const SECRET = "tui-shared-secret-0123456789abcdef0123";

/** The server's auth flags for a mode, with its secret written to a file under `root`. */
function authArgs(root: string, mode: "capability-token" | "signed-bearer-token"): string[] {
  const file = path.join(root, "ws-secret");
  if (mode === "capability-token") {
    fs.writeFileSync(file, `${TOKEN}\n`);
    return ["--ws-auth", mode, "--ws-token-file", file];
  }
  fs.writeFileSync(file, `${SECRET}\n`);
  return ["--ws-auth", mode, "--ws-shared-secret-file", file, "--ws-audience", "keel-tui"];
}

/** Starts the server with auth and the TUI with or without a token. */
async function attach(
  version: CodexVersion,
  server: ServerKind,
  token: string | undefined,
  mode: "capability-token" | "signed-bearer-token" = "capability-token",
) {
  const fixture = await createFixture(resources, server);
  const appServer = await startAppServer({
    kind: server,
    home: fixture.serverHome,
    cwd: fixture.workspace,
    codexVersion: version,
    extraArgs: authArgs(fixture.root, mode),
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

      it("reaches its composer with a signed JWT", { timeout: 60_000 }, async () => {
        const jwt = signHs256(
          { exp: Math.floor(Date.now() / 1000) + 300, aud: "keel-tui" },
          Buffer.from(SECRET),
        );
        const { tui } = await attach(version, server, jwt, "signed-bearer-token");
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
