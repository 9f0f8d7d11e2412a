#!/usr/bin/env node
// A real OAuth-protected streamable HTTP MCP server for keel's tests: the SDK's authorization
// server pieces (`mcpAuthRouter`: metadata, dynamic client registration, authorize with PKCE,
// token) with an auto-approving in-memory provider, and `/mcp` behind `requireBearerAuth`.
// Also serves one resource (`file:///readme.txt`) and a template, and a `whoami` tool that
// reports the token's client. Prints the MCP URL as its first stdout line.
// Usage: node test/support/mcp-oauth-server.mjs [--log FILE] [--stdio]
// `--stdio` serves the same tools and resources over stdio, without auth.
import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import {
  mcpAuthRouter,
  getOAuthProtectedResourceMetadataUrl,
} from "@modelcontextprotocol/sdk/server/auth/router.js";
import { requireBearerAuth } from "@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import express from "express";

const logIndex = process.argv.indexOf("--log");
const logFile = logIndex >= 0 ? process.argv[logIndex + 1] : undefined;
const log = (entry) => logFile && appendFileSync(logFile, `${JSON.stringify(entry)}\n`);

/** Approves every authorization request at once, as a user clicking "allow" would. */
class AutoApproveProvider {
  clients = new Map();
  codes = new Map();
  tokens = new Map();
  clientsStore = {
    getClient: async (id) => this.clients.get(id),
    registerClient: async (client) => {
      this.clients.set(client.client_id, client);
      log({ kind: "register", client });
      return client;
    },
  };

  async authorize(client, params, res) {
    if (!client.redirect_uris.includes(params.redirectUri)) throw new Error("unregistered redirect_uri");
    const code = randomUUID();
    this.codes.set(code, { client, params });
    const target = new URL(params.redirectUri);
    target.searchParams.set("code", code);
    if (params.state !== undefined) target.searchParams.set("state", params.state);
    log({
      kind: "authorize",
      redirectUri: params.redirectUri,
      scopes: params.scopes,
      resource: params.resource?.href,
    });
    res.redirect(target.href);
  }

  async challengeForAuthorizationCode(_client, code) {
    return this.codes.get(code).params.codeChallenge;
  }

  async exchangeAuthorizationCode(client, code) {
    const grant = this.codes.get(code);
    if (!grant || grant.client.client_id !== client.client_id) throw new Error("invalid authorization code");
    this.codes.delete(code);
    return this.issue(client.client_id, grant.params.scopes ?? []);
  }

  async exchangeRefreshToken(client, refreshToken) {
    const old = [...this.tokens.values()].find((t) => t.refreshToken === refreshToken);
    if (!old || old.clientId !== client.client_id) throw new Error("invalid refresh token");
    return this.issue(client.client_id, old.scopes);
  }

  issue(clientId, scopes) {
    const access = randomUUID();
    const refreshToken = randomUUID();
    this.tokens.set(access, { clientId, scopes, refreshToken, expiresAt: Date.now() + 3600_000 });
    return {
      access_token: access,
      token_type: "bearer",
      expires_in: 3600,
      refresh_token: refreshToken,
      scope: scopes.join(" "),
    };
  }

  async verifyAccessToken(token) {
    const data = this.tokens.get(token);
    if (!data) throw new Error("invalid token");
    return {
      token,
      clientId: data.clientId,
      scopes: data.scopes,
      expiresAt: Math.floor(data.expiresAt / 1000),
    };
  }
}

function mcpServer(clientId) {
  const server = new Server(
    { name: "oauth-fixture", version: "2.0.0" },
    { capabilities: { tools: {}, resources: {} } },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      {
        name: "whoami",
        description: "Names the OAuth client.",
        inputSchema: { type: "object", properties: {} },
      },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async () => ({
    content: [{ type: "text", text: `client ${clientId}` }],
  }));
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: [{ uri: "file:///readme.txt", name: "readme", mimeType: "text/plain" }],
  }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: [{ uriTemplate: "file:///{name}", name: "files" }],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async ({ params }) => {
    if (params.uri !== "file:///readme.txt")
      throw Object.assign(new Error(`Resource ${params.uri} not found`), { code: -32002 });
    return {
      contents: [{ uri: params.uri, mimeType: "text/plain", text: "hello from a protected resource" }],
    };
  });
  return server;
}

if (process.argv.includes("--stdio")) {
  await mcpServer("stdio").connect(new StdioServerTransport());
} else {
  serveHttp();
}

function serveHttp() {
  const provider = new AutoApproveProvider();
  const app = express();
  const listener = app.listen(0, "127.0.0.1", () => {
    const origin = `http://127.0.0.1:${listener.address().port}`;
    const mcpUrl = new URL(`${origin}/mcp`);
    app.use(
      mcpAuthRouter({
        provider,
        issuerUrl: new URL(origin),
        resourceServerUrl: mcpUrl,
        scopesSupported: ["read"],
      }),
    );
    const auth = requireBearerAuth({
      verifier: provider,
      resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpUrl),
    });
    app.all("/mcp", express.json(), auth, async (req, res) => {
      log({ kind: "mcp", method: req.body?.method, client: req.auth?.clientId });
      // Stateless: one server and transport per request.
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      const server = mcpServer(req.auth.clientId);
      res.on("close", () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    });
    process.stdout.write(`${mcpUrl.href}\n`);
  });
}
