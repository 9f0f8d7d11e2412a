import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { callbackId, startMcpOAuthLogin } from "../../src/mcp/oauth/login.js";
import {
  deleteMcpOAuth,
  loadMcpOAuth,
  mcpCredentialsPath,
  type StoredMcpOAuth,
  saveMcpOAuth,
} from "../../src/mcp/oauth/token-store.js";
import { tempDir } from "../support/tmp.js";
import { startOAuthServer } from "../support/mcp-oauth.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const entry = (name: string, url: string, token: string): StoredMcpOAuth => ({
  server_name: name,
  server_url: url,
  client_id: "client",
  client_secret: null,
  access_token: token,
  expires_at: null,
  refresh_token: null,
  scopes: [],
});

describe("MCP OAuth token store", () => {
  it("keeps the last credentials per server name and URL, in a private file, whatever the order of writes", () => {
    const names = fc.constantFrom("a", "b", "my server.v2");
    const urls = fc.constantFrom("http://127.0.0.1:1/mcp", "https://example.com/mcp");
    const op = fc.oneof(
      fc.record({ kind: fc.constant("save" as const), name: names, url: urls, token: fc.string() }),
      fc.record({ kind: fc.constant("delete" as const), name: names, url: urls }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        const home = tempDir("keel-mcp-oauth-");
        const model = new Map<string, string>();
        for (const o of ops) {
          const key = `${o.name}\0${o.url}`;
          if (o.kind === "save") {
            saveMcpOAuth(home, entry(o.name, o.url, o.token));
            model.set(key, o.token);
          } else {
            expect(deleteMcpOAuth(home, o.name, o.url)).toBe(model.delete(key));
          }
        }
        for (const name of ["a", "b", "my server.v2"]) {
          for (const url of ["http://127.0.0.1:1/mcp", "https://example.com/mcp"]) {
            expect(loadMcpOAuth(home, name, url)?.access_token).toBe(model.get(`${name}\0${url}`));
          }
        }
        const file = mcpCredentialsPath(home);
        if (fs.existsSync(file)) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        expect(fs.readdirSync(home).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it("says precisely what is wrong with a malformed file", () => {
    const home = tempDir("keel-mcp-oauth-");
    fs.writeFileSync(mcpCredentialsPath(home), "{nope");
    expect(() => loadMcpOAuth(home, "a", "http://x/")).toThrow(/\.credentials\.json is not valid JSON/);
  });
});

describe("MCP OAuth login", () => {
  const base = (home: string, serverUrl: string) => ({
    home,
    serverName: "web",
    serverUrl,
    scopes: [],
    clientId: null,
    resource: null,
    callbackPort: null,
    callbackUrl: null,
    timeoutMs: 20_000,
  });

  it("derives the callback id from the URL without its fragment", () => {
    expect(callbackId("https://mcp.example.com/mcp#x")).toBe(callbackId("https://mcp.example.com/mcp"));
    expect(callbackId("https://mcp.example.com/mcp")).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(callbackId("https://mcp.example.com/other")).not.toBe(callbackId("https://mcp.example.com/mcp"));
  });

  it("listens on mcp_oauth_callback_port; a callback with another state is refused and the login keeps waiting", async () => {
    const url = await startOAuthServer(children);
    const home = tempDir("keel-mcp-oauth-");
    const port = await freePort();
    const login = await startMcpOAuthLogin({
      ...base(home, url),
      callbackPort: port,
      resource: "https://api.example",
    });
    const authorization = new URL(login.authorizationUrl);
    const redirect = authorization.searchParams.get("redirect_uri")!;
    expect(redirect).toBe(`http://127.0.0.1:${port}/callback/${callbackId(url)}`);
    const forged = await fetch(`${redirect}?code=stolen&state=not-ours`);
    expect(forged.status).toBe(400);
    expect(await fetch(`http://127.0.0.1:${port}/elsewhere?code=a&state=b`).then((r) => r.status)).toBe(400);
    // The real browser round trip still completes.
    expect((await fetch(login.authorizationUrl)).status).toBe(200);
    await login.completion;
    expect(loadMcpOAuth(home, "web", url)?.access_token).toEqual(expect.any(String));
  });

  it("uses mcp_oauth_callback_url as the redirect base; a provider error fails the login", async () => {
    const url = await startOAuthServer(children);
    const home = tempDir("keel-mcp-oauth-");
    const port = await freePort();
    const login = await startMcpOAuthLogin({
      ...base(home, url),
      callbackPort: port,
      callbackUrl: `http://localhost:${port}/oauth/cb`,
    });
    const redirect = new URL(login.authorizationUrl).searchParams.get("redirect_uri")!;
    expect(redirect).toBe(`http://localhost:${port}/oauth/cb/${callbackId(url)}`);
    // An error redirect without this login's state is someone else's page: the login goes on.
    let settled = false;
    login.completion.then(
      () => (settled = true),
      () => (settled = true),
    );
    expect((await fetch(`${redirect}?error=access_denied`)).status).toBe(400);
    expect((await fetch(`${redirect}?error=access_denied&state=not-ours`)).status).toBe(400);
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    const state = new URL(login.authorizationUrl).searchParams.get("state")!;
    const denied = await fetch(`${redirect}?error=access_denied&error_description=nope&state=${state}`);
    expect(denied.status).toBe(400);
    await expect(login.completion).rejects.toThrow("OAuth provider returned `access_denied`: nope");
    expect(fs.existsSync(mcpCredentialsPath(home))).toBe(false);
  });

  it("refuses callback port 0 as Codex does", async () => {
    await expect(
      startMcpOAuthLogin({ ...base(tempDir("keel-mcp-oauth-"), "http://127.0.0.1:9/mcp"), callbackPort: 0 }),
    ).rejects.toThrow("invalid MCP OAuth callback port `0`: port must be between 1 and 65535");
  });
});
