import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ThreadEventSchema } from "../../src/protocol/exec-events.js";
import { jpegBytes, pngBytes } from "../support/images.js";
import { message, textTurn, turn, webSearchCall } from "../support/model-server.js";
import { inputItems, jsonLines, keel, setup } from "./support.js";

const dataUrl = (mime: string, bytes: Buffer) => `data:${mime};base64,${bytes.toString("base64")}`;

describe("keel exec: images and web search", () => {
  it("--image files go to the model before the prompt, as Codex exec sends them", async () => {
    const s = await setup();
    const png = pngBytes(6, 4);
    const jpeg = jpegBytes(24, 16);
    fs.mkdirSync(path.join(s.repo, "img"));
    fs.writeFileSync(path.join(s.repo, "img/a.png"), png);
    fs.writeFileSync(path.join(s.repo, "img/b.jpg"), jpeg);
    s.server.enqueue(textTurn("seen"));
    const r = await keel(
      ["exec", "--json", "describe", "-i", "img/a.png,img/b.jpg", "--image", "img/gone.png"],
      {
        cwd: s.repo,
        env: s.env,
      },
    );
    expect(r.code).toBe(0);
    const user = inputItems(s.server.modelRequests()[0]!.body, "message").filter((m) => m.role === "user");
    expect(user.at(-1).content).toEqual([
      { type: "input_text", text: '<image name=[Image #1] path="img/a.png">' },
      { type: "input_image", image_url: dataUrl("image/png", png), detail: "high" },
      { type: "input_text", text: "</image>" },
      { type: "input_text", text: '<image name=[Image #2] path="img/b.jpg">' },
      { type: "input_image", image_url: dataUrl("image/jpeg", jpeg), detail: "high" },
      { type: "input_text", text: "</image>" },
      {
        type: "input_text",
        text: "keel could not read the local image at `img/gone.png`: No such file or directory (os error 2)",
      },
      { type: "input_text", text: "describe" },
    ]);
  });

  it("a screenshot larger than 2048×768 reaches the model scaled down to fit, and exec still exits", async () => {
    const s = await setup();
    fs.writeFileSync(path.join(s.repo, "shot.png"), pngBytes(3000, 1500));
    s.server.enqueue(textTurn("seen"));
    const r = await keel(["exec", "describe", "-i", "shot.png"], { cwd: s.repo, env: s.env });
    expect(r.code, r.stderr).toBe(0);
    const user = inputItems(s.server.modelRequests()[0]!.body, "message").filter((m) => m.role === "user");
    const image = user.at(-1).content.find((p: { type: string }) => p.type === "input_image");
    const sent = Buffer.from(image.image_url.replace("data:image/png;base64,", ""), "base64");
    expect(sent.readUInt32BE(16)).toBe(1536);
    expect(sent.readUInt32BE(20)).toBe(768);
  });

  it("a hosted web search is a web_search item in --json, and the tool is offered (cached by default)", async () => {
    const s = await setup();
    s.server.enqueue(
      turn([
        webSearchCall({ type: "search", query: "keel", queries: ["keel", "keel runtime"] }, { id: "ws_a" }),
        webSearchCall({ type: "open_page", url: "https://example.com/" }, { id: "ws_b" }),
        message("Found it."),
      ]),
    );
    const r = await keel(["exec", "--json", "search"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    const events = jsonLines(r.stdout);
    for (const e of events) expect(ThreadEventSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
    expect(events.filter((e) => e.item?.type === "web_search" || e.item?.type === "agent_message")).toEqual([
      {
        type: "item.started",
        item: { id: "ws_a", type: "web_search", query: "", action: { type: "other" } },
      },
      {
        type: "item.completed",
        item: {
          id: "ws_a",
          type: "web_search",
          query: "keel",
          action: { type: "search", query: "keel", queries: ["keel", "keel runtime"] },
        },
      },
      {
        type: "item.started",
        item: { id: "ws_b", type: "web_search", query: "", action: { type: "other" } },
      },
      {
        type: "item.completed",
        item: {
          id: "ws_b",
          type: "web_search",
          query: "https://example.com/",
          action: { type: "open_page", url: "https://example.com/" },
        },
      },
      // Two numbers used up by the searches, as in Codex's output.
      { type: "item.completed", item: { id: "item_2", type: "agent_message", text: "Found it." } },
    ]);
    const tools = s.server.modelRequests()[0]!.body.tools;
    expect(tools.filter((t: { type: string }) => t.type === "web_search")).toEqual([
      { type: "web_search", external_web_access: false },
    ]);
  });

  it("a [tools] web_search table shapes the hosted tool as Codex 0.169 sends it", async () => {
    const s = await setup({
      providerExtra: [
        "",
        "[tools.web_search]",
        'context_size = "high"',
        'allowed_domains = ["example.com", "docs.rs"]',
        'location = { country = "US", city = "Boston", region = "MA", timezone = "America/New_York" }',
        "",
      ].join("\n"),
    });
    s.server.enqueue(textTurn("ok"));
    const r = await keel(["exec", "-c", 'web_search="live"', "search"], { cwd: s.repo, env: s.env });
    expect(r.stderr).not.toMatch(/web_search/);
    expect(r.code).toBe(0);
    // Captured from Codex 0.169 with the same table (search_content_types aside: model-dependent).
    const tools = s.server.modelRequests()[0]!.body.tools;
    expect(tools.filter((t: { type: string }) => t.type === "web_search")).toEqual([
      {
        type: "web_search",
        external_web_access: true,
        filters: { allowed_domains: ["example.com", "docs.rs"] },
        user_location: {
          type: "approximate",
          country: "US",
          region: "MA",
          city: "Boston",
          timezone: "America/New_York",
        },
        search_context_size: "high",
      },
    ]);
  });

  it("a [tools] web_search table with a key Codex does not know is refused with the key named", async () => {
    const s = await setup({ providerExtra: '\n[tools.web_search]\nallowed_domain = ["example.com"]\n' });
    const r = await keel(["exec", "search"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tools\.web_search/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(s.server.modelRequests()).toEqual([]);
    const plain = await setup();
    const wrong = await keel(["exec", "-c", 'tools.web_search={context_size="huge"}', "search"], {
      cwd: plain.repo,
      env: plain.env,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      'expected true, false or a table of context_size ("low", "medium" or "high")',
    );
  });

  it("the transcript shows each search as Codex exec prints it", async () => {
    const s = await setup();
    s.server.enqueue(
      turn([webSearchCall({ type: "search", query: "weather in paris" }), message("It rains.")]),
    );
    const r = await keel(["exec", "weather?"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("web search: \nweb search: weather in paris\n");
  });
});
