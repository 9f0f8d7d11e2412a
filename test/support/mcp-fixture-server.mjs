#!/usr/bin/env node
// A real MCP server (SDK `Server`) with the tools of spec mcp.md §9, for keel's MCP tests.
// Usage: node test/support/mcp-fixture-server.mjs [--http PORT] [--instructions TEXT]
//   [--start-delay-ms N] [--tools-delay-ms N] [--name NAME] [--tools a,b] [--log FILE]
// Options may also come from env: MCP_FIXTURE_<OPTION> (e.g. MCP_FIXTURE_LOG).
// `--http 0` serves streamable HTTP on 127.0.0.1 and prints the URL as the first stdout line.
// `--log FILE` appends JSON lines that tests assert on: startup (env, cwd, argv), every incoming
// message (requests with params incl. `_meta`, notifications such as `notifications/cancelled`),
// elicitation answers and, over HTTP, each request's headers.
import { appendFileSync } from "node:fs";
import http from "node:http";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";

function option(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  return process.env[`MCP_FIXTURE_${name.toUpperCase().replaceAll("-", "_")}`];
}

const logFile = option("log");
const serverName = option("name") ?? "fixture";
const instructions = option("instructions");
const startDelayMs = Number(option("start-delay-ms") ?? 0);
const toolsDelayMs = Number(option("tools-delay-ms") ?? 0);
const only = option("tools")?.split(",").filter(Boolean) ?? null;
const httpPort = option("http");

function log(entry) {
  if (!logFile) return;
  try {
    appendFileSync(logFile, `${JSON.stringify({ pid: process.pid, ...entry })}\n`);
  } catch {
    // The test that owned the log may already have removed it.
  }
}

// 1x1 transparent PNG.
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

const TOOLS = [
  {
    name: "echo",
    description: "Echoes the text back.",
    inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
    annotations: { readOnlyHint: true },
  },
  { name: "plain", description: "Says plain.", inputSchema: { type: "object", properties: {} } },
  {
    name: "destroy",
    description: "Pretends to destroy something.",
    inputSchema: { type: "object", properties: {} },
    annotations: { destructiveHint: true },
  },
  {
    name: "structured",
    description: "Returns structured content.",
    inputSchema: { type: "object", properties: {} },
    outputSchema: { type: "object", properties: { answer: { type: "number" } } },
  },
  { name: "image", description: "Returns a small PNG.", inputSchema: { type: "object", properties: {} } },
  { name: "fail", description: "Returns isError.", inputSchema: { type: "object", properties: {} } },
  {
    name: "throw",
    description: "Answers with a JSON-RPC error.",
    inputSchema: { type: "object", properties: {} },
  },
  {
    name: "slow",
    description: "Waits ms milliseconds.",
    inputSchema: { type: "object", properties: { ms: { type: "number" } } },
  },
  {
    name: "elicit",
    description: "Asks the user for a name.",
    inputSchema: { type: "object", properties: {} },
  },
];

/** `--tools` keeps only the named tools; unknown names (e.g. `a.b`) become plain echo-like tools. */
function listedTools() {
  if (only === null) return TOOLS;
  return only.map(
    (name) =>
      TOOLS.find((t) => t.name === name) ?? {
        name,
        description: `Tool ${name}.`,
        inputSchema: { type: "object", properties: {} },
      },
  );
}

function text(t, extra = {}) {
  return { content: [{ type: "text", text: t }], ...extra };
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("cancelled"));
    });
  });
}

