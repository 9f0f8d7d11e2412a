import { describe, expect, it } from "vitest";
import {
  type AppServer,
  type AppServerClient,
  RpcError,
  type ThreadRequestOutcome,
  connectInProcess,
  createAppServer,
} from "../../src/app-server/index.js";
import type { CommandExecutionRequestApprovalParams } from "../../src/protocol/v2/approvals.js";

const platform = { family: "unix", os: "linux", osName: "TestOS", osVersion: "1.0", arch: "x86_64" };

function newServer(): AppServer {
  return createAppServer({ home: "/home/dev/.keel", cwd: "/home/dev/proj", platform, terminal: "xterm" });
}

async function connect(server: AppServer, name: string, capabilities: Record<string, unknown> = {}) {
  const { client, connection } = connectInProcess(server, name);
  const notifications: { method: string; params: unknown }[] = [];
  client.onNotification((method, params) => notifications.push({ method, params }));
  await client.initialize({
    clientInfo: { name, version: "1.0" },
    capabilities: { experimentalApi: true, ...capabilities },
  });
  return { client, connection, notifications };
}

const approvalParams: CommandExecutionRequestApprovalParams = {
  threadId: "thr_A",
  turnId: "turn_1",
  itemId: "call_1",
  startedAtMs: 1776890010000,
  reason: "need to write a file",
  command: "/bin/bash -lc 'echo hello > out.txt'",
  cwd: "/home/dev/proj",
  availableDecisions: ["accept", "cancel"],
};

const patchParams = {
  threadId: "thr_A",
  turnId: "turn_1",
  itemId: "patch_1",
  startedAtMs: 1,
  reason: null,
  grantRoot: null,
};

