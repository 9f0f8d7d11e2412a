import type { Readable, Writable } from "node:stream";
import { isLoopback, type ListenSpec, parseListenUrl } from "./listen.js";
import type { ClientRequestMethod } from "../protocol/v2/registry.js";
import type { Engine, EngineOptions } from "./engine/engine.js";
import { ENGINE_METHODS } from "./engine/methods.js";
import type { HandlerTable, RequestContext, RequestHandler } from "./router.js";
import { type AppServer, type AppServerOptions, createAppServer } from "./server.js";
import { StdioTransport } from "./transports/stdio.js";
import { prepareWeb, type WebOptions, webBannerLine } from "./web/serve.js";
import { type WsAuthFlags, type WsAuthPolicy, resolveWsAuth } from "./ws-auth.js";
import { type WsLimitFlags, resolveWsLimits } from "./ws-limits.js";

export interface RunAppServerOptions extends AppServerOptions {
  /** `--listen` value; stdio by default. */
  readonly listen?: string;
  readonly stdin: Readable;
  readonly stdout: Writable;
  /** Banner and logs. */
  readonly stderr: Writable;
  /** Resolves when the server should stop (signals); stdio also stops at end of input. */
  readonly stopSignal?: Promise<unknown>;
  /** The session engine's options (the CLI passes its environment); `false` serves the protocol only. */
  readonly engine?: EngineOptions | false;
  /** Called once the server exists, before clients are accepted (the engine may still be loading). */
  readonly onReady?: (server: AppServer, listen: ListenSpec) => void | Promise<void>;
  /** `--ws-auth` and the flags that go with it (TCP WebSocket listeners only). */
  readonly wsAuth?: WsAuthFlags;
  /** `--ws-max-*` and `--ws-*-timeout-seconds`. */
  readonly wsLimits?: WsLimitFlags;
  /** `keel web` / `--web`: serve the page on the same port, with a generated capability token. */
  readonly web?: WebOptions;
}

/**
 * Attaches the session engine without delaying the handshake: its module (sessions, rollouts,
 * SQLite) loads in the background while `initialize` is answered; an engine request that arrives
 * earlier waits for it.
 */
function deferEngine(
  server: AppServer,
  options: EngineOptions,
  log: (line: string) => void,
): Promise<Engine> {
  const loading = import("./engine/index.js").then(({ attachEngine }) => attachEngine(server, options));
  loading.catch((error: unknown) => log(`the session engine failed to load: ${String(error)}`));
  const handlers = Object.fromEntries(
    ENGINE_METHODS.map((method) => [
      method,
      async (params: unknown, context: RequestContext) => {
        const handler = (await loading).handlers[method] as RequestHandler<ClientRequestMethod>;
        return handler(params as never, context);
      },
    ]),
  ) as HandlerTable;
  server.router.registerModule({ resource: "engine (loading)", handlers });
  return loading;
}

/** Runs the app-server on the chosen transport until it is told to stop. */
export async function runAppServer(options: RunAppServerOptions): Promise<void> {
  const log = options.log ?? ((line: string) => options.stderr.write(`${line}\n`));
  const listen = parseListenUrl(options.listen ?? "stdio://", { home: options.home, cwd: options.cwd });
  // Flags are checked before anything starts: a typo must not leave an open server behind.
  const auth = resolveWsAuth(options.wsAuth ?? {}, options.cwd);
  const limits = resolveWsLimits(options.wsLimits ?? {});
  const web = options.web === undefined ? undefined : prepareWeb(options.web, listen, auth);
  if (listen.kind !== "tcp") {
    // A unix socket is private already (mode 0600), and the Codex TUI sends no token over unix://.
    if (auth !== null) throw new Error("--ws-auth needs a TCP WebSocket listener (--listen ws://IP:PORT)");
  } else if (auth === null && web === undefined && !isLoopback(listen.host)) {
    throw new Error(
      `refusing to start non-loopback websocket listener ${listen.host}:${listen.port} without auth; configure \`--ws-auth capability-token\` or \`--ws-auth signed-bearer-token\``,
    );
  }
  const server = createAppServer({ ...options, log });
  const engine = options.engine === false ? null : deferEngine(server, options.engine ?? {}, log);
  await options.onReady?.(server, listen);

  if (listen.kind === "stdio") {
    const connection = server.attach(
      new StdioTransport(options.stdin, options.stdout, log, server.maxMessageBytes),
    );
    const ended = new Promise<void>((resolve) => connection.onClose(resolve));
    await Promise.race([ended, options.stopSignal]);
    await server.close();
    return;
  }
  if (listen.kind === "off") {
    options.stderr.write("keel app-server: no local transport (--listen off)\n");
    await options.stopSignal;
    await server.close();
    return;
  }
  // Loaded only here: stdio servers never pay for `ws` and `http`.
  const { listenWebSocket } = await import("./transports/websocket.js");
  const listener = await listenWebSocket(server, listen, log, {
    auth,
    limits,
    ...(web === undefined ? {} : { web: { root: web.root, access: web.access } }),
  });
  // Other servers sharing the store name this address when they refuse one of our threads.
  if (listen.kind === "tcp")
    void engine?.then(
      (e) => e.store.cluster?.announce(listener.url),
      () => {},
    );
  const lines = ["keel app-server (WebSockets)", `  listening on: ${listener.url}`];
  if (listen.kind === "tcp") lines.push(`  readyz: ${listener.url.replace(/^ws:/, "http:")}/readyz`);
  const pageUrl = web === undefined ? undefined : webBannerLine(listener.url, web.token);
  if (pageUrl === undefined) lines.push(securityNote(listen.kind, auth));
  else lines.push("  auth: the capability token in the page URL", `keel web: ${pageUrl}`);
  // One write: a reader that sees the banner sees the page URL too.
  options.stderr.write(`${lines.join("\n")}\n`);
  if (pageUrl !== undefined) options.web?.onUrl?.(pageUrl);
  await options.stopSignal;
  await server.close();
  await listener.close();
}

/** The banner's last line: who can drive this server. */
function securityNote(kind: "tcp" | "unix", auth: WsAuthPolicy | null): string {
  if (auth !== null) return `  auth: ${auth.kind} (an upgrade without a valid bearer token gets 401)`;
  if (kind === "unix") return "  auth: none; the socket is mode 0600, so only this user can connect";
  return (
    "  WARNING: no --ws-auth: any local user can connect to this port and run commands as this user; " +
    "use --ws-auth capability-token --ws-token-file PATH (see keel app-server --help)"
  );
}