async function callTool(server, name, args, extra) {
  if (!listedTools().some((t) => t.name === name)) throw new McpError(-32602, `unknown tool ${name}`);
  switch (name) {
    case "echo":
      return text(String(args?.text ?? ""));
    case "plain":
      return text("plain");
    case "destroy":
      return text("destroyed");
    case "structured":
      return text('{"answer":42}', { structuredContent: { answer: 42 } });
    case "image":
      return { content: [{ type: "image", data: PNG, mimeType: "image/png" }] };
    case "fail":
      return text("it failed", { isError: true });
    case "throw":
      // A bare error with a code: the SDK's McpError would prefix its message.
      throw Object.assign(new Error("boom"), { code: -32603 });
    case "slow": {
      const ms = Number(args?.ms ?? 1000);
      try {
        await sleep(ms, extra.signal);
      } catch {
        log({ kind: "slow_cancelled", requestId: extra.requestId });
        throw new McpError(-32800, "cancelled");
      }
      return text(`slept ${ms}ms`);
    }
    case "elicit": {
      // `--elicit-url URL`: a URL-mode elicitation instead of the form (the URL is not checked).
      const url = option("elicit-url");
      const answer = await server.elicitInput(
        url !== undefined
          ? { mode: "url", message: "Open this page", url, elicitationId: "elicit-1" }
          : {
              mode: "form",
              message: "What is your name?",
              requestedSchema: {
                type: "object",
                properties: { name: { type: "string" } },
                required: ["name"],
              },
            },
      );
      log({ kind: "elicitation_answer", answer });
      return text(JSON.stringify(answer));
    }
    default:
      return text(name);
  }
}

function createServer() {
  const server = new Server(
    { name: serverName, version: "1.0.0" },
    { capabilities: { tools: {}, resources: {} }, ...(instructions === undefined ? {} : { instructions }) },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    if (toolsDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, toolsDelayMs));
    return { tools: listedTools() };
  });
  // Two resources on two pages (so callers must follow nextCursor) and one template.
  server.setRequestHandler(ListResourcesRequestSchema, async (request) =>
    request.params?.cursor === "page2"
      ? { resources: [{ uri: "fixture://second", name: "second", mimeType: "text/plain" }] }
      : {
          resources: [{ uri: "fixture://first", name: "first", mimeType: "text/plain" }],
          nextCursor: "page2",
        },
  );
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: [{ uriTemplate: "fixture://items/{id}", name: "item" }],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => ({
    contents: [
      { uri: request.params.uri, mimeType: "text/plain", text: `contents of ${request.params.uri}` },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) =>
    callTool(server, request.params.name, request.params.arguments, extra),
  );
  return server;
}

/** Logs each incoming message and holds `initialize` back for `--start-delay-ms`. */
function instrument(transport) {
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if ("method" in message) {
      log({
        kind: "message",
        id: message.id ?? null,
        method: message.method,
        params: message.params ?? null,
      });
    }
    if (message.method === "initialize" && startDelayMs > 0) {
      setTimeout(() => deliver?.call(transport, message, extra), startDelayMs);
    } else {
      deliver?.call(transport, message, extra);
    }
  };
}

log({ kind: "start", argv: process.argv.slice(2), cwd: process.cwd(), env: process.env });

if (httpPort === undefined) {
  const server = createServer();
  const transport = new StdioServerTransport();
  await server.connect(transport);
  instrument(transport);
  process.stdin.on("end", () => {
    log({ kind: "stdin_eof" });
  });
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
      log({ kind: "signal", signal });
      process.exit(0);
    });
  }
} else {
  const sessions = new Map();
  const httpServer = http.createServer(async (req, res) => {
    log({ kind: "http", method: req.method, url: req.url, headers: req.headers });
    const sessionId = req.headers["mcp-session-id"];
    let transport = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (transport === undefined) {
      if (req.method !== "POST" || sessionId !== undefined) {
        res.writeHead(sessionId === undefined ? 400 : 404).end();
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (id) => sessions.set(id, transport),
      });
      const server = createServer();
      await server.connect(transport);
      instrument(transport);
    }
    await transport.handleRequest(req, res);
  });
  httpServer.listen(Number(httpPort), "127.0.0.1", () => {
    const { port } = httpServer.address();
    process.stdout.write(`http://127.0.0.1:${port}/mcp\n`);
  });
  process.on("SIGTERM", () => {
    log({ kind: "signal", signal: "SIGTERM" });
    process.exit(0);
  });
}
