/**
 * A scripted model server on a real socket, for tests, end-to-end runs against the Codex CLI and
 * benchmarks. Speaks both wire APIs: `POST …/responses` (Responses API SSE, with the same events and
 * fields OpenAI streams) and `POST …/chat/completions` (chat chunks). Each POST takes the next
 * scripted response from a FIFO queue; every request is recorded. Builders and rendering live in
 * model-server-script.ts and are re-exported here.
 *
 * Node built-ins only, so a plain Node script can use it once bundled (model-server-cli.mjs does
 * that with esbuild; `esbuild test/support/model-server.ts --bundle --platform=node --format=esm`).
 *
 *   const server = await startModelServer();
 *   server.enqueue(functionCallTurn("exec_command", { cmd: "ls" }, "call_1"), textTurn("done"));
 *   // point a provider at server.url (…/v1), run the turn, then:
 *   server.requests[1].body.input  // contains the function_call_output for call_1
 *   await server.close();
 */
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import {
  chatFrames,
  type Frame,
  hex,
  type RecordedRequest,
  rawFrames,
  responsesFrames,
  type ScriptedResponse,
  type ScriptEntry,
  type StreamControls,
} from "./model-server-script.js";

export * from "./model-server-script.js";

// ---------------------------------------------------------------------------------------------
// Server

export interface ModelServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Served when the queue is empty; default: HTTP 400 "no scripted response left". */
  fallback?: ScriptEntry;
  /** Chat field carrying reasoning text: `reasoning_content` (LM Studio, default) or `reasoning` (Ollama). */
  chatReasoningField?: string;
  /** Serve HTTPS with this key and certificate (PEM) instead of HTTP. */
  tls?: { key: string; cert: string };
  /**
   * Answer like the real Responses API does with `store: false`: nothing is kept between
   * requests, so a reasoning item sent with an id but without `encrypted_content` gets HTTP 404;
   * and reasoning items carry `encrypted_content` only when the request's `include` asks for it.
   */
  strictStoreFalse?: boolean;
}

/** The real API's answer to an input item it cannot resolve under `store: false`. */
export function unresolvableItemMessage(id: string): string {
  return `Item with id '${id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`;
}

function includesEncryptedReasoning(body: unknown): boolean {
  const include = (body as { include?: unknown } | null)?.include;
  return Array.isArray(include) && include.includes("reasoning.encrypted_content");
}

/** The id of the first reasoning item the API could not resolve, if any. */
function unresolvableReasoningId(body: unknown): string | null {
  const { store, input } = (body ?? {}) as { store?: unknown; input?: unknown };
  if (store !== false || !Array.isArray(input)) return null;
  for (const item of input as Record<string, unknown>[]) {
    if (item?.type !== "reasoning" || typeof item.id !== "string") continue;
    if (typeof item.encrypted_content !== "string" || item.encrypted_content === "") return item.id;
  }
  return null;
}

export interface ModelServer {
  /** Base URL to configure as a provider's `base_url` (`http://127.0.0.1:<port>/v1`). */
  url: string;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  port: number;
  /** Every request received, in order (model requests and others). */
  requests: RecordedRequest[];
  /** Model requests only (POST …/responses, …/chat/completions). */
  modelRequests(): RecordedRequest[];
  enqueue(...entries: ScriptEntry[]): void;
  /** Scripted responses not yet served. */
  pending(): number;
  /** Resolves once `count` model requests have arrived. */
  waitForModelRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

function normalize(entry: ScriptEntry, request: RecordedRequest): ScriptedResponse {
  const resolved = typeof entry === "function" ? entry(request) : entry;
  if ("kind" in resolved) return resolved;
  return { kind: "http", ...resolved };
}

function classify(method: string, path: string): RecordedRequest["wire"] {
  if (method !== "POST") return "other";
  if (path.endsWith("/chat/completions")) return "chat";
  if (path.endsWith("/responses")) return "responses";
  return "other";
}

export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const queue: ScriptEntry[] = [];
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  const reasoningField = options.chatReasoningField ?? "reasoning_content";
  const timers = new Set<NodeJS.Timeout>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  const modelRequests = () => requests.filter((r) => r.wire !== "other");
  /** Out-of-process scripting: `POST /__control/enqueue` (a spec or a list), `GET /__control/requests`. */
  const control = (method: string, path: string, body: unknown, res: http.ServerResponse) => {
    if (method === "POST" && path === `${CONTROL_PREFIX}enqueue` && body !== null) {
      queue.push(...((Array.isArray(body) ? body : [body]) as ScriptEntry[]));
      return sendJson(res, 200, { pending: queue.length });
    }
    if (method === "GET" && path === `${CONTROL_PREFIX}requests`) return sendJson(res, 200, requests);
    return sendJson(res, 404, { error: { message: `no control route ${method} ${path}` } });
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://localhost");
    let body: unknown = null;
    try {
      body = rawBody === "" ? null : JSON.parse(rawBody);
    } catch {
      body = null;
    }
    if (url.pathname.startsWith(CONTROL_PREFIX)) return control(req.method ?? "GET", url.pathname, body, res);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
      rawBody,
      wire: classify(req.method ?? "GET", url.pathname),
    };
    requests.push(recorded);
    for (const wake of waiters) wake();

