import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach } from "vitest";
import { WebSocket } from "ws";
import { attachEngine, type EngineOptions } from "../../src/app-server/engine/index.js";
import { type AppServer, createAppServer } from "../../src/app-server/index.js";
import { createInProcessTransport } from "../../src/app-server/transports/in-process.js";
import { type ModelServer, mockProviderToml, startModelServer, textTurn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { SchemaChecker } from "./schemas.js";

export const keelBin = path.resolve(import.meta.dirname, "../../bin/keel");

// biome-ignore lint/suspicious/noExplicitAny: JSON messages from the wire
export type Message = Record<string, any> & { id?: string | number; method?: string };

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) {
    try {
      await cleanup.pop()!();
    } catch {
      // keep tearing down
    }
  }
});

/**
 * One client connection, whatever the transport: everything received is kept (for the schema
 * check) and waited on by predicate; requests get increasing ids.
 */
export class Peer {
  readonly received: Message[] = [];
  private readonly unread: Message[] = [];
  private waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  private nextId = 1;
  /** Method of each request this peer sent, by id (to validate responses). */
  readonly sentMethods = new Map<string | number, string>();

  constructor(
    private readonly write: (message: unknown) => void,
    private readonly end: () => void,
    readonly label: string,
  ) {}

  receive(message: Message): void {
    this.received.push(message);
    const waiter = this.waiters.find((w) => w.match(message));
    if (waiter) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    } else {
      this.unread.push(message);
    }
  }

  send(message: Message): void {
    if (message.id !== undefined && message.method !== undefined)
      this.sentMethods.set(message.id, message.method);
    this.write(message);
  }

  /** The next unread message matching `match` (waits for it). */
  next(match: (m: Message) => boolean, timeoutMs = 15_000): Promise<Message> {
    const index = this.unread.findIndex(match);
    if (index !== -1) return Promise.resolve(this.unread.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${this.label}: timed out; unread: ${JSON.stringify(this.unread.map((m) => m.method ?? m.id))}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  notification(method: string, where: (params: Message) => boolean = () => true, timeoutMs?: number) {
    return this.next((m) => m.method === method && m.id === undefined && where(m.params), timeoutMs);
  }

  serverRequest(method: string, timeoutMs?: number): Promise<Message> {
    return this.next((m) => m.method === method && m.id !== undefined, timeoutMs);
  }

  /** Sends a request and resolves with the whole response message. */
  async call(method: string, params?: unknown): Promise<Message> {
    const id = this.nextId++;
    this.send(params === undefined ? { id, method } : { id, method, params });
    return this.next((m) => m.id === id && m.method === undefined);
  }

  /** Sends a request; resolves with `result`, rejects with the error message. */
  async request(method: string, params?: unknown): Promise<Message> {
    const response = await this.call(method, params);
    if (response.error) throw new Error(`${method}: ${response.error.message}`);
    return response.result;
  }

  async initialize(
    name = "keel_engine_test",
    capabilities: unknown = { experimentalApi: true },
  ): Promise<Message> {
    const result = await this.request("initialize", {
      clientInfo: { name, title: null, version: "1.0.0" },
      capabilities,
    });
    this.send({ method: "initialized" });
    return result;
  }

  /** Everything received so far, in order, by method (responses as `#id`). */
  trail(): string[] {
    return this.received.map((m) => m.method ?? `#${m.id}`);
  }

  /** Drops unread notifications (keeps the record used by the schema check). */
  drain(): void {
    this.unread.length = 0;
  }

  close(): void {
    this.end();
  }
}

/** A model server, and a KEEL_HOME whose config.toml points at it, plus a workspace. */
export interface Fixture {
  model: ModelServer;
  home: string;
  workspace: string;
  env: Record<string, string>;
  checker: SchemaChecker;
}

export async function fixture(
  options: {
    topLevel?: Record<string, string | number | boolean>;
    extraToml?: string;
    requirements?: string;
  } = {},
): Promise<Fixture> {
  const model = await startModelServer();
  cleanup.push(() => model.close());
  const home = tempDir("keel-engine-home-");
  const workspace = path.join(tempDir("keel-engine-ws-"), "project");
  fs.mkdirSync(path.join(workspace, ".git"), { recursive: true });
  fs.writeFileSync(
    path.join(home, "config.toml"),
    mockProviderToml(model.url, { topLevel: { approval_policy: "on-request", ...options.topLevel } }) +
      (options.extraToml ?? ""),
  );
  const requirementsFile = path.join(home, "requirements.toml");
  if (options.requirements !== undefined) fs.writeFileSync(requirementsFile, options.requirements);
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    KEEL_HOME: home,
    KEEL_REQUIREMENTS_FILE: requirementsFile,
    KEEL_SYSTEM_CONFIG_FILE: path.join(home, "no-system-config.toml"),
    SHELL: "/bin/bash",
  };
  return { model, home, workspace, env, checker: await SchemaChecker.create() };
}

