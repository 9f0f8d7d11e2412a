import { afterEach, describe, expect, it } from "vitest";
import { OPENAI_DEFAULT_MODEL } from "../../src/config/default-model.js";
import { tempDir } from "../support/tmp.js";
import { StdioServer, oversizedRequest } from "./support.js";

const servers: StdioServer[] = [];
function start(args: string[] = []): { server: StdioServer; home: string } {
  const home = tempDir("keel-app-server-");
  const server = new StdioServer(home, args);
  servers.push(server);
  return { server, home };
}

afterEach(() => {
  for (const server of servers.splice(0)) server.kill();
});

describe("app-server over stdio", () => {
  it("completes the handshake with Codex's initialize result", async () => {
    const { server, home } = start();
    const response = await server.initialize();
    expect(response).toEqual({
      id: 0,
      result: {
        userAgent: expect.stringMatching(
          /^keel_test\/\d+\.\d+\.\d+ \(.+; [\w-]+\) xterm \(keel_test; 9\.9\.9\)$/,
        ),
        codexHome: home,
        platformFamily: "unix",
        platformOs: process.platform === "darwin" ? "macos" : "linux",
      },
    });
    expect(response).not.toHaveProperty("jsonrpc");
    // The `initialized` notification gets no answer; the next request is served.
    expect(await server.request(1, "configRequirements/read")).toEqual({
      id: 1,
      result: { requirements: null },
    });
  });

  it("answers every request before initialize with Not initialized", async () => {
    const { server } = start();
    expect(await server.request(7, "thread/list", {})).toEqual({
      id: 7,
      error: { code: -32600, message: "Not initialized" },
    });
    expect(await server.request(8, "account/read", { refreshToken: false })).toEqual({
      id: 8,
      error: { code: -32600, message: "Not initialized" },
    });
    await server.initialize();
    expect(await server.request(9, "account/read", { refreshToken: false })).toEqual({
      id: 9,
      // The default provider is `openai`, which needs OpenAI auth; KEEL_HOME holds no auth.json.
      result: { account: null, userId: null, requiresOpenaiAuth: true, workspaceRouting: null },
    });
  });

  it("rejects a second initialize and keeps the first capabilities", async () => {
    const { server } = start();
    await server.initialize({ experimentalApi: false });
    const again = await server.request(8, "initialize", {
      clientInfo: { name: "x", title: null, version: "1" },
      capabilities: { experimentalApi: true },
    });
    expect(again).toEqual({ id: 8, error: { code: -32600, message: "Already initialized" } });
    expect(await server.request(9, "collaborationMode/list", {})).toEqual({
      id: 9,
      error: { code: -32600, message: "collaborationMode/list requires experimentalApi capability" },
    });
  });

  it("answers an unknown method with Codex's unknown-variant message", async () => {
    const { server } = start();
    await server.initialize();
    const response = await server.request(3, "does/notExist", {});
    const error = response.error as { code: number; message: string };
    expect(error.code).toBe(-32600);
    expect(error.message).toMatch(
      /^Invalid request: unknown variant `does\/notExist`, expected one of `initialize`, `thread\/start`, /,
    );
  });

  // Messages checked against a live Codex 0.169 app-server.
  it("renders invalid params as serde-style messages", async () => {
    const { server } = start();
    await server.initialize();
    expect(await server.request(4, "turn/start", { threadId: "t" })).toEqual({
      id: 4,
      error: { code: -32600, message: "Invalid request: missing field `input`" },
    });
    expect(await server.request(5, "thread/unsubscribe", {})).toEqual({
      id: 5,
      error: { code: -32600, message: "Invalid request: missing field `threadId`" },
    });
    expect(await server.request(6, "thread/start", { sandbox: "everything" })).toEqual({
      id: 6,
      error: {
        code: -32600,
        message:
          "Invalid request: unknown variant `everything`, expected one of `read-only`, `workspace-write`, `danger-full-access`",
      },
    });
    expect(await server.request(7, "thread/read", { threadId: 42 })).toEqual({
      id: 7,
      error: {
        code: -32600,
        message: "Invalid request: invalid type: integer `42`, expected a string",
      },
    });
  });

  it("validates params before looking at the handshake state, like Codex", async () => {
    const { server } = start();
    const response = await server.request(1, "initialize", { capabilities: null });
    expect(response).toEqual({
      id: 1,
      error: { code: -32600, message: "Invalid request: missing field `clientInfo`" },
    });
    // The failed initialize did not initialize the connection.
    expect((await server.request(2, "skills/list", {})).error).toEqual({
      code: -32600,
      message: "Not initialized",
    });
  });

  it("gates experimental methods, fields and enum variants", async () => {
    const { server } = start();
    await server.initialize({ experimentalApi: false, optOutNotificationMethods: null });
    const message = async (id: number, method: string, params: unknown) =>
      ((await server.request(id, method, params)).error as { message: string }).message;
    expect(await message(1, "thread/start", { mockExperimentalField: "x" })).toBe(
      "thread/start.mockExperimentalField requires experimentalApi capability",
    );
    expect(await message(2, "thread/start", { permissions: ":workspace" })).toBe(
      "thread/start.permissions requires experimentalApi capability",
    );
    const granular = { granular: { sandbox_approval: true, rules: true, mcp_elicitations: false } };
    expect(await message(3, "thread/start", { approvalPolicy: granular })).toBe(
      "askForApproval.granular requires experimentalApi capability",
    );
    // Defaults sent by non-experimental clients (false / null) are not "using" the field.
    const started = await server.request(4, "thread/start", {
      experimentalRawEvents: false,
      dynamicTools: null,
    });
    expect(started.result).toMatchObject({ model: OPENAI_DEFAULT_MODEL, modelProvider: "openai" });
  });

  it("rejects ambiguous permission fields before anything else", async () => {
    const { server } = start();
    await server.initialize();
    const message = async (id: number, method: string, params: unknown) =>
      ((await server.request(id, method, params)).error as { message: string }).message;
    const profile = { network: { enabled: false }, fileSystem: { entries: [] } };
    expect(await message(1, "thread/start", { permissionProfile: profile, sandbox: "read-only" })).toBe(
      "`permissionProfile` cannot be combined with `sandbox`",
    );
    expect(
      await message(2, "thread/resume", { threadId: "t", permissions: ":workspace", sandbox: "read-only" }),
    ).toBe("`permissions` cannot be combined with `sandbox`");
    expect(
      await message(3, "turn/start", {
        threadId: "t",
        input: [],
        permissionProfile: profile,
        sandboxPolicy: { type: "dangerFullAccess" },
      }),
    ).toBe("`permissionProfile` cannot be combined with `sandboxPolicy`");
    // The 0.124 TUI sends `permissionProfile: null` next to `sandbox`: not a conflict.
    const started = await server.request(4, "thread/start", {
      permissionProfile: null,
      sandbox: "read-only",
    });
    expect(started.result).toMatchObject({ sandbox: { type: "readOnly" } });
  });

  it("ignores unknown request fields and accepts null or absent params", async () => {
    const { server } = start();
    await server.initialize();
    expect(
      await server.request(1, "permissionProfile/list", { cursor: null, limit: 2, somethingNew: { a: 1 } }),
    ).toEqual({
      id: 1,
      result: {
        data: [
          { id: ":read-only", description: null, allowed: true },
          { id: ":workspace", description: null, allowed: true },
        ],
        nextCursor: "2",
      },
    });
    expect(await server.request(2, "configRequirements/read", null)).toEqual({
      id: 2,
      result: { requirements: null },
    });
    expect(await server.request(3, "account/bedrock/checkGovCloudRequirements")).toEqual({
      id: 3,
      result: { isGovCloud: false, shouldWarn: false },
    });
  });

  it("echoes string and integer ids with their type and accepts the jsonrpc member", async () => {
    const { server } = start();
    server.send({
      jsonrpc: "2.0",
      id: "initialize",
      method: "initialize",
      params: { clientInfo: { name: "c", version: "1" } },
    });
    const init = await server.inbox.next((m) => m.id === "initialize");
    expect(init).toHaveProperty("result.codexHome");
    expect(await server.request("str-id-1", "skills/list", { cwds: ["/w"] })).toEqual({
      id: "str-id-1",
      result: { data: [{ cwd: "/w", skills: [], errors: [] }] },
    });
    expect(await server.request(5, "mcpServerStatus/list", {})).toEqual({
      id: 5,
      result: { data: [], nextCursor: null },
    });
    // "5" and 5 are different ids.
    expect(await server.request("5", "app/list", {})).toEqual({
      id: "5",
      result: { data: [], nextCursor: null },
    });
  });

  it("answers a request whose id is of an invalid type with an error whose id is null", async () => {
    const { server } = start();
    await server.initialize();
    const cases: [string, string][] = [
      ["null", "null"],
      ["1.5", "a number with a fraction (1.5)"],
      ["1e300", "an integer beyond 2^53-1 (1e+300)"],
      ["9007199254740993", "an integer beyond 2^53-1 (9007199254740992)"],
      ["true", "a boolean (true)"],
      ['{"n":1}', "an object"],
      ["[1]", "an array"],
    ];
    for (const [id, got] of cases) {
      server.writeLine(`{"id": ${id}, "method": "skills/list", "params": {}}`);
      expect(await server.inbox.next((m) => m.id === null)).toEqual({
        jsonrpc: "2.0",
        id: null,
        error: {
          code: -32600,
          message: `Invalid request: \`id\` must be a string or an integer, got ${got}`,
        },
      });
    }
    expect(await server.request(2, "app/list", {})).toMatchObject({ id: 2, result: { data: [] } });
    expect(server.inbox.received).toEqual([]);
  });

  it("answers a request with a usable id but a malformed envelope with -32600 and that id", async () => {
    const { server } = start();
    await server.initialize();
    server.writeLine('{"id": "s", "method": 5}');
    expect(await server.inbox.next((m) => m.id === "s")).toEqual({
      id: "s",
      error: { code: -32600, message: "Invalid request: invalid type: integer `5`, expected a string" },
    });
    server.writeLine('{"id": 7, "method": null, "params": {}}');
    expect(await server.inbox.next((m) => m.id === 7)).toEqual({
      id: 7,
      error: { code: -32600, message: "Invalid request: invalid type: null, expected a string" },
    });
    expect(await server.request(2, "app/list", {})).toMatchObject({ id: 2, result: { data: [] } });
    expect(server.inbox.received).toEqual([]);
  });

  it("drops malformed lines without answering and serves the next request", async () => {
    const { server } = start();
    await server.initialize();
    server.writeLine("this is not json");
    server.writeLine("[1,2,3]");
    server.writeLine("");
    expect(await server.request(2, "experimentalFeature/list", {})).toEqual({
      id: 2,
      result: { data: expect.any(Array), nextCursor: null },
    });
    expect(server.inbox.received).toEqual([]);
    expect(server.stderr).toContain("Failed to deserialize JSONRPCMessage");
  });

  it("answers an oversized message with a precise error and keeps the connection", async () => {
    const { server } = start();
    await server.initialize();
    const limit = 16 * 1024 * 1024;
    server.writeLine(oversizedRequest(77, limit + 1));
    expect(await server.inbox.next((m) => m.id === 77, 20_000)).toEqual({
      id: 77,
      error: {
        code: -32600,
        message: `Invalid request: message of ${limit + 1} bytes exceeds the limit of ${limit} bytes`,
      },
    });
    // A message of exactly the limit is still accepted.
    server.writeLine(oversizedRequest("at-limit", limit));
    const atLimit = await server.inbox.next((m) => m.id === "at-limit", 20_000);
    expect(atLimit.error).toBeUndefined();
    expect(atLimit.result).toMatchObject({ model: OPENAI_DEFAULT_MODEL });
    expect(await server.request(78, "plugin/installed", {})).toEqual({
      id: 78,
      result: { marketplaces: [], marketplaceLoadErrors: [] },
    });
  });

  it("answers requests concurrently and reports the connection's threads as unsubscribed", async () => {
    const { server } = start();
    await server.initialize();
    server.send({ id: 10, method: "thread/loaded/list", params: {} });
    server.send({ id: 11, method: "thread/unsubscribe", params: { threadId: "thr_x" } });
    const [loaded, unsubscribed] = await Promise.all([
      server.inbox.next((m) => m.id === 10),
      server.inbox.next((m) => m.id === 11),
    ]);
    expect(loaded).toEqual({ id: 10, result: { data: [], nextCursor: null } });
    expect(unsubscribed).toEqual({ id: 11, result: { status: "notLoaded" } });
  });

  it("exits when stdin ends", async () => {
    const { server } = start();
    await server.initialize();
    expect(await server.stop()).toBe(0);
  });

  it("accepts --listen stdio:// and rejects an unsupported URL", async () => {
    const { server } = start(["--listen", "stdio://"]);
    expect((await server.initialize()).result).toBeDefined();
    const { server: bad } = start(["--listen", "http://127.0.0.1:1"]);
    expect(await bad.exited).not.toBe(0);
    expect(bad.stderr).toContain("unsupported --listen URL");
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("stdio transport under a client that does not read", () => {
  it("drops command output deltas past 4 MiB of unread output, and nothing else", async () => {
    const { PassThrough, Writable } = await import("node:stream");
    const { StdioTransport } = await import("../../src/app-server/transports/stdio.js");
    const { DELTA_BACKLOG_LIMIT } = await import("../../src/app-server/transport.js");
    // A client that never reads: the first write never completes, everything else queues.
    const written: string[] = [];
    const stuck = new Writable({
      write(chunk: Buffer, _encoding, _callback) {
        written.push(chunk.toString());
      },
    });
    const transport = new StdioTransport(new PassThrough(), stuck, () => {}, 1 << 20);
    transport.start({ onMessage: () => {}, onClose: () => {} } as never);
    const delta = (i: number) => ({
      method: "item/commandExecution/outputDelta",
      params: { threadId: "t", turnId: "u", itemId: "c", delta: `${i}`.padEnd(8192, "x") },
    });
    for (let i = 0; i < 2000; i++) transport.send(delta(i) as never);
    expect(stuck.writableLength).toBeGreaterThan(DELTA_BACKLOG_LIMIT);
    expect(stuck.writableLength).toBeLessThan(DELTA_BACKLOG_LIMIT + 2 * 8300);
    // Other messages are never dropped.
    const before = stuck.writableLength;
    transport.send({ method: "item/completed", params: { big: "y".repeat(100_000) } } as never);
    transport.send({ id: 7, result: {} } as never);
    expect(stuck.writableLength).toBeGreaterThan(before + 100_000);
  });
});