    if (recorded.wire === "other") {
      if (req.method === "GET" && url.pathname.endsWith("/models")) {
        return sendJson(res, 200, {
          object: "list",
          data: [{ id: "mock-model", object: "model" }],
          models: [],
        });
      }
      return sendJson(res, 404, { error: { message: `no route for ${req.method} ${url.pathname}` } });
    }
    const unresolvable =
      options.strictStoreFalse && recorded.wire === "responses" ? unresolvableReasoningId(body) : null;
    if (unresolvable !== null) {
      return sendJson(res, 404, {
        error: {
          message: unresolvableItemMessage(unresolvable),
          type: "invalid_request_error",
          param: "input",
          code: null,
        },
      });
    }
    const entry = queue.shift() ?? options.fallback;
    if (!entry) {
      const n = modelRequests().length;
      return sendJson(res, 400, {
        error: {
          message: `model-server: no scripted response left for model request #${n}`,
          type: "invalid_request_error",
          code: "mock_queue_empty",
        },
      });
    }
    let spec = normalize(entry, recorded);
    if (options.strictStoreFalse && spec.kind === "turn" && !includesEncryptedReasoning(body)) {
      spec = {
        ...spec,
        outputs: spec.outputs.map((o) => (o.type === "reasoning" ? { ...o, encryptedContent: null } : o)),
      };
    }
    if (spec.kind === "http") {
      const isText = typeof spec.body === "string";
      res.writeHead(spec.status, {
        "content-type": isText ? "text/plain" : "application/json",
        ...(spec.headers ?? {}),
      });
      res.end(spec.body === undefined ? "" : isText ? (spec.body as string) : JSON.stringify(spec.body));
      return;
    }
    const frames =
      spec.kind === "sse"
        ? rawFrames(spec, recorded.wire)
        : recorded.wire === "chat"
          ? chatFrames(spec, recorded, reasoningField)
          : responsesFrames(spec, recorded);
    await writeStream(res, frames, spec, pause);
  };
  const server = options.tls ? https.createServer(options.tls, handle) : http.createServer(handle);

  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const scheme = options.tls ? "https" : "http";
  const origin = `${scheme}://${address.includes(":") ? `[${address}]` : address}:${port}`;

  return {
    url: `${origin}/v1`,
    origin,
    port,
    requests,
    modelRequests,
    enqueue: (...entries) => {
      queue.push(...entries);
    },
    pending: () => queue.length,
    waitForModelRequests: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (modelRequests().length < count) return;
          cleanup();
          resolve(modelRequests());
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `model-server: ${modelRequests().length}/${count} model requests after ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const CONTROL_PREFIX = "/__control/";

/**
 * A `config.toml` pointing keel (or the Codex CLI, same keys) at the server, retries off so a
 * scripting mistake fails fast. `topLevel` adds keys such as `approval_policy` before the table.
 */
export function mockProviderToml(
  url: string,
  options: {
    model?: string;
    providerId?: string;
    requestMaxRetries?: number;
    streamMaxRetries?: number;
    topLevel?: Record<string, string | number | boolean>;
  } = {},
): string {
  const id = options.providerId ?? "mock_provider";
  const extra = Object.entries(options.topLevel ?? {}).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
  return [
    `model = "${options.model ?? "mock-model"}"`,
    `model_provider = "${id}"`,
    ...extra,
    "",
    `[model_providers.${id}]`,
    'name = "Mock provider for tests"',
    `base_url = "${url}"`,
    'wire_api = "responses"',
    `request_max_retries = ${options.requestMaxRetries ?? 0}`,
    `stream_max_retries = ${options.streamMaxRetries ?? 0}`,
    "",
  ].join("\n");
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function writeStream(
  res: http.ServerResponse,
  frames: Frame[],
  controls: StreamControls,
  pause: (ms: number) => Promise<void>,
): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "x-request-id": `req_${hex(16)}`,
    ...(controls.headers ?? {}),
  });
  res.flushHeaders();
  const write = (text: string) =>
    new Promise<void>((resolve) => {
      if (res.destroyed) return resolve();
      res.write(text, () => resolve());
    });
  for (let i = 0; i < frames.length; i++) {
    if (res.destroyed) return;
    if (i === controls.cutAfter) {
      res.socket?.destroy();
      return;
    }
    if (i === controls.stallAfter) {
      if (controls.stallMs === undefined) return; // silent until the client or close() ends it
      await pause(controls.stallMs);
    }
    if (controls.eventDelayMs && i > 0) await pause(controls.eventDelayMs);
    const frame = frames[i]!;
    await write(`${frame.event ? `event: ${frame.event}\n` : ""}data: ${frame.data}\n\n`);
  }
  if (controls.cutAfter !== undefined && controls.cutAfter >= frames.length) {
    res.socket?.destroy();
    return;
  }
  res.end();
}