/** `keel app-server` over stdio as a child process. */
export function stdioServer(
  fx: Fixture,
  label = "stdio",
  bin = keelBin,
): { peer: Peer; child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(bin, ["app-server"], {
    env: fx.env,
    cwd: fx.workspace,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const peer = new Peer(
    (m) => child.stdin!.write(`${JSON.stringify(m)}\n`),
    () => child.stdin!.end(),
    label,
  );
  let buffer = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf("\n"); nl !== -1; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim() !== "") peer.receive(JSON.parse(line));
    }
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  cleanup.push(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  fx.checker.track(peer);
  Object.defineProperty(peer, "stderr", { get: () => stderr });
  return { peer, child, exited };
}

/**
 * `keel app-server --listen ws://127.0.0.1:0` (or `listen`, e.g. `unix://PATH`, plus `args`);
 * `connect()` opens a new connection, sending `headers` with the upgrade.
 */
export async function wsServer(
  fx: Fixture,
  options: { listen?: string; args?: readonly string[]; headers?: Record<string, string> } = {},
): Promise<{ url: string; child: ChildProcess; connect: (label?: string) => Promise<Peer> }> {
  const listen = options.listen ?? "ws://127.0.0.1:0";
  const child = spawn(keelBin, ["app-server", "--listen", listen, ...(options.args ?? [])], {
    env: fx.env,
    cwd: fx.workspace,
    stdio: ["ignore", "ignore", "pipe"],
  });
  cleanup.push(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${stderr}`)), 15_000);
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const match = /listening on: (\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  const connect = async (label = "ws") => {
    const target = url.startsWith("unix://") ? `ws+unix://${url.slice("unix://".length)}:/` : url;
    const socket = new WebSocket(target, { headers: options.headers });
    const peer = new Peer(
      (m) => socket.send(JSON.stringify(m)),
      () => socket.close(),
      label,
    );
    socket.on("message", (data) => peer.receive(JSON.parse(data.toString())));
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    cleanup.push(() => socket.close());
    fx.checker.track(peer);
    return peer;
  };
  return { url, child, connect };
}

/** The server in this process (in-process transport), with the engine attached. */
export function inProcessServer(
  fx: Fixture,
  options: EngineOptions = {},
): { server: AppServer; connect: (label?: string) => Peer } {
  const server = createAppServer({ home: fx.home, cwd: fx.workspace });
  attachEngine(server, { env: fx.env, ...options });
  cleanup.push(() => server.close());
  const connect = (label = "in-process") => {
    const link = createInProcessTransport(label);
    server.attach(link.server);
    const peer = new Peer(
      (m) => link.client.send(m),
      () => link.client.close(),
      label,
    );
    link.client.onMessage((m) => peer.receive(m as Message));
    fx.checker.track(peer);
    return peer;
  };
  return { server, connect };
}

export const text = (t: string) => [{ type: "text", text: t, text_elements: [] }];

/** Waits for `turn/completed` of `turnId` on `peer`. */
export function turnCompleted(peer: Peer, turnId?: string, timeoutMs?: number): Promise<Message> {
  return peer.notification("turn/completed", (p) => turnId === undefined || p.turn.id === turnId, timeoutMs);
}

/** Queues a text answer, starts a turn with `prompt` and waits for it to complete; its turn id. */
export async function runTextTurn(
  fx: Fixture,
  peer: Peer,
  threadId: string,
  prompt: string,
  answer: string,
): Promise<string> {
  fx.model.enqueue(textTurn(answer));
  const { turn } = await peer.request("turn/start", { threadId, input: text(prompt) });
  await turnCompleted(peer, turn.id);
  return turn.id as string;
}
