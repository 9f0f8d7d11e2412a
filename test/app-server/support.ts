import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { WebSocket } from "ws";

export const keelBin = path.resolve(import.meta.dirname, "../../bin/keel");

export type Message = Record<string, unknown> & { id?: string | number; method?: string };

/** Collects JSON messages and resolves waiters by predicate. */
class Inbox {
  readonly received: Message[] = [];
  private waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];

  push(message: Message): void {
    this.received.push(message);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(message)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  }

  next(match: (m: Message) => boolean, timeoutMs = 10_000): Promise<Message> {
    const found = this.received.find(match);
    if (found) {
      this.received.splice(this.received.indexOf(found), 1);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out waiting for a message")), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          this.received.splice(this.received.indexOf(m), 1);
          resolve(m);
        },
      });
    });
  }
}

/** A keel app-server child process spoken to over stdio (JSONL). */
export class StdioServer {
  readonly child: ChildProcess;
  readonly inbox = new Inbox();
  stderr = "";
  readonly exited: Promise<number | null>;
  private buffer = "";

  constructor(home: string, args: string[] = [], cwd?: string) {
    this.child = spawn(keelBin, ["app-server", ...args], {
      env: { ...process.env, KEEL_HOME: home, TERM: "xterm", TERM_PROGRAM: "" },
      cwd: cwd ?? home,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (chunk: string) => {
      this.buffer += chunk;
      let newline = this.buffer.indexOf("\n");
      while (newline !== -1) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        if (line.trim() !== "") this.inbox.push(JSON.parse(line) as Message);
        newline = this.buffer.indexOf("\n");
      }
    });
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  writeLine(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  send(message: unknown): void {
    this.writeLine(JSON.stringify(message));
  }

  /** Sends a request and waits for the response with the same id. */
  async request(id: string | number, method: string, params?: unknown): Promise<Message> {
    this.send(params === undefined ? { id, method } : { id, method, params });
    return this.inbox.next((m) => m.id === id && m.method === undefined);
  }

  async initialize(capabilities: unknown = { experimentalApi: true }): Promise<Message> {
    const response = await this.request(0, "initialize", {
      clientInfo: { name: "keel_test", title: "Keel Test", version: "9.9.9" },
      capabilities,
    });
    this.send({ method: "initialized" });
    return response;
  }

  async stop(): Promise<number | null> {
    this.child.stdin!.end();
    return this.exited;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

/** Starts a server with a WebSocket-style --listen and returns the URL from its banner. */
export async function startListeningServer(
  home: string,
  listen: string,
  extraArgs: readonly string[] = [],
): Promise<{ child: ChildProcess; url: string; stderr: () => string; exited: Promise<number | null> }> {
  const child = spawn(keelBin, ["app-server", "--listen", listen, ...extraArgs], {
    env: { ...process.env, KEEL_HOME: home },
    cwd: home,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner; stderr: ${stderr}`)), 10_000);
    child.stderr!.on("data", (chunk: string) => {
      stderr += chunk;
      const match = /listening on: (\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on("exit", () => reject(new Error(`server exited; stderr: ${stderr}`)));
  });
  return { child, url, stderr: () => stderr, exited };
}

/** A WebSocket client speaking the protocol, one JSON message per text frame. */
export class WsClient {
  readonly inbox = new Inbox();
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  upgradeHeaders: Record<string, string | string[] | undefined> = {};

  constructor(readonly socket: WebSocket) {
    socket.on("message", (data, isBinary) => {
      if (!isBinary) this.inbox.push(JSON.parse(data.toString()) as Message);
    });
    socket.on("upgrade", (response) => {
      this.upgradeHeaders = response.headers;
    });
    this.opened = new Promise((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    this.closed = new Promise((resolve) => socket.once("close", (code) => resolve(code)));
  }

  static async connect(url: string): Promise<WsClient> {
    const client = new WsClient(new WebSocket(url, { maxPayload: 128 * 1024 * 1024 }));
    await client.opened;
    return client;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  async request(id: string | number, method: string, params?: unknown): Promise<Message> {
    this.send(params === undefined ? { id, method } : { id, method, params });
    return this.inbox.next((m) => m.id === id && m.method === undefined);
  }

  async initialize(name = "ws_test"): Promise<Message> {
    const response = await this.request(1, "initialize", {
      clientInfo: { name, title: null, version: "1.0.0" },
      capabilities: { experimentalApi: true },
    });
    this.send({ method: "initialized" });
    return response;
  }

  close(): void {
    this.socket.close();
  }
}

/** A JSON line of exactly `bytes` bytes carrying `id` (padding inside params). */
export function oversizedRequest(id: number | string, bytes: number): string {
  const head = `{"method":"thread/start","id":${JSON.stringify(id)},"params":{"baseInstructions":"`;
  const tail = `"}}`;
  return head + "x".repeat(bytes - head.length - tail.length) + tail;
}
