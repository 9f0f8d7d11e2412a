import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fixtureToml } from "../mcp/fixture.js";
import { fixture, type Message, type Peer, stdioServer } from "./support.js";
import { startOAuthServer } from "../support/mcp-oauth.js";

/**
 * `mcpServer/oauth/login` end to end (spec mcp.md §7): a real authorization server (the SDK's
 * `mcpAuthRouter`, auto-approving) guards a real streamable HTTP MCP server; the test plays the
 * browser by following the authorization URL.
 */

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

const statusOf = (peer: Peer, name: string, status: string) =>
  peer.notification("mcpServer/startupStatus/updated", (p) => p.name === name && p.status === status, 20_000);

async function webStatus(peer: Peer, threadId?: string): Promise<Message> {
  const listed = await peer.request("mcpServerStatus/list", {
    serverName: "web",
    ...(threadId ? { threadId } : {}),
  });
  return listed.data[0];
}

describe("mcpServer/oauth/login", () => {
  it("logs in through the browser flow, stores the tokens 0600 and the server then accepts them", async () => {
    const url = await startOAuthServer(children);
    const fx = await fixture({ extraToml: `[mcp_servers.web]\nurl = ${JSON.stringify(url)}\n` });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    // Without a token the server answers 401: the start fails, the status says who can fix it.
    await statusOf(peer, "web", "failed");
    expect(await webStatus(peer, thread.id)).toMatchObject({
      runtimeStatus: "failed",
      authStatus: "notLoggedIn",
      httpOrigin: new URL(url).origin,
    });

    const login = await peer.request("mcpServer/oauth/login", { name: "web", threadId: thread.id });
    expect(login.loginId).toEqual(expect.any(String));
    const authorization = new URL(login.authorizationUrl);
    expect(authorization.origin).toBe(new URL(url).origin);
    expect(authorization.searchParams.get("code_challenge_method")).toBe("S256");
    const redirect = new URL(authorization.searchParams.get("redirect_uri")!);
    expect(redirect.hostname).toBe("127.0.0.1");
    expect(redirect.pathname).toMatch(/^\/callback\/[A-Za-z0-9_-]{12}$/);

    // The browser: the authorization server approves and redirects to keel's callback server.
    const browser = await fetch(login.authorizationUrl);
    expect(browser.status).toBe(200);
    expect(await browser.text()).toBe("Authentication complete. You may close this window.");
    const completed = await peer.notification("mcpServer/oauthLogin/completed");
    expect(completed.params).toEqual({
      name: "web",
      success: true,
      error: null,
      loginId: login.loginId,
      threadId: thread.id,
    });

    const file = path.join(fx.home, ".credentials.json");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const stored = Object.values(JSON.parse(fs.readFileSync(file, "utf8"))) as Message[];
    expect(stored).toEqual([
      expect.objectContaining({ server_name: "web", server_url: url, access_token: expect.any(String) }),
    ]);
    expect(fs.readdirSync(fx.home).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    // The thread's server restarts with the token, and the MCP server accepts it.
    await statusOf(peer, "web", "ready");
    const whoami = await peer.request("mcpServer/tool/call", {
      threadId: thread.id,
      server: "web",
      tool: "whoami",
    });
    expect(whoami.content[0].text).toBe(`client ${stored[0]!.client_id}`);
    expect(await webStatus(peer, thread.id)).toMatchObject({
      runtimeStatus: "connected",
      authStatus: "oAuth",
    });
    // A fresh connection (no thread) uses the stored token too.
    expect(await webStatus(peer)).toMatchObject({
      runtimeStatus: null,
      authStatus: "oAuth",
      tools: { whoami: {} },
    });
  });

  it("reports a login nobody completes as failed once it times out", async () => {
    const url = await startOAuthServer(children);
    const fx = await fixture({ extraToml: `[mcp_servers.web]\nurl = ${JSON.stringify(url)}\n` });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const login = await peer.request("mcpServer/oauth/login", { name: "web", timeoutSecs: 1 });
    const completed = await peer.notification("mcpServer/oauthLogin/completed");
    expect(completed.params).toEqual({
      name: "web",
      success: false,
      error: "timed out waiting for OAuth callback",
      loginId: login.loginId,
      threadId: null,
    });
    expect(fs.existsSync(path.join(fx.home, ".credentials.json"))).toBe(false);
  });

  it("answers Codex's errors for stdio servers, unknown names and unreachable servers", async () => {
    const fx = await fixture({
      extraToml: `${fixtureToml("local")}[mcp_servers.gone]\nurl = "http://127.0.0.1:9/mcp"\n`,
    });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    expect((await peer.call("mcpServer/oauth/login", { name: "local" })).error).toEqual({
      code: -32600,
      message: "OAuth login is only supported for streamable HTTP servers.",
    });
    expect((await peer.call("mcpServer/oauth/login", { name: "nope" })).error).toEqual({
      code: -32600,
      message: "No MCP server named 'nope' found.",
    });
    const gone = (await peer.call("mcpServer/oauth/login", { name: "gone" })).error;
    expect(gone.code).toBe(-32603);
    expect(gone.message).toMatch(/^failed to login to MCP server 'gone': /);
  });
});
