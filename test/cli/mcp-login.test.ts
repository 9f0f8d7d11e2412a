import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startOAuthServer } from "../support/mcp-oauth.js";

/**
 * `keel mcp login` / `keel mcp logout` against a real OAuth-guarded MCP server (the SDK's
 * `mcpAuthRouter`, auto-approving): the test plays the browser by following the printed URL.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin/keel");
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

function home(url: string): { home: string; env: NodeJS.ProcessEnv } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-mcp-login-"));
  fs.writeFileSync(
    path.join(dir, "config.toml"),
    `[mcp_servers.web]\nurl = ${JSON.stringify(url)}\n\n[mcp_servers.local]\ncommand = "true"\n`,
  );
  return { home: dir, env: { PATH: process.env.PATH, HOME: dir, KEEL_HOME: dir } };
}

const keel = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  spawnSync(BIN, args, { env, cwd: os.tmpdir(), encoding: "utf8", timeout: 30_000 });

describe("keel mcp login / logout", () => {
  it("logs in through the browser flow, stores the tokens 0600, and logout forgets them", async () => {
    const url = await startOAuthServer(children);
    const { home: dir, env } = home(url);
    const login = spawn(BIN, ["mcp", "login", "web", "--scopes", "read"], { env, cwd: os.tmpdir() });
    children.push(login);
    let stdout = "";
    login.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    let stderr = "";
    login.stderr!.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => login.once("exit", resolve));
    while (!/https?:\/\/\S+\n/.test(stdout)) {
      if (login.exitCode !== null) throw new Error(`login exited early: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const [, authorizationUrl] = /by opening this URL in your browser:\n(\S+)\n/.exec(stdout)!;
    expect(stdout.startsWith("Authorize `web` by opening this URL in your browser:\n")).toBe(true);
    expect(new URL(authorizationUrl!).searchParams.get("scope")).toBe("read");
    const browser = await fetch(authorizationUrl!);
    expect(browser.status).toBe(200);
    expect(await exited).toBe(0);
    expect(stdout.endsWith("Successfully logged in to MCP server 'web'.\n")).toBe(true);

    const file = path.join(dir, ".credentials.json");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(Object.values(JSON.parse(fs.readFileSync(file, "utf8")))).toEqual([
      expect.objectContaining({ server_name: "web", server_url: url, access_token: expect.any(String) }),
    ]);

    const out = keel(env, "mcp", "logout", "web");
    expect(out.stdout).toBe("Removed OAuth credentials for 'web'.\n");
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({});
    expect(keel(env, "mcp", "logout", "web").stdout).toBe("No OAuth credentials stored for 'web'.\n");
  });

  it("refuses unknown and stdio servers with Codex's texts", () => {
    const { env } = home("http://127.0.0.1:9/mcp");
    const unknown = keel(env, "mcp", "login", "nope");
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("No MCP server named 'nope' found.");
    const stdio = keel(env, "mcp", "login", "local");
    expect(stdio.status).toBe(1);
    expect(stdio.stderr).toContain("OAuth login is only supported for streamable HTTP servers.");
    const logout = keel(env, "mcp", "logout", "local");
    expect(logout.status).toBe(1);
    expect(logout.stderr).toContain("OAuth logout is only supported for streamable_http transports.");
  });
});
