import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pngBytes } from "../support/images.js";
import { functionCall, textTurn, turn, webSearchCall } from "../support/model-server.js";
import { fixture, inProcessServer, stdioServer, turnCompleted } from "./support.js";

/** webSearch and imageView items over the built server's stdio, as Codex 0.169 sends them. */

describe("images and web search on the wire", () => {
  it("a hosted search is a webSearch item, a view_image call an imageView item", async () => {
    const fx = await fixture({ topLevel: { web_search: "live" } });
    const png = pngBytes(2, 2);
    fs.writeFileSync(path.join(fx.workspace, "shot.png"), png);
    const image = `data:image/png;base64,${png.toString("base64")}`;
    fx.model.enqueue(
      turn([
        webSearchCall({ type: "search", query: "weather in paris" }, { id: "ws_1" }),
        functionCall("view_image", { path: "shot.png" }, "call_v"),
      ]),
      textTurn("done"),
    );
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const thread = (await peer.request("thread/start", { cwd: fx.workspace })).thread.id as string;
    const started = await peer.request("turn/start", {
      threadId: thread,
      input: [
        { type: "text", text: "look", text_elements: [] },
        { type: "image", url: image },
        { type: "localImage", path: path.join(fx.workspace, "shot.png") },
      ],
    });
    await turnCompleted(peer, started.turn.id);

    const items = peer.received
      .filter((m) => m.method === "item/started" || m.method === "item/completed")
      .map((m) => ({ method: m.method, item: m.params.item }))
      .filter((e) => e.item.type === "webSearch" || e.item.type === "imageView");
    const shot = path.join(fx.workspace, "shot.png");
    expect(items).toMatchObject([
      {
        method: "item/started",
        item: { type: "webSearch", id: "ws_1", query: "", action: { type: "other" } },
      },
      {
        method: "item/completed",
        item: {
          type: "webSearch",
          id: "ws_1",
          query: "weather in paris",
          action: { type: "search", query: "weather in paris", queries: null },
        },
      },
      { method: "item/started", item: { type: "imageView", id: "call_v", path: shot } },
      { method: "item/completed", item: { type: "imageView", id: "call_v", path: shot } },
    ]);

    // The model got the data URL bare and the local file between markers, then the tool output.
    const [first, second] = fx.model.modelRequests();
    const user = first!.body.input.filter((i: { role?: string }) => i.role === "user").at(-1);
    expect(user.content).toEqual([
      { type: "input_text", text: "look" },
      { type: "input_image", image_url: image, detail: "high" },
      { type: "input_text", text: `<image name=[Image #2] path="${shot}">` },
      { type: "input_image", image_url: image, detail: "high" },
      { type: "input_text", text: "</image>" },
    ]);
    expect(first!.body.tools.find((t: { type: string }) => t.type === "web_search")).toEqual({
      type: "web_search",
      external_web_access: true,
    });
    expect(second!.body.input.find((i: { type: string }) => i.type === "function_call_output")).toEqual({
      type: "function_call_output",
      call_id: "call_v",
      output: [{ type: "input_image", image_url: image, detail: "high" }],
    });
    expect(fx.checker.check()).toEqual([]);
  });

  it("turn/start refuses an image URL the model would have to fetch, as Codex 0.169 does", async () => {
    const fx = await fixture();
    const peer = inProcessServer(fx).connect();
    await peer.initialize();
    const thread = (await peer.request("thread/start", { cwd: fx.workspace })).thread.id as string;
    const response = await peer.call("turn/start", {
      threadId: thread,
      input: [{ type: "image", url: "https://example.com/cat.png" }],
    });
    expect(response.error).toEqual({
      code: -32600,
      message: "remote image URLs are not supported; use an inline data URL instead",
    });
    expect(fx.model.modelRequests()).toEqual([]);
  });
});
