import fs from "node:fs";
import path from "node:path";
import { afterEach } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { type Event, type EventMsg, EventSchema } from "../../src/protocol/events.js";
import { FileThreadStore } from "../../src/rollout/store.js";
import {
  SessionManager,
  sessionOptionsFromConfig,
  type ThreadOptions,
  type ToolRouter,
} from "../../src/session/index.js";
import { type ModelServer, type ModelServerOptions, startModelServer } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";

export interface HarnessOptions {
  /** Extra config.toml text appended after the provider setup. */
  configToml?: string;
  requirementsToml?: string;
  /** Files to create under the project (relative path → content). */
  projectFiles?: Record<string, string>;
  homeFiles?: Record<string, string>;
  noStore?: boolean;
  /** `model` in config.toml (default "mock-model", which the catalog does not know). */
  model?: string;
  /** Options of the scripted model server (e.g. `strictStoreFalse`). */
  server?: ModelServerOptions;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

export interface Harness {
  server: ModelServer;
  home: string;
  project: string;
  store: FileThreadStore | undefined;
  manager: SessionManager;
  /** Every event of every thread, in order. */
  events: { threadId: string; event: Event }[];
  options(
    extra?: Partial<ThreadOptions> & {
      router?: ToolRouter;
      underDevelopmentFeatures?: string[];
      cwd?: string;
    },
  ): ThreadOptions;
  msgs(threadId: string): EventMsg[];
  waitFor(threadId: string, predicate: (msg: EventMsg) => boolean, timeoutMs?: number): Promise<EventMsg>;
}

export async function harness(opts: HarnessOptions = {}): Promise<Harness> {
  const server = await startModelServer(opts.server);
  const home = tempDir("keel-home-");
  const project = path.join(tempDir("keel-proj-"), "repo");
  fs.mkdirSync(path.join(project, ".git"), { recursive: true });
  for (const [rel, text] of Object.entries(opts.projectFiles ?? {})) write(path.join(project, rel), text);
  for (const [rel, text] of Object.entries(opts.homeFiles ?? {})) write(path.join(home, rel), text);
  write(
    path.join(home, "config.toml"),
    `model = "${opts.model ?? "mock-model"}"\nmodel_provider = "mock"\n${opts.configToml ?? ""}\n` +
      `[model_providers.mock]\nname = "mock"\nbase_url = "${server.url}"\nwire_api = "responses"\n` +
      "request_max_retries = 0\nstream_max_retries = 0\n",
  );
  let requirementsFile: string | null = null;
  if (opts.requirementsToml !== undefined) {
    requirementsFile = path.join(home, "requirements.toml");
    write(requirementsFile, opts.requirementsToml);
  }
  const store = opts.noStore ? undefined : new FileThreadStore({ home, reconcileOnOpen: false });
  const events: { threadId: string; event: Event }[] = [];
  const waiters = new Set<() => void>();
  const invalid: string[] = [];
  const manager = new SessionManager({
    store,
    onEvent: (threadId, event) => {
      events.push({ threadId, event });
      const parsed = EventSchema.safeParse(event);
      if (!parsed.success) invalid.push(`${event.msg.type}: ${parsed.error.message}`);
      for (const w of [...waiters]) w();
    },
  });
  cleanups.push(async () => {
    await manager.shutdownAll();
    await store?.close();
    await server.close();
    // Every event a session emits must match the published union.
    if (invalid.length > 0) throw new Error(`events outside the schema:\n${invalid.join("\n")}`);
  });

  const msgs = (threadId: string) => events.filter((e) => e.threadId === threadId).map((e) => e.event.msg);
  return {
    server,
    home,
    project,
    store,
    manager,
    events,
    msgs,
    options(extra = {}) {
      const { router, underDevelopmentFeatures, cwd, ...rest } = extra;
      const loaded = loadConfig({
        keelHome: home,
        processCwd: project,
        systemConfigFile: path.join(home, "no-system-config.toml"),
        requirementsFile,
        env: {},
        home,
        overrides: cwd ? { cwd } : {},
      });
      return {
        ...sessionOptionsFromConfig(loaded, { processCwd: project, underDevelopmentFeatures }),
        toolRouter: router ?? null,
        userShell: "/bin/bash",
        timezone: "UTC",
        ...rest,
      };
    },
    waitFor(threadId, predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          const list = msgs(threadId);
          for (; seen < list.length; seen++) {
            if (predicate(list[seen]!)) {
              cleanup();
              resolve(list[seen]!);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `timed out waiting for an event; got ${msgs(threadId)
                .map((m) => m.type)
                .join(", ")}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

export const text = (t: string) => [{ type: "text" as const, text: t }];

export const isType =
  <T extends EventMsg["type"]>(type: T) =>
  (msg: EventMsg): msg is Extract<EventMsg, { type: T }> =>
    msg.type === type;

/** Rollout lines of a file as parsed JSON. */
export function rolloutLines(file: string): { type: string; payload: Record<string, unknown> }[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

/** Text of every message in a request body's `input`, by role. */
// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
export function inputTexts(body: any, role?: string): string[] {
  return (body.input as { type: string; role?: string; content?: { text?: string }[] }[])
    .filter((i) => i.type === "message" && (role === undefined || i.role === role))
    .map((i) => (i.content ?? []).map((c) => c.text ?? "").join(""));
}
