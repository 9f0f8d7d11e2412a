import http from "node:http";
import { describe, expect, it } from "vitest";
import { nodeHttpFetch } from "../../src/model/node-transport.js";
import { prewarmConnection } from "../../src/model/prewarm.js";
import { textTurn } from "../support/model-server.js";
import { fixture, inProcessServer, text, turnCompleted } from "./support.js";

/** The start-up prewarm (session.md §4 step 17) with KEEL_STARTUP_PREWARM=1. */
describe("start-up prewarm", () => {
  it("sends one free GET /models, before the first model request, after thread/start", async () => {
    const fx = await fixture();
    fx.env.KEEL_STARTUP_PREWARM = "1";
    const peer = inProcessServer(fx).connect();
    await peer.initialize();
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    while (!fx.model.requests.some((r) => r.path.endsWith("/models")))
      await new Promise((r) => setTimeout(r, 5));
    fx.model.enqueue(textTurn("ok"));
    const { turn } = await peer.request("turn/start", { threadId: thread.id, input: text("hi") });
    await turnCompleted(peer, turn.id);
    const paths = fx.model.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths.filter((p) => p.endsWith("/models"))).toHaveLength(1);
    expect(paths.indexOf(paths.find((p) => p.endsWith("/models"))!)).toBeLessThan(
      paths.findIndex((p) => p.endsWith("/responses")),
    );
    expect(fx.model.modelRequests()).toHaveLength(1);
  });

  it("never throws: a refused connection and a cancel both just end it", async () => {
    await expect(
      prewarmConnection(nodeHttpFetch, "http://127.0.0.1:1/models", {}, new AbortController().signal),
    ).resolves.toBeUndefined();
    // a server that never answers: the abort ends the prewarm
    const silent = http.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const { port } = silent.address() as { port: number };
    const abort = new AbortController();
    const pending = prewarmConnection(nodeHttpFetch, `http://127.0.0.1:${port}/models`, {}, abort.signal);
    abort.abort();
    await expect(pending).resolves.toBeUndefined();
    silent.closeAllConnections();
    silent.close();
  });

  it("is off unless asked for: no request before the first turn", async () => {
    const fx = await fixture();
    const peer = inProcessServer(fx).connect();
    await peer.initialize();
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    fx.model.enqueue(textTurn("ok"));
    const { turn } = await peer.request("turn/start", { threadId: thread.id, input: text("hi") });
    await turnCompleted(peer, turn.id);
    expect(fx.model.requests.map((r) => r.path).filter((p) => p.endsWith("/models"))).toEqual([]);
  });
});