/** A patch approval request to the subscribers of thr_A. */
const requestPatch = (server: AppServer) =>
  server.subscriptions.requestThread("thr_A", "item/fileChange/requestApproval", patchParams);

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("in-process transport", () => {
  it("runs the same handshake and error rules as the socket transports", async () => {
    const server = newServer();
    const { client } = connectInProcess(server);
    await expect(client.request("skills/list", {})).rejects.toEqual(new RpcError(-32600, "Not initialized"));
    const result = await client.initialize({ clientInfo: { name: "lib", title: null, version: "2.0" } });
    expect(result).toEqual({
      userAgent: `lib/${server.version} (TestOS 1.0; x86_64) xterm (lib; 2.0)`,
      codexHome: "/home/dev/.keel",
      platformFamily: "unix",
      platformOs: "linux",
    });
    await expect(
      client.request("initialize", { clientInfo: { name: "lib", version: "2.0" } }),
    ).rejects.toThrow("Already initialized");
    expect(await client.request("skills/list", {})).toEqual({
      data: [{ cwd: "/home/dev/proj", skills: [], errors: [] }],
    });
  });

  it("answers −32001 when too many requests are in flight, then recovers", async () => {
    const server = createAppServer({ home: "/h", cwd: "/c", platform, maxInFlightRequests: 2 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    server.router.register("model/list", async () => {
      await gate;
      return { data: [], nextCursor: null };
    });
    const { client } = connectInProcess(server);
    await client.initialize({ clientInfo: { name: "busy", version: "1" } });
    const slow = [client.request("model/list", {}), client.request("model/list", {})];
    await expect(client.request("model/list", {})).rejects.toEqual(
      new RpcError(-32001, "Server overloaded; retry later."),
    );
    release();
    await Promise.all(slow);
    expect(await client.request("model/list", {})).toEqual({ data: [], nextCursor: null });
  });

  it("lets the engine wiring replace a placeholder handler", async () => {
    const server = newServer();
    const { client } = await connect(server, "a");
    await expect(client.request("model/list", {})).rejects.toThrow("model/list is not available yet");
    server.router.registerModule({
      resource: "model",
      handlers: {
        "model/list": (params) => ({ data: [], nextCursor: params.cursor ?? null }),
      },
    });
    expect(await client.request("model/list", { cursor: "c" })).toEqual({ data: [], nextCursor: "c" });
  });
});

describe("thread fan-out", () => {
  it("sends thread notifications to subscribers only, honouring opt-outs", async () => {
    const server = newServer();
    const a = await connect(server, "a");
    const b = await connect(server, "b", { optOutNotificationMethods: ["item/agentMessage/delta"] });
    const c = await connect(server, "c");
    server.subscriptions.subscribe("thr_A", a.connection);
    server.subscriptions.subscribe("thr_A", b.connection);
    const delta = { threadId: "thr_A", turnId: "turn_1", itemId: "msg_1", delta: "hi" };
    expect(server.subscriptions.notifyThread("thr_A", "item/agentMessage/delta", delta)).toBe(1);
    server.subscriptions.notifyThread("thr_A", "thread/status/changed", {
      threadId: "thr_A",
      status: { type: "idle" },
    });
    expect(server.subscriptions.notifyAll("skills/changed", {})).toBe(3);
    await tick();
    expect(a.notifications.map((n) => n.method)).toEqual([
      "item/agentMessage/delta",
      "thread/status/changed",
      "skills/changed",
    ]);
    expect(a.notifications[0]!.params).toEqual(delta);
    expect(b.notifications.map((n) => n.method)).toEqual(["thread/status/changed", "skills/changed"]);
    expect(c.notifications.map((n) => n.method)).toEqual(["skills/changed"]);

    // Unsubscribing and closing both stop the traffic.
    expect(await a.client.request("thread/unsubscribe", { threadId: "thr_A" })).toEqual({
      status: "notLoaded",
    });
    b.client.close();
    await tick();
    expect(server.subscriptions.subscribers("thr_A")).toEqual([]);
  });

  it("withholds experimental notifications from clients without the capability", async () => {
    const server = newServer();
    const plain = await connect(server, "plain", { experimentalApi: false });
    const experimental = await connect(server, "exp");
    for (const { connection } of [plain, experimental]) server.subscriptions.subscribe("thr_A", connection);
    const item = {
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "x" }],
    } as const;
    server.subscriptions.notifyThread("thr_A", "rawResponseItem/completed", {
      threadId: "thr_A",
      turnId: "t",
      item,
    });
    await tick();
    expect(plain.notifications).toEqual([]);
    expect(experimental.notifications.map((n) => n.method)).toEqual(["rawResponseItem/completed"]);

    // Experimental server requests skip them too.
    const asked: string[] = [];
    plain.client.handleServerRequest("item/tool/requestUserInput", () => {
      asked.push("plain");
      return { answers: {} };
    });
    experimental.client.handleServerRequest("item/tool/requestUserInput", () => {
      asked.push("experimental");
      return { answers: { q1: { answers: ["yes"] } } };
    });
    const request = server.subscriptions.requestThread("thr_A", "item/tool/requestUserInput", {
      threadId: "thr_A",
      turnId: "t",
      itemId: "call_q",
      isBlocking: true,
      questions: [
        { id: "q1", header: "Go?", question: "Proceed?", isOther: false, isSecret: false, options: null },
      ],
    });
    const outcome = await request.outcome;
    expect(outcome.kind === "answered" && outcome.result).toEqual({ answers: { q1: { answers: ["yes"] } } });
    expect(asked).toEqual(["experimental"]);
  });

  it("sends a server request to every subscriber; the first answer wins and all get resolved", async () => {
    const server = newServer();
    const a = await connect(server, "a");
    const b = await connect(server, "b");
    const seen: { client: string; id: unknown; params: unknown }[] = [];
    let answerA!: (value: { decision: "accept" }) => void;
    a.client.handleServerRequest("item/commandExecution/requestApproval", (params, id) => {
      seen.push({ client: "a", id, params });
      return new Promise((resolve) => {
        answerA = resolve;
      });
    });
    b.client.handleServerRequest("item/commandExecution/requestApproval", (params, id) => {
      seen.push({ client: "b", id, params });
      return { decision: "decline" };
    });
    // Give b an earlier request (answered −32601: no handler) so the id spaces differ.
    const warmup = b.connection.request("item/fileChange/requestApproval", { ...approvalParams });
    expect(warmup.id).toBe(0);
    expect((await warmup.outcome).kind).toBe("error");

    server.subscriptions.subscribe("thr_A", a.connection);
    server.subscriptions.subscribe("thr_A", b.connection);
    const request = server.subscriptions.requestThread(
      "thr_A",
      "item/commandExecution/requestApproval",
      approvalParams,
    );
    const outcome = (await request.outcome) as ThreadRequestOutcome<{ decision: unknown }>;
    expect(outcome.kind).toBe("answered");
    expect(outcome.kind === "answered" && outcome.result).toEqual({ decision: "decline" });
    expect(outcome.kind === "answered" && outcome.connection).toBe(b.connection);
    expect(seen.map((s) => [s.client, s.id])).toEqual([
      ["a", 0],
      ["b", 1],
    ]);
    expect(seen[0]!.params).toEqual(approvalParams);
    await tick();
    const resolved = (n: { notifications: { method: string; params: unknown }[] }) =>
      n.notifications.filter((x) => x.method === "serverRequest/resolved").map((x) => x.params);
    expect(resolved(a)).toEqual([{ threadId: "thr_A", requestId: 0 }]);
    expect(resolved(b)).toEqual([{ threadId: "thr_A", requestId: 1 }]);
    // A's late answer is ignored.
    answerA({ decision: "accept" });
    await tick();
    expect(server.subscriptions.pendingRequests("thr_A")).toBe(0);
    expect(request.settled).toBe(true);
  });

  it("withdraws a pending request and replays pending requests to late subscribers", async () => {
    const server = newServer();
    const a = await connect(server, "a");
    const late = await connect(server, "late");
    const received: string[] = [];
    a.client.handleServerRequest("item/fileChange/requestApproval", () => {
      received.push("a");
      return new Promise(() => {});
    });
    late.client.handleServerRequest("item/fileChange/requestApproval", (params) => {
      received.push(`late:${params.itemId}`);
      return new Promise(() => {});
    });
    server.subscriptions.subscribe("thr_A", a.connection);
    const request = requestPatch(server);
    await tick();
    server.subscriptions.subscribe("thr_A", late.connection);
    await tick();
    expect(received).toEqual(["a", "late:patch_1"]);
    request.withdraw();
    expect(await request.outcome).toEqual({ kind: "withdrawn" });
    await tick();
    for (const client of [a, late]) {
      expect(client.notifications).toEqual([
        { method: "serverRequest/resolved", params: { threadId: "thr_A", requestId: 0 } },
      ]);
    }
  });

  it("fails a request only when every recipient answered with an error", async () => {
    const server = newServer();
    const a = await connect(server, "a");
    server.subscriptions.subscribe("thr_A", a.connection);
    // No handler registered: the client answers −32601.
    const request = server.subscriptions.requestThread("thr_A", "item/permissions/requestApproval", {
      threadId: "thr_A",
      turnId: "turn_1",
      itemId: "call_9",
      startedAtMs: 1,
      cwd: "/home/dev/proj",
      reason: null,
      permissions: { network: { enabled: true } },
    });
    const outcome = await request.outcome;
    expect(outcome.kind).toBe("failed");
  });

  it("tells a client whose answer was invalid that the request is resolved, with the others", async () => {
    const server = newServer();
    const a = await connect(server, "a");
    const b = await connect(server, "b");
    let answerB!: (value: { decision: "accept" }) => void;
    a.client.handleServerRequest("item/fileChange/requestApproval", () => ({ decision: "maybe" }) as never);
    b.client.handleServerRequest(
      "item/fileChange/requestApproval",
      () =>
        new Promise((resolve) => {
          answerB = resolve;
        }),
    );
    server.subscriptions.subscribe("thr_A", a.connection);
    server.subscriptions.subscribe("thr_A", b.connection);
    const request = requestPatch(server);
    await tick();
    // A's invalid answer does not settle the request while B may still answer.
    expect(request.settled).toBe(false);
    answerB({ decision: "accept" });
    expect((await request.outcome).kind).toBe("answered");
    await tick();
    for (const client of [a, b]) {
      expect(client.notifications).toEqual([
        { method: "serverRequest/resolved", params: { threadId: "thr_A", requestId: 0 } },
      ]);
    }
  });

  it("treats an answer that does not match the result schema as an error", async () => {
    const server = newServer();
    const a = await connect(server, "a");
    a.client.handleServerRequest("item/fileChange/requestApproval", () => ({ decision: "maybe" }) as never);
    const pending = a.connection.request("item/fileChange/requestApproval", {
      threadId: "t",
      turnId: "u",
      itemId: "i",
      startedAtMs: 1,
    });
    expect(await pending.outcome).toEqual({
      kind: "error",
      error: {
        code: -32600,
        message:
          "Invalid request: unknown variant `maybe`, expected one of `accept`, `acceptForSession`, `decline`, `cancel`",
      },
    });
  });

  it("cancels pending server requests when the connection closes", async () => {
    const server = newServer();
    const a: { client: AppServerClient; connection: import("../../src/app-server/index.js").Connection } =
      await connect(server, "a");
    a.client.handleServerRequest("item/fileChange/requestApproval", () => new Promise(() => {}));
    const pending = a.connection.request("item/fileChange/requestApproval", {
      threadId: "t",
      turnId: "u",
      itemId: "i",
      startedAtMs: 1,
    });
    a.client.close();
    expect(await pending.outcome).toEqual({ kind: "cancelled", reason: "closed" });
    expect(server.connections.size).toBe(0);
  });
});
