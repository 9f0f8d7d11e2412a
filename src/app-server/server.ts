import { KEEL_VERSION } from "../cli/version.js";
import { Connection } from "./connection.js";
import { type LoadedThreads, type ServerContext, noLoadedThreads } from "./context.js";
import { defaultHandlerModules } from "./handlers/index.js";
import { type HandlerModule, Router } from "./router.js";
import { ThreadSubscriptions } from "./subscriptions.js";
import { DEFAULT_MAX_MESSAGE_BYTES, type Logger, type MessageTransport } from "./transport.js";
import { type PlatformInfo, detectPlatform } from "./user-agent.js";
import { errorMessage } from "../lib/errors.js";

export interface AppServerOptions {
  /** keel home; reported as `codexHome`. */
  readonly home: string;
  /** Directory the server runs in. */
  readonly cwd: string;
  readonly version?: string;
  readonly platform?: PlatformInfo;
  /** User-agent terminal token; the CLI passes `describeTerminal(process.env)`. */
  readonly terminal?: string;
  /** Log sink (stderr in the CLI). */
  readonly log?: Logger;
  readonly maxMessageBytes?: number;
  readonly maxInFlightRequests?: number;
  readonly loadedThreads?: LoadedThreads;
  /** Handler modules registered after the defaults (replacing methods they share). */
  readonly handlers?: readonly HandlerModule[];
}

/**
 * The protocol server: accepts connections from any transport, routes their requests and owns
 * the thread subscription table. The session engine plugs in through `router` (handlers),
 * `subscriptions` (fan-out) and `setLoadedThreads`.
 */
export class AppServer implements ServerContext {
  readonly home: string;
  readonly cwd: string;
  readonly version: string;
  readonly platform: PlatformInfo;
  readonly terminal: string;
  readonly maxMessageBytes: number;
  readonly router: Router;
  readonly subscriptions: ThreadSubscriptions;
  private readonly live = new Set<Connection>();
  private readonly connectionListeners = new Set<(connection: Connection) => void>();
  private readonly shutdownHooks: (() => void | Promise<void>)[] = [];
  private readonly logger: Logger;
  private readonly maxInFlightRequests: number | undefined;
  private loaded: LoadedThreads;
  private nextConnectionId = 1;
  private closing: Promise<void> | undefined;

  constructor(options: AppServerOptions) {
    this.home = options.home;
    this.cwd = options.cwd;
    this.version = options.version ?? KEEL_VERSION;
    this.platform = options.platform ?? detectPlatform();
    this.terminal = options.terminal ?? "unknown";
    this.logger = options.log ?? (() => {});
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxInFlightRequests = options.maxInFlightRequests;
    this.loaded = options.loadedThreads ?? noLoadedThreads;
    this.subscriptions = new ThreadSubscriptions(() => this.live);
    this.router = new Router(this, [...defaultHandlerModules, ...(options.handlers ?? [])]);
  }

  get connections(): ReadonlySet<Connection> {
    return this.live;
  }

  get loadedThreads(): LoadedThreads {
    return this.loaded;
  }

  setLoadedThreads(view: LoadedThreads): void {
    this.loaded = view;
  }

  log(line: string): void {
    this.logger(line);
  }

  /** Serves one client over `transport` until either side closes it. */
  attach(transport: MessageTransport): Connection {
    const connection = new Connection({
      id: this.nextConnectionId++,
      transport,
      handler: this.router,
      log: (line) => this.logger(`[${transport.description}] ${line}`),
      maxMessageBytes: this.maxMessageBytes,
      ...(this.maxInFlightRequests === undefined ? {} : { maxInFlightRequests: this.maxInFlightRequests }),
    });
    if (this.closing !== undefined) {
      connection.close();
      return connection;
    }
    this.live.add(connection);
    connection.onClose(() => this.live.delete(connection));
    for (const listener of this.connectionListeners) listener(connection);
    return connection;
  }

  onConnection(listener: (connection: Connection) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** Runs before connections are closed on shutdown (the engine flushes rollouts here). */
  onShutdown(hook: () => void | Promise<void>): void {
    this.shutdownHooks.push(hook);
  }

  /** Closes every connection after running the shutdown hooks. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const hook of this.shutdownHooks) {
        try {
          await hook();
        } catch (error) {
          this.logger(`shutdown hook failed: ${errorMessage(error)}`);
        }
      }
      for (const connection of [...this.live]) connection.close();
    })();
    return this.closing;
  }
}

export function createAppServer(options: AppServerOptions): AppServer {
  return new AppServer(options);
}
